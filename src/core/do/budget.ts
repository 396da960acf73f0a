/**
 * A sliding-window request budget shared by everything that uses one client, so that many parallel monitors stay
 * under DigitalOcean's 250 requests a minute. Callers over the budget wait (first come, first served); they never fail,
 * except when their own AbortSignal aborts.
 */
import { Clock, systemClock } from './clock';

export interface RequestBudgetOptions {
  /** Requests allowed per window (default 250, DigitalOcean's per-minute limit). */
  limit?: number;
  /** Window length in ms (default 60 000). */
  windowMs?: number;
  clock?: Clock;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RequestBudget {
  readonly limit: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly starts: number[] = [];
  private readonly waiters: Waiter[] = [];
  private pump?: AbortController;

  constructor(options: RequestBudgetOptions = {}) {
    this.limit = Math.max(1, Math.floor(options.limit ?? 250));
    this.windowMs = Math.max(1, options.windowMs ?? 60_000);
    this.clock = options.clock ?? systemClock;
  }

  /** Requests started within the current window. */
  get used(): number {
    this.prune(this.clock.now());
    return this.starts.length;
  }

  /** How many callers are waiting for room. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves when one more request may start (and counts it); rejects only if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiters.length === 0 && this.tryTake()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          if (this.waiters.length === 0) this.pump?.abort();
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      void this.run();
    });
  }

  private prune(now: number): void {
    while (this.starts.length > 0 && this.starts[0] <= now - this.windowMs) this.starts.shift();
  }

  private tryTake(): boolean {
    const now = this.clock.now();
    this.prune(now);
    if (this.starts.length >= this.limit) return false;
    this.starts.push(now);
    return true;
  }

  private async run(): Promise<void> {
    if (this.pump) return;
    const pump = (this.pump = new AbortController());
    try {
      while (this.waiters.length > 0 && !pump.signal.aborted) {
        if (this.tryTake()) {
          const w = this.waiters.shift()!;
          if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
          w.resolve();
          continue;
        }
        const wait = this.starts[0] + this.windowMs - this.clock.now();
        // The sleep is cancelled when the last waiter gives up, so no timer outlives the need for it.
        await this.clock.sleep(Math.max(1, wait), pump.signal).catch(() => undefined);
      }
    } finally {
      if (this.pump === pump) this.pump = undefined;
    }
    // A caller may have queued while an aborted pump was winding down.
    if (this.waiters.length > 0) void this.run();
  }
}
