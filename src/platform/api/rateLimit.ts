/** DigitalOcean's rate limits: per token, requests per hour and per minute, reported in `ratelimit-*` headers. */
export interface RateLimitResult {
  readonly headers: Record<string, string>;
  /** Seconds until a request would be accepted again, when this one is over the limit. */
  readonly retryAfter?: number;
}

interface Window {
  hourStart: number;
  hourCount: number;
  minuteStart: number;
  minuteCount: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: { perHour: number; perMinute: number }, private readonly enforce: boolean) {}

  hit(key: string, nowMs = Date.now()): RateLimitResult {
    let w = this.windows.get(key);
    if (!w) {
      w = { hourStart: nowMs, hourCount: 0, minuteStart: nowMs, minuteCount: 0 };
      this.windows.set(key, w);
    }
    if (nowMs - w.hourStart >= 3_600_000) {
      w.hourStart = nowMs;
      w.hourCount = 0;
    }
    if (nowMs - w.minuteStart >= 60_000) {
      w.minuteStart = nowMs;
      w.minuteCount = 0;
    }
    w.hourCount++;
    w.minuteCount++;
    const headers = {
      'ratelimit-limit': String(this.limits.perHour),
      'ratelimit-remaining': String(Math.max(0, this.limits.perHour - w.hourCount)),
      'ratelimit-reset': String(Math.ceil((w.hourStart + 3_600_000) / 1000)),
    };
    if (this.enforce && w.hourCount > this.limits.perHour) {
      return { headers, retryAfter: Math.max(1, Math.ceil((w.hourStart + 3_600_000 - nowMs) / 1000)) };
    }
    if (this.enforce && w.minuteCount > this.limits.perMinute) {
      return { headers, retryAfter: Math.max(1, Math.ceil((w.minuteStart + 60_000 - nowMs) / 1000)) };
    }
    return { headers };
  }
}
