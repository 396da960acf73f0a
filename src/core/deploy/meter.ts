/** A RequestBudget that also remembers when each request started: requests per deployment, max per 60-s window. */
import { RequestBudget } from '../do/budget';

export class MeteredBudget extends RequestBudget {
  private readonly requestStarts: number[] = [];

  override async acquire(signal?: AbortSignal): Promise<void> {
    await super.acquire(signal);
    this.requestStarts.push(Date.now());
  }

  /** Requests started so far. */
  get count(): number {
    return this.requestStarts.length;
  }

  /** The most requests that started within any window of `windowMs` (default: the budget's window). */
  maxInWindow(windowMs = this.windowMs): number {
    let max = 0;
    let lo = 0;
    for (let hi = 0; hi < this.requestStarts.length; hi++) {
      while (this.requestStarts[hi] - this.requestStarts[lo] >= windowMs) lo++;
      max = Math.max(max, hi - lo + 1);
    }
    return max;
  }

  /** Forgets what was counted (the budget's own window is not reset). */
  resetCount(): void {
    this.requestStarts.length = 0;
  }
}
