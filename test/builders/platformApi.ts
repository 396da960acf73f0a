import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** The vendored copy of DigitalOcean's OpenAPI description and its examples (see vendor/do-openapi/README.md). */
export const DO_OPENAPI_DIR = path.resolve(__dirname, '../../vendor/do-openapi');
/** DigitalOcean's OpenAPI description (apps only, bundled). */
export const OPENAPI_FILE = path.join(DO_OPENAPI_DIR, 'specification', 'apps-only.v2.bundled.json');

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
}

/** Rewrites local `#/…` refs so that they resolve inside the document registered as `do`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `do${v}` : rebase(v);
    return out;
  }
  return schema;
}

/**
 * Validates responses against the response schemas of DigitalOcean's OpenAPI description: the operation is found from
 * method + path, the schema from the status code (or `default`), compiled with ajv.
 */
export class OpenApiValidator {
  private readonly doc: OpenApiDoc;
  private readonly ajv: Ajv;
  private readonly templates: Array<{ template: string; regex: RegExp; params: number }>;
  private readonly cache = new Map<string, ValidateFunction | null>();
  /** How many responses passed validation. */
  validated = 0;

  constructor(file = OPENAPI_FILE) {
    this.doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDoc;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addFormat('uint32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff });
    this.ajv.addFormat('uint64', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    this.ajv.addSchema(this.doc, 'do');
    this.templates = Object.keys(this.doc.paths)
      .map((template) => ({
        template,
        regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      // Static paths (`/v2/apps/propose`) before parametric ones (`/v2/apps/{id}`).
      .sort((a, b) => a.params - b.params);
  }

  operationPath(method: string, pathname: string): string | undefined {
    return this.templates.find((t) => t.regex.test(pathname) && this.doc.paths[t.template][method.toLowerCase()])?.template;
  }

  /** Throws an AssertionError that says what does not match. */
  validate(method: string, pathname: string, status: number, body: unknown, rawText: string): void {
    const template = this.operationPath(method, pathname);
    assert.ok(template, `${method} ${pathname} is not an operation of DigitalOcean's API`);
    const op = this.doc.paths[template][method.toLowerCase()];
    const response = op.responses[String(status)] ?? op.responses.default;
    assert.ok(response, `${method} ${template} has no ${status} response (nor default)`);
    const schema = response.content?.['application/json']?.schema;
    const key = `${method} ${template} ${status}`;
    if (!schema) {
      assert.equal(rawText, '', `${key}: the OpenAPI description says the body is empty`);
      this.validated++;
      return;
    }
    let validate = this.cache.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rebase(schema) as object);
      this.cache.set(key, validate);
    }
    if (validate && !validate(body)) {
      assert.fail(`${key}: response does not match the OpenAPI schema:\n${JSON.stringify(validate.errors, null, 1).slice(0, 3000)}\nbody: ${rawText.slice(0, 1500)}`);
    }
    this.validated++;
  }
}

let shared: OpenApiValidator | undefined;

/** One validator per test process: compiled schemas are reused, and `validated` counts every response. */
export function sharedValidator(): OpenApiValidator {
  return (shared ??= new OpenApiValidator());
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/**
 * A fetch wrapper for the local App Platform's API that validates every /v2 response against the OpenAPI schemas and
 * checks DigitalOcean's headers (x-request-id, ratelimit-*).
 */
export class DoApi {
  constructor(readonly baseUrl: string, readonly token: string, readonly validator = sharedValidator()) {}

  async request<T = any>(method: string, path: string, body?: unknown, options: { token?: string | null; rawBody?: string; contentType?: string } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    const url = new URL(this.baseUrl + path);
    if (url.pathname.startsWith('/v2/')) {
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/, `${method} ${path}: x-request-id`);
      for (const h of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
        assert.match(res.headers.get(h) ?? '', /^\d+$/, `${method} ${path}: header ${h}`);
      }
      this.validator.validate(method, url.pathname, res.status, parsed, text);
      if (res.status >= 400) {
        assert.equal(typeof (parsed as { id?: unknown })?.id, 'string', `${method} ${path}: error id`);
        assert.equal((parsed as { request_id?: unknown }).request_id, res.headers.get('x-request-id'), `${method} ${path}: request_id`);
      }
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = any>(path: string, options?: { token?: string | null }): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T = any>(path: string, body?: unknown, options?: { token?: string | null }): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body, options);
  }

  put<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, body);
  }

  delete<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  /** Like `request`, asserting the status. */
  async expect<T = any>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, path, body);
    assert.equal(r.status, status, `${method} ${path} answered ${r.status}: ${r.text.slice(0, 800)}`);
    return r.body;
  }
}
