/**
 * The HTTP layer of the App Platform client: undici underneath (one Agent per client), with retries, a per-request
 * timeout, cancellation, a shared request budget and the rate-limit headers of the last answer.
 */
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { RequestBudget } from './budget';
import { Clock, systemClock } from './clock';
import { AppPlatformError, AppPlatformErrorCode, codeForStatus } from './errors';
import { describeUrl, redact, registerSecret } from './redact';
import {
  DEFAULT_BASE_URL,
  type HttpOptions,
  type HttpRequest,
  type HttpResponse,
  type LogSink,
  type QueryValue,
  type RateLimitInfo,
  type RetryOptions,
  type TokenSource,
} from './httpTypes';
import { ErrorBodySchema, parseWith } from './schemas';

export * from './httpTypes';


const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TRANSIENT_ERRORS = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** Why an attempt ended without an answer. */
type AttemptFailure = { kind: 'aborted' } | { kind: 'timeout' } | { kind: 'network'; code?: string; error: unknown };

export class HttpTransport {
  readonly baseUrl: string;
  readonly budget?: RequestBudget;
  private readonly agent: Agent;
  private readonly token?: TokenSource;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: LogSink;
  private readonly authMitigation?: string;
  private readonly rateLimitListeners = new Set<(info: RateLimitInfo) => void>();
  private lastRateLimit?: RateLimitInfo;

