import { request, type Dispatcher } from 'undici';
import type { SkillRequest } from './requestFile';

export interface InvokeResponse {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** Milliseconds from sending to the last byte of the body. */
  readonly timeMs: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  /** The body parsed, when it is JSON. */
  readonly json?: unknown;
  /** For a 4xx: the fields the skill's validation error names (FastAPI's `detail[].loc`), with their messages. */
  readonly problems: readonly { field: string; message: string }[];
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** FastAPI's errors: 422 `{detail: [{loc, msg}]}` and HTTPException's `{detail: "…"}`. */
export function validationProblems(json: unknown): { field: string; message: string }[] {
  const detail = (json as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return [{ field: '', message: detail }];
  if (!Array.isArray(detail)) return [];
  return detail.flatMap((d: { loc?: unknown; msg?: unknown }) => {
    if (!d || typeof d !== 'object') return [];
    const loc = Array.isArray(d.loc) ? d.loc.map(String) : [];
    const field = (loc[0] === 'body' || loc[0] === 'query' || loc[0] === 'path' ? loc.slice(1) : loc).join('.');
    return [{ field, message: typeof d.msg === 'string' ? d.msg : JSON.stringify(d) }];
  });
}

/** Sends `req` to `baseUrl` (a local run's URL or a deployed app's live URL); the path defaults to `invokePath`. */
export async function invokeSkill(
  baseUrl: string,
  req: SkillRequest,
  options: { invokePath: string; signal?: AbortSignal; timeoutMs?: number; dispatcher?: Dispatcher },
): Promise<InvokeResponse> {
  const url = baseUrl.replace(/\/+$/, '') + (req.path ?? options.invokePath);
  const hasBody = req.body !== undefined && req.method !== 'GET' && req.method !== 'HEAD';
  const headers: Record<string, string> = { accept: 'application/json', ...(hasBody ? { 'content-type': 'application/json' } : {}) };
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  const started = performance.now();
  const res = await request(url, {
    method: req.method,
    headers,
    body: hasBody ? JSON.stringify(req.body) : undefined,
    signal: options.signal,
    headersTimeout: options.timeoutMs ?? 120_000,
    bodyTimeout: options.timeoutMs ?? 120_000,
    dispatcher: options.dispatcher,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size <= MAX_BODY_BYTES) chunks.push(b);
  }
  const timeMs = Math.round((performance.now() - started) * 10) / 10;
  const text = Buffer.concat(chunks).toString('utf8');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const problems = res.statusCode >= 400 && res.statusCode < 500 ? validationProblems(json) : [];
  return { method: req.method, url, status: res.statusCode, timeMs, headers: out, text, json, problems };
}

/** The response as the editor and the CLI show it: status line, time, problems, headers, pretty body. */
export function formatInvokeResponse(r: InvokeResponse): string {
  const lines = [`${r.method} ${r.url}`, `HTTP ${r.status} · ${r.timeMs} ms`];
  for (const p of r.problems) lines.push(p.field ? `✗ ${p.field}: ${p.message}` : `✗ ${p.message}`);
  lines.push('', ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), '');
  lines.push(r.json !== undefined ? JSON.stringify(r.json, null, 2) : r.text);
  return lines.join('\n') + '\n';
}
