/**
 * Delivery of one notice to one webhook: a POST with a per-request timeout, retried with backoff on 429 (waiting what
 * Retry-After says) and on 5xx or a failed connection, until `maxTotalMs`. The URL is a secret: no message here names
 * it or repeats an error that could (undici's messages may carry the host); destinations are named by channel.
 */
import { request } from 'undici';
import { wait } from '../util/wait';
import type { WebhookDestination } from './types';

export interface DeliveryOptions {
  readonly requestTimeoutMs: number;
  readonly maxTotalMs: number;
  /** The first retry's backoff (doubled each time, with jitter); default 500 ms. */
  readonly baseDelayMs?: number;
  readonly maxAttempts?: number;
}

export interface DeliveryReport {
  readonly destination: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** Why it failed (never the URL). */
  readonly problem?: string;
}

/** `slack webhook for incidents`: how a destination is named wherever it is mentioned. */
export function describeDestination(d: WebhookDestination): string {
  return `${d.format === 'slack' ? 'Slack' : 'JSON'} webhook for ${d.channel}`;
}

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorCode(e: unknown): string {
  const err = e as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const code = err?.cause?.code ?? err?.code ?? err?.name;
  return typeof code === 'string' ? code : 'NETWORK_ERROR';
}

export async function deliver(dest: WebhookDestination, body: unknown, o: DeliveryOptions): Promise<DeliveryReport> {
  const destination = describeDestination(dest);
  const started = Date.now();
  const maxAttempts = o.maxAttempts ?? 5;
  const text = JSON.stringify(body);
  let problem = '';
  for (let attempt = 1; ; attempt++) {
    const left = o.maxTotalMs - (Date.now() - started);
    let delay: number | undefined;
    try {
      const res = await request(dest.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'odoobo' },
        body: text,
        signal: AbortSignal.timeout(Math.max(1, Math.min(o.requestTimeoutMs, left))),
        headersTimeout: o.requestTimeoutMs,
        bodyTimeout: o.requestTimeoutMs,
      });
      await res.body.text().catch(() => '');
      if (res.statusCode >= 200 && res.statusCode < 300) return { destination, ok: true, attempts: attempt };
      problem = `HTTP ${res.statusCode}`;
      if (res.statusCode === 429) delay = retryAfterMs(res.headers['retry-after']) ?? backoff(o, attempt);
      else if (res.statusCode >= 500) delay = backoff(o, attempt);
      else return { destination, ok: false, attempts: attempt, problem: `${destination}: the receiver refused the notice (${problem})` };
    } catch (e) {
      problem = errorCode(e) === 'TimeoutError' || errorCode(e) === 'UND_ERR_HEADERS_TIMEOUT' ? 'no answer in time' : errorCode(e);
      delay = backoff(o, attempt);
    }
    const remaining = o.maxTotalMs - (Date.now() - started);
    if (attempt >= maxAttempts || delay > remaining) {
      const why = `${destination}: not delivered after ${attempt} attempt${attempt === 1 ? '' : 's'} (last: ${problem})`;
      return { destination, ok: false, attempts: attempt, problem: why };
    }
    await wait(delay);
  }
}

function backoff(o: DeliveryOptions, attempt: number): number {
  const base = (o.baseDelayMs ?? 500) * 2 ** (attempt - 1);
  return Math.round(base * (0.75 + Math.random() / 2));
}
