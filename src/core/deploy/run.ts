/**
 * What every step of one skill's run shares: the session, the step records and warnings, the cancel signal, the
 * step timing and events, and the defaults.
 */
import { isAppPlatformError } from '../do/errors';
import { describeProgress } from '../do/progress';
import type { Deployment, DeploymentProgressStep } from '../do/schemas';
import { DeployError, toDeployError } from './errors';
import type { DeploySession } from './session';
import type { DeployStepName, StepStatus } from './stepNames';
import type { FlatProgressStep, SourceOverride, StepRecord } from './types';

export const DEFAULT_TIMEOUT_MS = 600_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 10_000;
/** Skills deployed (or resumed) at the same time when the caller does not say. */
export const DEFAULT_CONCURRENCY = 5;

export interface RunOptions {
  source?: SourceOverride;
  forceBuild?: boolean;
  signal?: AbortSignal;
}

type Remap = Parameters<typeof toDeployError>[2];

/** One skill's run: what its steps share (not what they produce: that is handed from step to step). */
export class DeployRun {
  readonly steps: StepRecord[] = [];
  readonly warnings: string[] = [];
  readonly started = Date.now();
  /** The polled deployment as last reported (phase-changed / deployment-progress only say what changed). */
  private seen: { phase?: string; signature?: string } = {};

  constructor(
    readonly session: DeploySession,
    readonly skillName: string,
    readonly options: RunOptions = {},
  ) {}

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** The last phase a poll reported (undefined before the first poll). */
  get lastPhase(): string | undefined {
    return this.seen.phase;
  }

  /** Runs one step: events, timing, and its failure as a DeployError of that step. */
  async step<T>(
    name: DeployStepName,
    fn: () => Promise<T>,
    options: { remap?: Remap; message?: (v: T) => string | undefined } = {},
  ): Promise<T> {
    const t0 = Date.now();
    this.session.emit({ type: 'step-started', skill: this.skillName, step: name, at: t0 });
    try {
      const v = await fn();
      this.recordStep(name, 'succeeded', t0, options.message?.(v));
      return v;
    } catch (e) {
      const err = toDeployError(e, name, options.remap);
      const canceled = err.code === 'ABORTED' || (this.aborted && isAppPlatformError(e, 'ABORTED'));
      this.recordStep(name, canceled ? 'canceled' : 'failed', t0, err.message);
      throw err;
    }
  }

  /** A step's record and its step-finished event (step-started is the caller's, at `t0`). */
  recordStep(name: DeployStepName, status: StepStatus, t0: number, message?: string): void {
    const durationMs = Date.now() - t0;
    const m = message ? { message } : {};
    this.steps.push({ name, status, startedAt: new Date(t0).toISOString(), durationMs, ...m });
    this.session.emit({ type: 'step-finished', skill: this.skillName, step: name, status, durationMs, ...m, at: Date.now() });
  }

  /** Throws ABORTED (of `step`) when the run was canceled. */
  checkAborted(step: DeployStepName, message = 'Canceled.'): void {
    if (this.aborted) throw new DeployError('ABORTED', message, { step });
  }

  /** The DEPLOY_CANCELED error a canceled run ends with. */
  canceled(step: DeployStepName, message: string): DeployError {
    return new DeployError('DEPLOY_CANCELED', `${this.skillName}: ${message}`, { step });
  }

  /** Reports a polled deployment of app `appId` as phase-changed / deployment-progress events (only what changed). */
  progress(appId: string, d: Deployment): void {
    const at = Date.now();
    const base = { skill: this.skillName, appId, deploymentId: d.id, at };
    if (d.phase !== this.seen.phase) {
      const from = this.seen.phase ? { from: this.seen.phase } : {};
      this.session.emit({ type: 'phase-changed', ...base, ...from, to: d.phase ?? 'UNKNOWN' });
    }
    const steps = flattenSteps(d.progress?.steps);
    const signature = `${d.phase}|${steps.map((s) => `${s.path}=${s.status}`).join(';')}`;
    if (signature !== this.seen.signature) {
      this.session.emit({ type: 'deployment-progress', ...base, phase: d.phase, summary: describeProgress(d)[0], steps });
    }
    this.seen = { phase: d.phase, signature };
  }
}

export function flattenSteps(steps: DeploymentProgressStep[] | undefined, trail: string[] = [], depth = 0): FlatProgressStep[] {
  const out: FlatProgressStep[] = [];
  for (const st of steps ?? []) {
    const here = [...trail, st.name ?? '(unnamed)'];
    const reason = st.reason?.code || st.reason?.message ? [st.reason?.code, st.reason?.message].filter(Boolean).join(': ') : undefined;
    out.push({
      path: here.join(' › '),
      name: here[here.length - 1],
      depth,
      status: st.status ?? 'UNKNOWN',
      ...(st.started_at ? { startedAt: st.started_at } : {}),
      ...(st.ended_at ? { endedAt: st.ended_at } : {}),
      ...(reason ? { reason } : {}),
    });
    out.push(...flattenSteps(st.steps, here, depth + 1));
  }
  return out;
}
