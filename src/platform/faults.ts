import { z } from 'zod';

/**
 * Fault injection for tests and benchmarks. Everything is off by default; set it through
 * `startLocalPlatform({ faults })` or at run time with `PUT|PATCH|DELETE /_local/faults`.
 * A count (`failBuilds: 2`) applies to that many next occurrences; `true` applies until cleared.
 */
export const faultsSchema = z.strictObject({
  /** Extra time the BUILDING phase lasts (milliseconds). */
  buildMs: z.number().int().min(0).max(3_600_000).optional(),
  /** Extra time the DEPLOYING phase lasts (milliseconds). */
  deployMs: z.number().int().min(0).max(3_600_000).optional(),
  /** "No real processes": no git checkout, no build command, each component is a tiny in-process HTTP server. */
  simulate: z.boolean().optional(),
  /** The next N builds (or all, with `true`) fail with BuildJobExitNonZero. */
  failBuilds: z.union([z.boolean(), z.number().int().min(0)]).optional(),
  /** The next N deployments (or all) fail their health checks. */
  failHealthChecks: z.union([z.boolean(), z.number().int().min(0)]).optional(),
  /** The next `count` API requests answer 429 too_many_requests with `retry-after`. */
  tooManyRequests: z
    .strictObject({ count: z.number().int().min(0), retryAfterSeconds: z.number().int().min(0).max(3600).optional() })
    .optional(),
  /** The next `count` API requests answer a 5xx server_error. */
  serverErrors: z.strictObject({ count: z.number().int().min(0), status: z.number().int().min(500).max(599).optional() }).optional(),
  /** The next N live-log websockets (or every one) are dropped right after their next line, like a network failure. */
  dropLiveLogs: z.union([z.boolean(), z.number().int().min(0)]).optional(),
  /** Added latency on every API request (milliseconds). */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
});

export type Faults = z.infer<typeof faultsSchema>;

/** Mutable fault state; counters decrement as faults fire. */
export class FaultInjector {
  private state: Faults;

  constructor(initial: Faults = {}) {
    this.state = faultsSchema.parse(initial);
  }

  get current(): Faults {
    return structuredClone(this.state);
  }

  replace(next: Faults): Faults {
    this.state = faultsSchema.parse(next);
    return this.current;
  }

  merge(patch: Faults): Faults {
    this.state = faultsSchema.parse({ ...this.state, ...patch });
    return this.current;
  }

  clear(): Faults {
    this.state = {};
    return this.current;
  }

  get simulate(): boolean {
    return this.state.simulate === true;
  }

  get buildMs(): number {
    return this.state.buildMs ?? 0;
  }

  get deployMs(): number {
    return this.state.deployMs ?? 0;
  }

  get latencyMs(): number {
    return this.state.latencyMs ?? 0;
  }

  /** Consumes one build failure if armed. */
  takeBuildFailure(): boolean {
    return this.take('failBuilds');
  }

  /** Consumes one health-check failure if armed (once per deployment). */
  takeHealthFailure(): boolean {
    return this.take('failHealthChecks');
  }

  /** Consumes one live-log drop if armed. */
  takeLiveLogDrop(): boolean {
    return this.take('dropLiveLogs');
  }

  /** Consumes one 429 if armed; answers its retry-after seconds. */
  takeTooManyRequests(): number | undefined {
    const f = this.state.tooManyRequests;
    if (!f || f.count <= 0) return undefined;
    f.count -= 1;
    return f.retryAfterSeconds ?? 1;
  }

  /** Consumes one 5xx if armed; answers its status. */
  takeServerError(): number | undefined {
    const f = this.state.serverErrors;
    if (!f || f.count <= 0) return undefined;
    f.count -= 1;
    return f.status ?? 500;
  }

  private take(key: 'failBuilds' | 'failHealthChecks' | 'dropLiveLogs'): boolean {
    const v = this.state[key];
    if (v === true) return true;
    if (typeof v === 'number' && v > 0) {
      this.state[key] = v - 1;
      return true;
    }
    return false;
  }
}
