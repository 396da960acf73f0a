/**
 * Smoke tests of a deployed skill against the skill contract: health, response time, metadata, 404 for unknown paths,
 * 405 for a wrong method, and the API docs. Every check is named and timed; a failure carries the deployment
 * procedure's code and a mitigation.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import type { SkillManifest } from '../skills/manifest';
import { mapLimit } from '../util/concurrency';
import { formatDuration } from '../util/timeText';
import { SMOKE_MITIGATIONS, type SmokeCode } from './codes';
import { SkillMetadataSchema } from './metadata';

/** Every check of the suite, in the order a result lists them. */
export const SMOKE_CHECKS = ['health', 'response-time', 'metadata', 'unknown-path', 'wrong-method', 'docs'] as const;
export type SmokeCheckName = (typeof SMOKE_CHECKS)[number];
/** `failed`: the skill answered wrongly; `error`: the check could not get an answer (network, timeout). */
export type SmokeCheckStatus = 'passed' | 'failed' | 'error';

export interface SmokeCheck {
  readonly name: SmokeCheckName;
  readonly status: SmokeCheckStatus;
  /** Milliseconds to 0.1 ms (a local answer takes a few): the response-time check's is its request's. */
  readonly durationMs: number;
  readonly message: string;
  /** Set when the check did not pass. */
  readonly code?: SmokeCode;
  readonly mitigation?: string;
}

export interface SmokeResult {
  readonly skill: string;
  readonly baseUrl: string;
  readonly passed: boolean;
  readonly checks: SmokeCheck[];
  readonly durationMs: number;
}

/** The manifest fields the suite reads. */
export type SmokeManifest = Pick<SkillManifest, 'name' | 'version' | 'healthPath' | 'metadataPath' | 'invokePath' | 'docsPath'>;

export interface SmokeOptions {
  /** The skill's name (reported; the metadata must name the manifest's `name`). */
  readonly skill: string;
  readonly manifest: SmokeManifest;
  /** The skill's live URL, e.g. `https://pr-review-abcde.ondigitalocean.app` (a path prefix is kept). */
  readonly baseUrl: string;
  /** Aborting rejects with SmokeAbortedError. */
  readonly signal?: AbortSignal;
  /** Per request, headers and body together (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** The health request must complete within this (default 5 000 ms; PERFORMANCE_DEGRADATION otherwise). */
  readonly responseTimeThresholdMs?: number;
  /** HTTP connection pool; default: one per suite, closed at the end. */
  readonly dispatcher?: Dispatcher;
}

export const DEFAULT_RESPONSE_TIME_THRESHOLD_MS = 5_000;
export const DEFAULT_SMOKE_TIMEOUT_MS = 10_000;
/** Bodies are read up to this size; the rest is dropped (a health answer is a few bytes). */
const MAX_BODY_BYTES = 1024 * 1024;

export class SmokeAbortedError extends Error {
  override readonly name = 'SmokeAbortedError';
  readonly code = 'ABORTED';
  constructor(skill: string) {
    super(`Smoke tests of ${skill} were canceled.`);
  }
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  /** From sending the request to the last byte of the body, on the monotonic clock, to 0.1 ms. */
  readonly ms: number;
}

/** Milliseconds kept to 0.1 ms: whole milliseconds said every local answer took `0`. */
const tenths = (ms: number): number => Math.round(ms * 10) / 10;

/** A response time as people read it: `0.4 ms`, `3.2 ms`, `184 ms`, `1.5 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 9.95) return `${ms.toFixed(1)} ms`;
  return formatDuration(ms);
}

/** A request that got no answer: refused, reset, timed out. */
class NoAnswer extends Error {
  constructor(message: string, readonly timedOut: boolean, readonly ms: number) {
    super(message);
  }
}

function joinUrl(base: string, p: string): string {
  return base.replace(/\/+$/, '') + p;
}