  constructor(options: HttpOptions = {}) {
    this.baseUrl = (options.baseUrl?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
    new URL(this.baseUrl); // fail fast on a malformed base URL
    this.token = options.token;
    if (typeof options.token === 'string') registerSecret(options.token);
    this.userAgent = options.userAgent ?? 'odoobo-skills';
    this.authMitigation = options.authMitigation;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8_000, maxRateLimitWaitMs: 60_000, ...options.retry };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const sink = options.log;
    this.log = sink ? (level, message) => sink(level, redact(message)) : () => undefined;
    if (options.onRateLimit) this.rateLimitListeners.add(options.onRateLimit);
    if (options.budget instanceof RequestBudget) this.budget = options.budget;
    else if (options.budget !== false) this.budget = new RequestBudget({ clock: this.clock, ...options.budget });
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 10_000 });
  }

  get rateLimit(): RateLimitInfo | undefined {
    return this.lastRateLimit;
  }

  /** Calls `listener` with the rate-limit headers of every answer that has them; returns an unsubscribe function. */
  onRateLimit(listener: (info: RateLimitInfo) => void): () => void {
    this.rateLimitListeners.add(listener);
    return () => this.rateLimitListeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Sends `req`, retrying what may be retried; resolves with any 2xx answer, throws AppPlatformError otherwise. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    const where = req.external ? describeUrl(req.path) : req.path;
    const fail = (init: Omit<ConstructorParameters<typeof AppPlatformError>[0], 'operation' | 'method' | 'path'>) =>
      new AppPlatformError({ operation: req.operation, method: req.method, path: where, ...init });
    const aborted = (attempts: number) =>
      fail({ code: 'ABORTED', message: `${req.operation}: canceled`, attempts, cause: req.signal?.reason });

    for (let attempt = 1; ; attempt++) {
      if (req.signal?.aborted) throw aborted(attempt - 1);
      if (!req.external && this.budget) {
        try {
          await this.budget.acquire(req.signal);
        } catch {
          throw aborted(attempt - 1);
        }
      }
      const started = this.clock.now();
      const outcome = await this.attempt(req);
      const last = attempt >= this.retry.maxAttempts;

      if ('failure' in outcome) {
        const f = outcome.failure;
        if (f.kind === 'aborted') throw aborted(attempt);
        if (f.kind === 'timeout') {
          throw fail({
            code: 'TIMEOUT',
            message: `${req.operation}: no complete answer from ${req.method} ${where} within ${req.timeoutMs ?? this.timeoutMs} ms`,
            attempts: attempt,
            retryable: true,
          });
        }
        const retryable = (f.code !== undefined && CONNECT_ERRORS.has(f.code)) || (idempotent && isTransient(f));
        const detail = `${f.code ?? 'error'}: ${errorMessage(f.error)}`;
        if (retryable && !last) {
          const delay = this.backoff(attempt);
          this.log(
            'warn',
            `${req.operation}: ${req.method} ${where} failed (${detail}); retry ${attempt + 1}/${this.retry.maxAttempts} in ${delay} ms`,
          );
          await this.sleep(delay, req.signal).catch(() => {
            throw aborted(attempt);
          });
          continue;
        }
        throw fail({
          code: 'NETWORK_ERROR',
          message: `${req.operation}: ${req.method} ${where} failed (${detail})`,
          attempts: attempt,
          retryable,
          cause: f.error,
        });
      }

      const res = outcome.response;
      this.log(
        'debug',
        `${req.operation}: ${req.method} ${where} -> ${res.status} in ${this.clock.now() - started} ms (attempt ${attempt})`,
      );
      if (!req.external) this.observeRateLimit(res.headers);
      if (res.status >= 200 && res.status < 300) return { ...res, attempts: attempt };

      if (res.status === 429 && !last) {
        const delay = this.rateLimitDelay(res.headers, attempt);
        this.log('warn', `${req.operation}: rate limited (429); retry ${attempt + 1}/${this.retry.maxAttempts} in ${delay} ms`);
        await this.sleep(delay, req.signal).catch(() => {
          throw aborted(attempt);
        });
        continue;
      }
      if (res.status >= 500 && idempotent && !last) {
        const delay = this.backoff(attempt);
        this.log(
          'warn',
          `${req.operation}: ${req.method} ${where} -> ${res.status}; retry ${attempt + 1}/${this.retry.maxAttempts} in ${delay} ms`,
        );
        await this.sleep(delay, req.signal).catch(() => {
          throw aborted(attempt);
        });
        continue;
      }
      throw this.errorFromAnswer(req, where, res, attempt);
    }
  }

  /** send() plus JSON parsing and schema validation; a bad body is INVALID_RESPONSE naming the operation and fields. */
  async json<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.output<S>> {
    const res = await this.send(req);
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch (e) {
      throw new AppPlatformError({
        code: 'INVALID_RESPONSE',
        operation: req.operation,
        method: req.method,
        path: req.external ? describeUrl(req.path) : req.path,
        status: res.status,
        requestId: res.headers['x-request-id'],
        message: `${req.operation}: the answer is not valid JSON (${errorMessage(e)}): ${JSON.stringify(res.text.slice(0, 120))}`,
      });
    }
    const parsed = parseWith(schema, data);
    if (parsed.ok) return parsed.value;
    throw new AppPlatformError({
      code: 'INVALID_RESPONSE',
      operation: req.operation,
      method: req.method,
      path: req.external ? describeUrl(req.path) : req.path,
      status: res.status,
      requestId: res.headers['x-request-id'],
      issues: parsed.issues,
      message:
        `${req.operation}: unexpected answer: ${parsed.issues.slice(0, 5).join('; ')}` +
        `${parsed.issues.length > 5 ? ` (+${parsed.issues.length - 5} more)` : ''}`,
    });
  }

  private async attempt(req: HttpRequest): Promise<{ response: Omit<HttpResponse, 'attempts'> } | { failure: AttemptFailure }> {
    const controller = new AbortController();
    let timedOut = false;
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, timeoutMs);
    const onAbort = () => controller.abort(new Error('aborted'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const url = req.external ? req.path : this.url(req.path, req.query);
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
      if (!req.external) {
        const token = await this.resolveToken(req.operation);
        if (token) headers.authorization = `Bearer ${token}`;
      }
      let body: string | undefined;
      if (req.body !== undefined) {
        body = JSON.stringify(req.body);
        headers['content-type'] = 'application/json';
      }
      const res = await request(url, {
        dispatcher: this.agent,
        method: req.method,
        headers,
        body,
        signal: controller.signal,
        // The overall deadline above is what counts; undici's own idle timers only as a backstop.
        headersTimeout: timeoutMs + 1_000,
        bodyTimeout: timeoutMs + 1_000,
      });
      const text = await res.body.text();
      return { response: { status: res.statusCode, headers: flattenHeaders(res.headers), text } };
    } catch (error) {
      if (error instanceof AppPlatformError) throw error;
      if (req.signal?.aborted) return { failure: { kind: 'aborted' } };
      if (timedOut) return { failure: { kind: 'timeout' } };
      return { failure: { kind: 'network', code: errorCode(error), error } };
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async resolveToken(operation: string): Promise<string | undefined> {
    if (typeof this.token !== 'function') return this.token || undefined;
    let token: string | undefined;
    try {
      token = await this.token();
    } catch (e) {
      const message = `${operation}: the DigitalOcean token could not be read (${errorMessage(e)})`;
      throw new AppPlatformError({ code: 'UNAUTHORIZED', operation, message, mitigation: this.authMitigation });
    }
    registerSecret(token);
    return token || undefined;
  }

  private url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) params.append(k, item);
      else params.append(k, String(v));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private errorFromAnswer(req: HttpRequest, where: string, res: Omit<HttpResponse, 'attempts'>, attempts: number): AppPlatformError {
    let id: string | undefined;
    let message: string | undefined;
    let requestId = res.headers['x-request-id'];
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(res.text));
      if (parsed.success) {
        id = parsed.data.id;
        message = parsed.data.message;
        requestId = parsed.data.request_id ?? requestId;
      }
    } catch {
      // not JSON: described below from the raw text
    }
    const code: AppPlatformErrorCode = codeForStatus(res.status, req.errors);
    const what = message ?? (res.text.trim().slice(0, 200) || 'no details');
    return new AppPlatformError({
      code,
      operation: req.operation,
      method: req.method,
      path: where,
      status: res.status,
      id,
      requestId,
      attempts,
      retryable: res.status === 429 || res.status >= 500,
      mitigation: code === 'UNAUTHORIZED' ? this.authMitigation : undefined,
      message: `${req.operation}: ${req.method} ${where} -> ${res.status}${id ? ` ${id}` : ''}: ${what}`,
    });
  }

  private observeRateLimit(headers: Record<string, string>): void {
    const limit = intHeader(headers['ratelimit-limit']);
    const remaining = intHeader(headers['ratelimit-remaining']);
    const reset = intHeader(headers['ratelimit-reset']);
    if (limit === undefined && remaining === undefined && reset === undefined) return;
    const info: RateLimitInfo = { limit, remaining, reset, observedAt: this.clock.now() };
    this.lastRateLimit = info;
    for (const listener of this.rateLimitListeners) {
      try {
        listener(info);
      } catch (e) {
        this.log('warn', `rate-limit listener failed: ${errorMessage(e)}`);
      }
    }
  }

  /** retry-after (seconds or HTTP-date), else ratelimit-reset (epoch seconds), else backoff; capped. */
  private rateLimitDelay(headers: Record<string, string>, attempt: number): number {
    const now = this.clock.now();
    let wait: number | undefined;
    const retryAfter = headers['retry-after']?.trim();
    if (retryAfter) {
      if (/^\d+(\.\d+)?$/.test(retryAfter)) wait = Number(retryAfter) * 1000;
      else {
        const at = Date.parse(retryAfter);
        if (!Number.isNaN(at)) wait = at - now;
      }
    }
    if (wait === undefined) {
      const reset = intHeader(headers['ratelimit-reset']);
      if (reset !== undefined) wait = reset * 1000 - now;
    }
    if (wait === undefined || wait < 0) wait = this.backoff(attempt);
    return Math.round(Math.min(wait, this.retry.maxRateLimitWaitMs));
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so waits never collapse to zero. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.clock.sleep(ms, signal);
  }
}

function isTransient(f: { code?: string; error: unknown }): boolean {
  if (f.code !== undefined) return TRANSIENT_ERRORS.has(f.code) || CONNECT_ERRORS.has(f.code);
  return /other side closed|socket hang up|terminated/i.test(errorMessage(f.error));
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR') {
      // undici's generic "terminated" wraps the socket error that says what happened
      if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') continue;
      return code;
    }
  }
  return undefined;
}

function errorMessage(e: unknown): string {
  return redact(e instanceof Error ? e.message : String(e));
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function intHeader(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
