/** Step 6: the live URL's health path answers 2xx within a bound; also how "the old version still serves" is checked. */
import { request } from 'undici';
import { wait } from '../util/wait';

export interface HealthOutcome {
  ok: boolean;
  /** The last HTTP status seen (absent when nothing answered). */
  status?: number;
  /** The last answer's first 200 characters, or the network error. */
  detail: string;
  attempts: number;
  elapsedMs: number;
}

export interface HealthOptions {
  /** Keep asking until this long has passed (default 10 000). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** First wait between attempts (default 100 ms; doubles up to 1 s). */
  intervalMs?: number;
}

export function joinUrl(base: string, p: string): string {
  return `${base.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
}

/** GETs `liveUrl + path` until it answers 2xx or the time is up. Never throws (an abort ends it as not ok). */
export async function checkHealth(liveUrl: string, healthPath: string, options: HealthOptions = {}): Promise<HealthOutcome> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = Date.now();
  const url = joinUrl(liveUrl, healthPath);
  let interval = options.intervalMs ?? 100;
  let status: number | undefined;
  let detail = 'no answer';
  for (let attempts = 1; ; attempts++) {
    const left = timeoutMs - (Date.now() - started);
    try {
      const res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'odoobo-skills/deploy-health-check', accept: 'application/json, */*' },
        headersTimeout: Math.max(100, Math.min(left, 5_000)),
        bodyTimeout: Math.max(100, Math.min(left, 5_000)),
        signal: options.signal,
      });
      const text = await res.body.text();
      status = res.statusCode;
      detail = text.slice(0, 200);
      if (status >= 200 && status < 300) return { ok: true, status, detail, attempts, elapsedMs: Date.now() - started };
    } catch (e) {
      detail = (e as Error).message;
      if (options.signal?.aborted) return { ok: false, status, detail: 'canceled', attempts, elapsedMs: Date.now() - started };
    }
    const remaining = timeoutMs - (Date.now() - started);
    if (remaining <= 0) return { ok: false, status, detail, attempts, elapsedMs: Date.now() - started };
    await wait(Math.min(interval, remaining), { signal: options.signal });
    if (options.signal?.aborted) return { ok: false, status, detail: 'canceled', attempts, elapsedMs: Date.now() - started };
    interval = Math.min(1_000, interval * 2);
  }
}