function networkReason(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  const message = err.cause?.message ?? err.message ?? String(e);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

async function fetchOnce(url: string, method: 'GET', dispatcher: Dispatcher, timeoutMs: number, signal?: AbortSignal): Promise<Answer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const started = performance.now();
  try {
    const res = await request(url, {
      method,
      dispatcher,
      signal: combined,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      headers: { accept: '*/*', 'user-agent': 'odoobo-smoke' },
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      if (size < MAX_BODY_BYTES) chunks.push(b.subarray(0, MAX_BODY_BYTES - size));
      size += b.length;
    }
    const ct = res.headers['content-type'];
    return {
      status: res.statusCode,
      contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '',
      text: Buffer.concat(chunks).toString('utf8'),
      ms: tenths(performance.now() - started),
    };
  } catch (e) {
    const ms = tenths(performance.now() - started);
    if (signal?.aborted) throw e;
    const timedOut = timeout.aborted || /timeout/i.test((e as { code?: string }).code ?? '');
    throw new NoAnswer(timedOut ? `no answer within ${timeoutMs} ms` : networkReason(e), timedOut, ms);
  }
}

/** `ms`: what the check measured, when that is not the time `check` spent (the response-time check reuses a request). */
type Verdict = ({ status: 'passed'; message: string } | { status: 'failed' | 'error'; message: string; code: SmokeCode }) & { ms?: number };

const ok = (message: string): Verdict => ({ status: 'passed', message });
const fail = (code: SmokeCode, message: string): Verdict => ({ status: 'failed', code, message });

function snippet(text: string, max = 120): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs every check against one deployed skill. Rejects only when `signal` aborts. */
export async function runSmokeSuite(options: SmokeOptions): Promise<SmokeResult> {
  const { skill, manifest, baseUrl, signal } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SMOKE_TIMEOUT_MS;
  const threshold = options.responseTimeThresholdMs ?? DEFAULT_RESPONSE_TIME_THRESHOLD_MS;
  const dispatcher = options.dispatcher ?? new Agent({ connections: 4, keepAliveTimeout: 1_000 });
  const started = performance.now();
  if (signal?.aborted) throw new SmokeAbortedError(skill);

  const get = (p: string) => fetchOnce(joinUrl(baseUrl, p), 'GET', dispatcher, timeoutMs, signal);

  /** Times `fn`; an unanswered request becomes an `error` with the check's own code. */
  const check = async (name: SmokeCheckName, code: SmokeCode, fn: () => Promise<Verdict>): Promise<SmokeCheck> => {
    const t0 = performance.now();
    let v: Verdict;
    try {
      v = await fn();
    } catch (e) {
      if (signal?.aborted) throw new SmokeAbortedError(skill);
      v = {
        status: 'error',
        code,
        message: e instanceof NoAnswer ? e.message : `unexpected failure: ${(e as Error)?.message ?? String(e)}`,
      };
    }
    const durationMs = tenths(v.ms ?? performance.now() - t0);
    return v.status === 'passed'
      ? { name, status: 'passed', durationMs, message: v.message }
      : { name, status: v.status, durationMs, message: v.message, code: v.code, mitigation: SMOKE_MITIGATIONS[v.code] };
  };

  try {
    // The health request is made once: its answer is the health check, its duration the response-time check.
    let healthAnswer: Answer | NoAnswer | undefined;
    const health = await check('health', 'HEALTH_CHECK_FAIL', async () => {
      try {
        healthAnswer = await get(manifest.healthPath);
      } catch (e) {
        if (e instanceof NoAnswer) healthAnswer = e;
        throw e;
      }
      const a = healthAnswer;
      if (a.status !== 200)
        return fail('HEALTH_CHECK_FAIL', `GET ${manifest.healthPath} answered ${a.status}${a.text ? `: ${snippet(a.text)}` : ''}`);
      const body = parseJson(a.text) as { status?: unknown; skill?: unknown } | undefined;
      if (body && typeof body === 'object' && typeof body.skill === 'string' && body.skill !== manifest.name) {
        return fail(
          'HEALTH_CHECK_FAIL',
          `GET ${manifest.healthPath} answered for skill "${body.skill}", not "${manifest.name}": the URL serves another skill`,
        );
      }
      if (body && typeof body === 'object' && typeof body.status === 'string' && !/^(ok|healthy|up|pass)$/i.test(body.status)) {
        return fail('HEALTH_CHECK_FAIL', `GET ${manifest.healthPath} answered 200 with status "${body.status}"`);
      }
      return ok(`GET ${manifest.healthPath} answered 200`);
    });

    const responseTime = await check('response-time', 'PERFORMANCE_DEGRADATION', async () => {
      const a = healthAnswer;
      if (a instanceof NoAnswer) {
        const late = `GET ${manifest.healthPath} did not answer within ${timeoutMs} ms (limit ${formatMs(threshold)})`;
        return a.timedOut
          ? { ...fail('PERFORMANCE_DEGRADATION', late), ms: a.ms }
          : { status: 'error', code: 'PERFORMANCE_DEGRADATION', message: `no answer to measure: ${a.message}` };
      }
      if (!a) return { status: 'error', code: 'PERFORMANCE_DEGRADATION', message: 'no health answer to measure' };
      const verdict = a.ms <= threshold
        ? ok(`GET ${manifest.healthPath} took ${formatMs(a.ms)} (limit ${formatMs(threshold)})`)
        : fail('PERFORMANCE_DEGRADATION', `GET ${manifest.healthPath} took ${formatMs(a.ms)}, over the limit of ${formatMs(threshold)}`);
      return { ...verdict, ms: a.ms };
    });

    const rest = await Promise.all([
      check('metadata', 'METADATA_INVALID', async () => {
        const a = await get(manifest.metadataPath);
        if (a.status !== 200)
          return fail('METADATA_INVALID', `GET ${manifest.metadataPath} answered ${a.status}${a.text ? `: ${snippet(a.text)}` : ''}`);
        const json = parseJson(a.text);
        if (json === undefined) return fail('METADATA_INVALID', `GET ${manifest.metadataPath} did not answer JSON: ${snippet(a.text)}`);
        const parsed = SkillMetadataSchema.safeParse(json);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
          return fail('METADATA_INVALID', `GET ${manifest.metadataPath}: ${issues.slice(0, 5).join('; ')}`);
        }
        const m = parsed.data;
        const mismatches: string[] = [];
        const expect = (field: string, got: string, want: string) => {
          if (got !== want) mismatches.push(`${field} is "${got}", manifest.json says "${want}"`);
        };
        expect('name', m.name, manifest.name);
        expect('version', m.version, manifest.version);
        expect('health_path', m.health_path, manifest.healthPath);
        expect('invoke_path', m.invoke_path, manifest.invokePath);
        expect('docs_path', m.docs_path, manifest.docsPath);
        if (mismatches.length) return fail('METADATA_INVALID', `GET ${manifest.metadataPath}: ${mismatches.join('; ')}`);
        return ok(`GET ${manifest.metadataPath}: ${m.name} ${m.version}, every field present`);
      }),
      check('unknown-path', 'ENDPOINT_404', async () => {
        const p = `/odoobo-smoke-${randomBytes(6).toString('hex')}`;
        const a = await get(p);
        return a.status === 404
          ? ok(`GET ${p} answered 404`)
          : fail('ENDPOINT_404', `GET ${p} (an unknown path) answered ${a.status}, not 404`);
      }),
      check('wrong-method', 'METHOD_405', async () => {
        const a = await get(manifest.invokePath);
        if (a.status === 405) return ok(`GET ${manifest.invokePath} answered 405`);
        const hint = a.status === 404 ? ' (is invokePath in manifest.json right?)' : '';
        return fail('METHOD_405', `GET ${manifest.invokePath} (the invoke endpoint, a POST) answered ${a.status}, not 405${hint}`);
      }),
      check('docs', 'DOCS_MISSING', async () => {
        const a = await get(manifest.docsPath);
        if (a.status !== 200) return fail('DOCS_MISSING', `GET ${manifest.docsPath} answered ${a.status}, not 200`);
        const html = /^text\/html\b/i.test(a.contentType) || /^\s*<(!doctype html|html)\b/i.test(a.text);
        if (!html) return fail('DOCS_MISSING', `GET ${manifest.docsPath} answered ${a.contentType || 'no content type'}, not HTML`);
        return ok(`GET ${manifest.docsPath} serves HTML`);
      }),
    ]);

    const checks = [health, responseTime, ...rest];
    return { skill, baseUrl, passed: checks.every((c) => c.status === 'passed'), checks, durationMs: tenths(performance.now() - started) };
  } finally {
    if (!options.dispatcher) await dispatcher.close().catch(() => undefined);
  }
}

export interface SmokeSuitesOptions {
  /** Skills tested at the same time (default 5). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** As each skill's suite finishes. */
  readonly onResult?: (result: SmokeResult) => void;
}

/** Runs the suites of several skills in parallel (results in input order). */
export async function runSmokeSuites(items: readonly SmokeOptions[], options: SmokeSuitesOptions = {}): Promise<SmokeResult[]> {
  return mapLimit(items, Math.max(1, options.concurrency ?? 5), async (item) => {
    const result = await runSmokeSuite({ ...item, signal: item.signal ?? options.signal });
    options.onResult?.(result);
    return result;
  });
}

/** `3/6 passed; failed: HEALTH_CHECK_FAIL, ENDPOINT_404` */
export function summarizeSmoke(result: SmokeResult): string {
  const passed = result.checks.filter((c) => c.status === 'passed').length;
  const bad = result.checks.filter((c) => c.status !== 'passed');
  return `${passed}/${result.checks.length} checks passed${bad.length ? `; failed: ${bad.map((c) => c.code ?? c.name).join(', ')}` : ''}`;
}
