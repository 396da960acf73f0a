/** The options, requests and answers of the App Platform client's HTTP layer (./http). */
import type { RequestBudget, RequestBudgetOptions } from './budget';
import type { Clock } from './clock';
import type { OperationErrorMap } from './errors';

export const DEFAULT_BASE_URL = 'https://api.digitalocean.com';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, message: string) => void;
/** The bearer token, or a function that supplies it (asked again before every attempt, so a new token is picked up). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

/** The `ratelimit-*` headers of the last answer DigitalOcean gave. */
export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** Epoch seconds when the oldest counted request expires. */
  reset?: number;
  /** When the answer carrying these headers arrived (clock ms). */
  observedAt: number;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  maxAttempts: number;
  /** First backoff delay; doubles each attempt and is jittered (default 250 ms). */
  baseDelayMs: number;
  /** Largest backoff delay (default 8 s). */
  maxDelayMs: number;
  /** Longest wait a 429's retry-after / ratelimit-reset may impose before one retry (default 60 s). */
  maxRateLimitWaitMs: number;
}

export interface HttpOptions {
  /** Default https://api.digitalocean.com; a local App Platform's URL (a path prefix is kept). */
  baseUrl?: string;
  /** No token: no Authorization header is sent (a local App Platform may not need one). */
  token?: TokenSource;
  userAgent?: string;
  /** Per attempt, headers and body together (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Shared request budget; default 250 requests per 60 s. `false` turns it off. */
  budget?: RequestBudget | RequestBudgetOptions | false;
  /** Used for backoff sleeps, retry-after arithmetic and the default budget. */
  clock?: Clock;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  log?: LogSink;
  onRateLimit?: (info: RateLimitInfo) => void;
  /**
   * Connections per origin (default 64, opened only as needed and closed after 10 s idle). A plan of N skills at
   * once sends N proposes and N creates together; fewer connections queue them (50 at once: 60 ms later, measured).
   */
  connections?: number;
  /** What to do after a 401 from this API: the default names DigitalOcean's token, wrong advice for a local platform. */
  authMitigation?: string;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface HttpRequest {
  /** OpenAPI operationId, named in errors and logs. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path under the base URL ('/v2/apps/…'), or an absolute URL when `external`. */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Safe to repeat after a 5xx or a broken connection; default true for GET, PUT and DELETE. */
  idempotent?: boolean;
  signal?: AbortSignal;
  errors?: OperationErrorMap;
  /** A pre-signed URL elsewhere: no bearer token, no budget, query string never logged. */
  external?: boolean;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  attempts: number;
}
