/**
 * Adaptive polling: fast at first, slower while building, and dense again around the time deployments of this
 * session usually finish. Polls of parallel deployments land on a shared grid so that one API request serves them all
 * (see AppReader).
 */
import type { RequestBudget } from '../do/budget';
import type { PollContext } from '../do/progress';

export interface PollPolicy {
  /** The shortest wait between two polls of a deployment, and the grid polls are aligned to (default 1000 ms). */
  minMs: number;
  /** The longest wait (default 5000 ms: DigitalOcean deployments take minutes). */
  maxMs: number;
  /** Growth of the wait per poll while nothing is known about how long deployments take (default 1.5). */
  factor: number;
  /** Before any deployment of the session finished: how long one usually takes (ms), if known. */
  expectedMs?: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = { minMs: 1000, maxMs: 5000, factor: 1.5 };

/**
 * How long deployments took (from the create call to ACTIVE), learned as they finish: the last 20 per skill and
 * overall. Polling sleeps through most of the expected time and polls densely near its end. The estimate is the lower
 * quartile, not the median: sleeping past the end costs latency, polling a little early only a few requests. Share
 * one instance across plans (one VS Code session) to keep what was learned.
 */
export class DeployTimings {
  private readonly all: number[] = [];
  private readonly bySkill = new Map<string, number[]>();

  constructor(private readonly keep = 20) {}

  observe(durationMs: number, skill?: string): void {
    if (!(durationMs > 0) || !Number.isFinite(durationMs)) return;
    const push = (list: number[]) => {
      list.push(durationMs);
      if (list.length > this.keep) list.shift();
    };
    push(this.all);
    if (skill) {
      let list = this.bySkill.get(skill);
      if (!list) this.bySkill.set(skill, (list = []));
      push(list);
    }
  }

  /** The skill's own estimate when it has one, else the overall one; undefined before the first observation. */
  expected(skill?: string): number | undefined {
    const list = (skill && this.bySkill.get(skill)) || this.all;
    if (list.length === 0) return undefined;
    const s = [...list].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 4)];
  }

  /** Whether a deployment of this skill was observed (else `expected` answers with the overall estimate). */
  knows(skill: string): boolean {
    return (this.bySkill.get(skill)?.length ?? 0) > 0;
  }

  get expectedMs(): number | undefined {
    return this.expected();
  }

  get count(): number {
    return this.all.length;
  }
}

/** Builds the `pollIntervalMs` function waitForDeployment calls after each poll. */
export function pollInterval(
  policy: PollPolicy,
  timings: DeployTimings,
  budget?: RequestBudget,
  skill?: string,
  /** When the deployment was created (our clock); default: when monitoring started. */
  createdAt?: number,
): (ctx: PollContext) => number {
  const { minMs, maxMs, factor } = policy;
  return (ctx) => {
    const growth = Math.min(maxMs, minMs * factor ** Math.max(0, ctx.attempt - 1));
    let wait = growth;
    const expected = timings.expected(skill) ?? policy.expectedMs;
    const elapsedMs = createdAt !== undefined ? Date.now() - createdAt : ctx.elapsedMs;
    if (expected !== undefined) {
      const remaining = expected - elapsedMs;
      // Poll densely from a little before the usual end; a deployment far slower than usual goes back to growth.
      const lead = Math.max(2 * minMs, expected * 0.02);
      if (remaining > lead) wait = Math.min(maxMs, Math.max(minMs, remaining - lead));
      else if (elapsedMs < expected * 1.5 + maxMs) wait = minMs;
    }
    // Keep a fifth of the budget for everything that is not polling: slow down when the window fills up.
    if (budget) {
      const free = budget.limit - budget.used;
      if (free < budget.limit * 0.2) wait = Math.max(wait, budget.windowMs / Math.max(1, free));
    }
    // Land on the shared grid, so parallel deployments' polls coincide and are served by one request: the first grid
    // point after `wait − minMs`, i.e. within the wait. (Rounding `now + wait` up instead made the dense phase poll
    // every second grid point: a poll that answered a few ms after its grid point waited almost 2 × minMs.)
    const now = Date.now();
    const at = Math.floor((now + Math.max(0, wait - minMs)) / minMs + 1) * minMs;
    return Math.max(0, at - now);
  };
}
