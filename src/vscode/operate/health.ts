/**
 * The health of the apps the tree has shown (`GET /v2/apps/{id}/health`: CPU %, memory %, ready/desired replicas),
 * polled every 10 s from the first time its row is shown and kept for the last minutes (for the row's figures and
 * a sparkline). The tree refreshes only when the shown text changes.
 */
import * as vscode from 'vscode';
import type { AppPlatformClient } from '../../core/do/client';
import { Disposable } from '../util/disposable';

export interface HealthSample {
  readonly at: number;
  /** The busiest component's figures (most skills have one component). */
  readonly cpu?: number;
  readonly mem?: number;
  readonly ready: number;
  readonly desired: number;
  readonly state?: string;
}

/** How many samples are kept per app: 30 × 10 s = the last 5 minutes. */
const KEEP = 30;
const POLL_MS = 10_000;
/** An app whose health cannot be read this many times in a row (deleted, or another target) is no longer polled. */
const MAX_FAILURES = 3;

const pct = (n: number | undefined): string => (n === undefined ? '–' : `${Math.round(n)}%`);

/** `cpu 3% · mem 12% · 1/1 ready` */
export function healthText(s: HealthSample): string {
  return `cpu ${pct(s.cpu)} · mem ${pct(s.mem)} · ${s.ready}/${s.desired} ready`;
}

export class HealthMonitor extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  private readonly watched = new Map<string, { appId: string; failures: number }>();
  private readonly samples = new Map<string, HealthSample[]>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly connect: () => Promise<{ client: AppPlatformClient; close(): Promise<void> }>,
    private readonly pollMs = POLL_MS,
  ) {
    super();
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  /** Keeps polling the app of `skill` (called each time its row is built); answers its latest sample. */
  watch(skill: string, appId: string): HealthSample | undefined {
    const was = this.watched.get(skill);
    if (was?.appId !== appId) this.samples.delete(skill);
    this.watched.set(skill, { appId, failures: was?.appId === appId ? was.failures : 0 });
    if (!this.timer && !this.isDisposed) this.timer = setTimeout(() => void this.poll(), was ? this.pollMs : 0);
    return this.latest(skill);
  }

  latest(skill: string): HealthSample | undefined {
    return this.samples.get(skill)?.at(-1);
  }

  /** The last minutes of samples, oldest first. */
  history(skill: string): readonly HealthSample[] {
    return this.samples.get(skill) ?? [];
  }

  private async poll(): Promise<void> {
    if (this.polling || this.isDisposed) return;
    this.polling = true;
    let changed = false;
    try {
      if (!this.watched.size) return;
      const connection = await this.connect();
      try {
        for (const [skill, w] of this.watched) {
          const h = await connection.client.getAppHealth(w.appId).catch(() => undefined);
          if (!h) {
            if (++w.failures >= MAX_FAILURES) this.watched.delete(skill);
            continue;
          }
          w.failures = 0;
          const cs = h.components ?? [];
          const max = (f: (c: (typeof cs)[number]) => number | undefined) =>
            cs.map(f).filter((n): n is number => n !== undefined)
              .reduce<number | undefined>((a, b) => (a === undefined ? b : Math.max(a, b)), undefined);
          const sample: HealthSample = {
            at: Date.now(),
            cpu: max((c) => c.cpu_usage_percent),
            mem: max((c) => c.memory_usage_percent),
            ready: cs.reduce((n, c) => n + (c.replicas_ready ?? 0), 0),
            desired: cs.reduce((n, c) => n + (c.replicas_desired ?? 0), 0),
            state: cs.some((c) => c.state === 'UNHEALTHY') ? 'UNHEALTHY' : cs[0]?.state,
          };
          const before = this.latest(skill);
          const list = [...(this.samples.get(skill) ?? []), sample].slice(-KEEP);
          this.samples.set(skill, list);
          if (!before || healthText(before) !== healthText(sample)) changed = true;
        }
      } finally {
        await connection.close();
      }
    } catch {
      // the target is unreachable: the rows keep their last figures, the next poll tries again
    } finally {
      this.polling = false;
      this.timer = undefined;
      if (this.watched.size && !this.isDisposed) this.timer = setTimeout(() => void this.poll(), this.pollMs);
      if (changed) this._onDidChange.fire();
    }
  }
}

let current: HealthMonitor | undefined;

/** The window's monitor (extension.ts sets it); undefined in unit tests. */
export function healthMonitor(): HealthMonitor | undefined {
  return current;
}

export function setHealthMonitor(monitor: HealthMonitor | undefined): void {
  current = monitor;
}
