/**
 * When is a deployment done? The rule of `doctl apps create-deployment --wait`: success when every progress step
 * succeeded (success_steps == total_steps), failure as soon as one failed (error_steps > 0); the phase
 * (ACTIVE / ERROR / CANCELED) decides when the counters are missing.
 */
import { Clock, systemClock } from './clock';
import { AppPlatformError, AppPlatformErrorCode, isAppPlatformError } from './errors';
import { formatDuration } from '../util/timeText';
import { Deployment, DeploymentObject, DeploymentPhase, DeploymentProgressStep } from './schemas';

const IN_FLIGHT: ReadonlySet<DeploymentPhase> = new Set(['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING']);

/** A deployment that is building or deploying (worth polling). */
export function isInFlight(phase: DeploymentPhase | undefined): boolean {
  return phase !== undefined && IN_FLIGHT.has(phase);
}

export interface FailedStep {
  /** The deepest step in ERROR, e.g. `web`. */
  name: string;
  /** Its names from the top, e.g. `build › components › web`. */
  path: string;
  /** `code: message` of the step's reason, when DigitalOcean gave one. */
  reason?: string;
  componentName?: string;
  /** The top-level step it belongs to (`build`, `deploy`, …). */
  stage: string;
}

export type DeploymentVerdict =
  | { state: 'in_progress' }
  | { state: 'success' }
  | { state: 'failed'; code: 'BUILD_FAILED' | 'DEPLOY_ERROR'; step?: FailedStep }
  | { state: 'canceled' };

/**
 * The done rule. `lastInFlightPhase` (the phase seen before the failure) tells a build failure from a deploy
 * failure when no step says which.
 */
export function judgeDeployment(d: DeploymentObject, lastInFlightPhase?: DeploymentPhase): DeploymentVerdict {
  const p = d.progress ?? {};
  const total = p.total_steps ?? 0;
  if (d.phase === 'CANCELED') return { state: 'canceled' };
  if ((p.error_steps ?? 0) > 0 || d.phase === 'ERROR') {
    const step = findFailedStep(d);
    const building = step ? step.stage === 'build' : lastInFlightPhase === 'PENDING_BUILD' || lastInFlightPhase === 'BUILDING';
    return { state: 'failed', code: building ? 'BUILD_FAILED' : 'DEPLOY_ERROR', step };
  }
  if (d.phase === 'ACTIVE' || (total > 0 && p.success_steps === total)) return { state: 'success' };
  // A superseded deployment went live before a newer one replaced it.
  if (d.phase === 'SUPERSEDED') return { state: 'success' };
  return { state: 'in_progress' };
}

export function isDeploymentDone(d: DeploymentObject): boolean {
  return judgeDeployment(d).state !== 'in_progress';
}

/** The deepest step in ERROR (the first such branch, in DigitalOcean's order). */
export function findFailedStep(d: DeploymentObject): FailedStep | undefined {
  const walk = (steps: DeploymentProgressStep[] | undefined, trail: string[]): FailedStep | undefined => {
    for (const s of steps ?? []) {
      if (s.status !== 'ERROR') continue;
      const here = [...trail, s.name ?? '(unnamed)'];
      const deeper = walk(s.steps, here);
      if (deeper) return deeper;
      return {
        name: here[here.length - 1],
        path: here.join(' › '),
        reason: reasonText(s),
        componentName: s.component_name,
        stage: here[0],
      };
    }
    return undefined;
  };
  return walk(d.progress?.steps, []);
}

function reasonText(s: DeploymentProgressStep): string | undefined {
  const { code, message } = s.reason ?? {};
  if (code && message) return `${code}: ${message}`;
  return message || code || undefined;
}

/** Readable lines: a summary, then the step tree indented by depth. */
export function describeProgress(d: DeploymentObject): string[] {
  const p = d.progress ?? {};
  const counts = [`${p.success_steps ?? 0}/${p.total_steps ?? 0} steps succeeded`];
  if (p.running_steps) counts.push(`${p.running_steps} running`);
  if (p.error_steps) counts.push(`${p.error_steps} failed`);
  const lines = [`${d.phase ?? 'UNKNOWN'}: ${counts.join(', ')}`];
  const walk = (steps: DeploymentProgressStep[] | undefined, depth: number) => {
    for (const s of steps ?? []) {
      let line = `${'  '.repeat(depth)}${s.name ?? '(unnamed)'}: ${s.status ?? 'UNKNOWN'}`;
      if (s.message_base) line += ` (${s.message_base})`;
      const took = duration(s.started_at, s.ended_at);
      if (took) line += ` in ${took}`;
      const reason = reasonText(s);
      if (reason) line += ` - ${reason}`;
      lines.push(line);
      walk(s.steps, depth + 1);
    }
  };
  walk(p.steps, 1);
  return lines;
}

function duration(start?: string, end?: string): string | undefined {
  if (!start || !end) return undefined;
  const ms = Date.parse(end) - Date.parse(start);
  // DigitalOcean sends 0001-01-01 for steps that never ran
  if (!Number.isFinite(ms) || ms < 0 || Date.parse(start) <= 0) return undefined;
  return formatDuration(ms);
}

export interface PollContext {
  /** Polls so far (1 after the first). */
  attempt: number;
  elapsedMs: number;
  deployment?: Deployment;
}

/** Quick at first, then every 5 s (doctl polls every 10 s; a deploy of a small skill takes a minute or two). */
export function adaptivePollInterval(ctx: PollContext): number {
  return Math.min(5_000, Math.round(1_000 * 1.5 ** Math.max(0, ctx.attempt - 1)));
}

export interface WaitForDeploymentOptions {
  /** Default 600 000 (odoobo.deployTimeout's default). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** After every poll. */
  onProgress?: (deployment: Deployment, lines: string[]) => void;
  pollIntervalMs?: number | ((ctx: PollContext) => number);
  /** Failed polls in a row tolerated when transient (network, 5xx, timeout, rate limit); default 3. */
  maxConsecutiveErrors?: number;
  clock?: Clock;
}

export interface DeploymentSource {
  getDeployment(appId: string, deploymentId: string, options?: { signal?: AbortSignal }): Promise<Deployment>;
}

const TRANSIENT: ReadonlySet<AppPlatformErrorCode> = new Set(['NETWORK_ERROR', 'SERVER_ERROR', 'TIMEOUT', 'RATE_LIMIT_EXCEEDED']);

/**
 * Polls until the done rule decides. Resolves with the successful deployment; throws DEPLOY_TIMEOUT, BUILD_FAILED,
 * DEPLOY_ERROR (with the failing step), DEPLOY_CANCELED, or ABORTED. It never cancels the deployment itself.
 */
export async function waitForDeployment(
  client: DeploymentSource,
  appId: string,
  deploymentId: string,
  options: WaitForDeploymentOptions = {},
): Promise<Deployment> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const interval = options.pollIntervalMs ?? adaptivePollInterval;
  const maxErrors = options.maxConsecutiveErrors ?? 3;
  const started = clock.now();
  const operation = 'wait_for_deployment';

  // One signal for polls and sleeps that fires at the deadline or when the caller aborts.
  const inner = new AbortController();
  const deadline = new AbortController();
  void clock.sleep(timeoutMs, deadline.signal).then(
    () => inner.abort(new Error('deadline')),
    () => undefined,
  );
  const onAbort = () => inner.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let last: Deployment | undefined;
  let lastInFlight: DeploymentPhase | undefined;
  let errors = 0;

  const stopped = (): AppPlatformError => {
    if (options.signal?.aborted) {
      return new AppPlatformError({
        code: 'ABORTED',
        operation,
        deploymentId,
        phase: last?.phase,
        message: `Stopped waiting for deployment ${deploymentId}`,
      });
    }
    const where = last ? `; last seen ${describeProgress(last)[0]}` : '';
    return new AppPlatformError({
      code: 'DEPLOY_TIMEOUT',
      operation,
      deploymentId,
      phase: last?.phase,
      message:
        `Deployment ${deploymentId} did not finish within ` +
        `${timeoutMs >= 10_000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}${where}`,
    });
  };

  try {
    for (let attempt = 1; ; attempt++) {
      if (inner.signal.aborted) throw stopped();
      try {
        last = await client.getDeployment(appId, deploymentId, { signal: inner.signal });
        errors = 0;
      } catch (e) {
        if (inner.signal.aborted) throw stopped();
        if (!(isAppPlatformError(e) && TRANSIENT.has(e.code) && ++errors <= maxErrors)) throw e;
      }
      if (last && errors === 0) {
        options.onProgress?.(last, describeProgress(last));
        const verdict = judgeDeployment(last, lastInFlight);
        if (verdict.state === 'success') return last;
        if (verdict.state === 'canceled') {
          throw new AppPlatformError({
            code: 'DEPLOY_CANCELED',
            operation,
            deploymentId,
            phase: last.phase,
            message: `Deployment ${deploymentId} was canceled`,
          });
        }
        if (verdict.state === 'failed') {
          const s = verdict.step;
          const what = s ? ` in step ${s.path}${s.reason ? `: ${s.reason}` : ''}` : ` (phase ${last.phase ?? 'UNKNOWN'})`;
          throw new AppPlatformError({
            code: verdict.code,
            operation,
            deploymentId,
            phase: last.phase,
            step: s && { name: s.name, path: s.path, reason: s.reason, componentName: s.componentName },
            message: `Deployment ${deploymentId} ${verdict.code === 'BUILD_FAILED' ? 'failed to build' : 'failed to deploy'}${what}`,
          });
        }
        if (isInFlight(last.phase)) lastInFlight = last.phase;
      }
      const elapsedMs = clock.now() - started;
      const wait = typeof interval === 'function' ? interval({ attempt, elapsedMs, deployment: last }) : interval;
      await clock.sleep(Math.max(0, wait), inner.signal).catch(() => undefined);
    }
  } finally {
    deadline.abort();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
