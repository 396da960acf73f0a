/**
 * The deployment procedure for ONE skill: prepare → validate → apply → create → monitor → health → traffic →
 * post-deploy → record. Every step is timed and reported as an event; a failure carries the procedure's code, the
 * step and a mitigation. A failure before ACTIVE leaves the previous deployment serving (and that is verified); a
 * failure after ACTIVE rolls back to it.
 */
import { isAppPlatformError } from '../do/errors';
import { describeProgress, isInFlight, waitForDeployment } from '../do/progress';
import type { App, AppSpec, Deployment, DeploymentProgressStep } from '../do/schemas';
import type { Skill } from '../skills/loadSkills';
import { skillNameProblem } from '../skills/names';
import { commitOf } from './apps';
import { DeployError, toDeployError } from './errors';
import { checkHealth } from './health';
import { acquireDeployLock, type DeployLock } from './locks';
import { deployNote, postOnTask } from './odoo';
import { inflightOwner, recordAttempt, recordDeployment, recordIncident, type InflightRecord } from './persist';
import { autoRollback } from './rollback';
import type { DeploySession } from './session';
import { prepareSpec, type PreparedSpec } from './spec';
import type { DeployErrorInfo, DeployResult, DeployStatus, DeployStepName, FlatProgressStep, OdooPostResult, RollbackResult, SourceOverride, StepRecord, StepStatus } from './types';

export const DEFAULT_TIMEOUT_MS = 600_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 10_000;
/** How old a listing may be to answer the validate step's lookup by name. */
const LOOKUP_MAX_AGE_MS = 2_000;
/** How old an answer about the app may be for the traffic step to trust it without asking again. */
const SNAPSHOT_MAX_AGE_MS = 2_000;
/** After a cancel: how long App Platform may take to report CANCELED. */
const CANCEL_WAIT_MS = 60_000;

export interface RunOptions {
  source?: SourceOverride;
  forceBuild?: boolean;
  signal?: AbortSignal;
}

/** The state of one skill's run, filled in as the steps go. */
export class DeployRun {
  readonly steps: StepRecord[] = [];
  readonly warnings: string[] = [];
  readonly started = Date.now();
  skill?: Skill;
  prepared?: PreparedSpec;
  appId?: string;
  appName?: string;
  deploymentId?: string;
  previousDeploymentId?: string;
  liveUrl?: string;
  commit?: string;
  phase?: string;
  resumed = false;
  /** created → ACTIVE by App Platform's clock, once it went ACTIVE. */
  serverDurationMs?: number;
  /** When the request that created the deployment was sent (our clock; it cannot be older): what polls are timed from. */
  createdAt?: number;
  rollback?: RollbackResult;
  previousStillServing?: boolean;
  inflight?: InflightRecord;
  odoo?: OdooPostResult;

  constructor(readonly session: DeploySession, readonly skillName: string, readonly signal?: AbortSignal) {}

  get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  /** Runs one step: events, timing, and its failure as a DeployError of that step. */
  async step<T>(name: DeployStepName, fn: () => Promise<T>, options: { remap?: Parameters<typeof toDeployError>[2]; message?: (v: T) => string | undefined } = {}): Promise<T> {
    const t0 = Date.now();
    this.session.emit({ type: 'step-started', skill: this.skillName, step: name, at: t0 });
    try {
      const v = await fn();
      this.record(name, 'succeeded', t0, options.message?.(v));
      return v;
    } catch (e) {
      const err = toDeployError(e, name, options.remap);
      const canceled = err.code === 'ABORTED' || (this.aborted && isAppPlatformError(e, 'ABORTED'));
      this.record(name, canceled ? 'canceled' : 'failed', t0, err.message);
      throw err;
    }
  }

  record(name: DeployStepName, status: StepStatus, t0: number, message?: string): void {
    const durationMs = Date.now() - t0;
    this.steps.push({ name, status, startedAt: new Date(t0).toISOString(), durationMs, ...(message ? { message } : {}) });
    this.session.emit({ type: 'step-finished', skill: this.skillName, step: name, status, durationMs, ...(message ? { message } : {}), at: Date.now() });
  }

  result(status: DeployStatus, error?: DeployError): DeployResult {
    const info: DeployErrorInfo | undefined = error?.toJSON();
    return {
      skill: this.skillName,
      status,
      target: this.session.target,
      ...(this.appId ? { appId: this.appId } : {}),
      ...(this.deploymentId ? { deploymentId: this.deploymentId } : {}),
      ...(this.previousDeploymentId ? { previousDeploymentId: this.previousDeploymentId } : {}),
      ...(this.liveUrl ? { liveUrl: this.liveUrl } : {}),
      ...(this.commit ? { commit: this.commit } : {}),
      ...(this.phase ? { phase: this.phase } : {}),
      steps: this.steps,
      ...(info ? { error: info } : {}),
      ...(this.rollback ? { rollback: this.rollback } : {}),
      ...(this.previousStillServing !== undefined ? { previousStillServing: this.previousStillServing } : {}),
      ...(this.resumed ? { resumed: true } : {}),
      warnings: this.warnings,
      ...(this.odoo ? { odoo: this.odoo } : {}),
      durationMs: Date.now() - this.started,
    };
  }
}

/** Deploys one skill under its deploy lock; never throws (a failure is in the result). */
export async function runDeploy(session: DeploySession, skillName: string, options: RunOptions = {}): Promise<DeployResult> {
  const run = new DeployRun(session, skillName, options.signal);
  session.emit({ type: 'deploy-started', skill: skillName, at: Date.now() });
  let lock: DeployLock | undefined;
  let result: DeployResult;
  try {
    lock = await run.step('lock', async () => {
      const problem = skillNameProblem(skillName);
      if (problem) throw new DeployError('SKILL_NOT_FOUND', `${JSON.stringify(skillName)} is not a valid skill name: ${problem}.`, { step: 'lock' });
      return acquireDeployLock(await session.commonDir(), skillName, {
        purpose: `deploy ${skillName} to ${session.target}`,
        whenBusy: session.options.whenBusy ?? 'refuse',
        busyTimeoutMs: session.options.busyTimeoutMs,
        signal: options.signal,
      });
    });
    result = await deployLocked(run, options);
  } catch (e) {
    const err = toDeployError(e, 'lock');
    result = run.result(err.code === 'ABORTED' ? 'canceled' : 'failed', err.code === 'ABORTED' ? canceledError(run, 'lock', 'Canceled before it started.') : err);
  } finally {
    await lock?.release().catch(() => undefined);
  }
  session.emit({ type: 'deploy-finished', skill: skillName, result, at: Date.now() });
  return result;
}

function canceledError(run: DeployRun, step: DeployStepName, message: string): DeployError {
  return new DeployError('DEPLOY_CANCELED', `${run.skillName}: ${message}`, { step });
}

async function deployLocked(run: DeployRun, options: RunOptions): Promise<DeployResult> {
  const s = run.session;
  const client = s.client;
  const signal = options.signal;

  // 1. Prepare the spec.
  let spec: AppSpec;
  try {
    const prepared = await run.step(
      'prepare',
      async () => {
        run.skill = await s.skill(run.skillName);
        return prepareSpec(run.skill, {
          repoRoot: s.options.repoRoot,
          source: options.source,
          lint: s.lint,
          branchExists: s.branchExists,
          writeSpec: s.options.writeSpec,
        });
      },
      { message: (p) => (p.changes.length ? `set ${p.changes.join(', ')}` : undefined) },
    );
    run.prepared = prepared;
    run.warnings.push(...prepared.warnings);
    spec = prepared.spec;
    run.appName = spec.name;
    checkAborted(run, 'prepare');
  } catch (e) {
    return finishWithoutDeployment(run, toDeployError(e, 'prepare'));
  }

  // 2. Validate with propose (the app's id lets App Platform judge the name as ours).
  let existing: App | undefined;
  try {
    existing = await run.step('validate', async () => {
      // A listing of a moment ago will do (parallel deployments list apps all the time); the update's answer is fresh.
      const app = await s.reader.findAppByName(spec.name, { signal, maxAgeMs: LOOKUP_MAX_AGE_MS });
      await client.proposeApp({ spec, ...(app ? { app_id: app.id } : {}) }, { signal });
      return app;
    });
    if (existing) noteApp(run, existing);
    checkAborted(run, 'validate');
  } catch (e) {
    return finishWithoutDeployment(run, toDeployError(e, 'validate'));
  }

  // 3. Apply: create the app, or update its spec. Not abortable mid-request: a request that reached App Platform may
  // have started a deployment, which must then be canceled (below) rather than forgotten.
  let started: Deployment | undefined;
  const applySent = Date.now();
  try {
    const applied = await run.step(
      'apply',
      async () => {
        if (!existing) {
          try {
            const app = await client.createApp(spec);
            return { app, started: (app.pending_deployment ?? app.in_progress_deployment) as Deployment | undefined, how: 'created the app' };
          } catch (e) {
            // Created meanwhile by someone else (names are unique): update it instead.
            if (!isAppPlatformError(e, 'CONFLICT')) throw e;
            existing = await s.reader.findAppByName(spec.name);
            if (!existing) throw e;
            noteApp(run, existing);
          }
        }
        const app0 = existing;
        if (sameSpec(app0.spec, spec)) return { app: app0, started: undefined, how: 'spec unchanged' };
        const before = new Set([app0.in_progress_deployment?.id, app0.pending_deployment?.id].filter(Boolean));
        const app = await client.updateApp(app0.id, spec);
        const inProgress = app.in_progress_deployment?.id && !before.has(app.in_progress_deployment.id) ? app.in_progress_deployment : undefined;
        return { app, started: (app.pending_deployment ?? inProgress) as Deployment | undefined, how: 'updated the spec' };
      },
      { remap: { CONFLICT: 'DEPLOYMENT_CREATE_FAILED', SERVER_ERROR: 'DEPLOYMENT_CREATE_FAILED', NETWORK_ERROR: 'DEPLOYMENT_CREATE_FAILED' }, message: (a) => a.how },
    );
    noteApp(run, applied.app);
    started = applied.started?.id ? applied.started : undefined;
    if (started) run.createdAt = applySent;
  } catch (e) {
    return finishWithoutDeployment(run, toDeployError(e, 'apply'));
  }

  // 4. The deployment: the one the update started, else a new one (not when the run was canceled meanwhile).
  if (!started && run.aborted) return finishWithoutDeployment(run, new DeployError('ABORTED', 'Canceled.', { step: 'create' }));
  let deployment: Deployment;
  try {
    deployment = await run.step(
      'create',
      async () => {
        if (!started) run.createdAt = Date.now();
        const d = started ?? (await client.createDeployment(run.appId!, { force_build: options.forceBuild ?? false }));
        run.deploymentId = d.id;
        run.phase = d.phase;
        await persistInflight(run);
        return d;
      },
      {
        remap: { CONFLICT: 'DEPLOYMENT_CREATE_FAILED', SERVER_ERROR: 'DEPLOYMENT_CREATE_FAILED', NETWORK_ERROR: 'DEPLOYMENT_CREATE_FAILED' },
        message: (d) => `deployment ${d.id}${started ? ' (started by the spec update)' : ''}`,
      },
    );
  } catch (e) {
    if (run.deploymentId) return finishInFlightFailure(run, toDeployError(e, 'create'));
    return finishWithoutDeployment(run, toDeployError(e, 'create'));
  }
  s.reader.prime(deployment);
  if (run.aborted) return cancelAndFinish(run, canceledError(run, 'create', `Canceled; deployment ${deployment.id} was canceled on the server.`));
  return monitorAndFinish(run);
}

/** Steps 5–9; also where resumeInFlight enters. */
export async function monitorAndFinish(run: DeployRun): Promise<DeployResult> {
  const s = run.session;
  const appId = run.appId!;
  const deploymentId = run.deploymentId!;
  const timeoutMs = s.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  await s.seedTimings([run.skillName]);

  // 5. Monitor.
  let final: Deployment;
  const t0 = Date.now();
  try {
    final = await run.step(
      'monitor',
      () =>
        waitForDeployment(s.reader, appId, deploymentId, {
          timeoutMs,
          signal: run.signal,
          pollIntervalMs: s.intervalFor(run.skillName, run.createdAt),
          maxConsecutiveErrors: 5,
          onProgress: (d) => onProgress(run, d),
        }),
      { message: (d) => `${d.phase} after ${Date.now() - t0} ms` },
    );
  } catch (e) {
    const err = toDeployError(e, 'monitor');
    if (err.code === 'ABORTED') return cancelAndFinish(run, canceledError(run, 'monitor', `Canceled; deployment ${deploymentId} was canceled on the server.`));
    if (err.code === 'DEPLOY_TIMEOUT' && (s.options.cancelOnTimeout ?? true)) return cancelAndFinish(run, err);
    return finishInFlightFailure(run, err);
  }
  if (final.phase === 'ACTIVE') {
    run.serverDurationMs = serverDuration(final);
    if (!run.resumed) s.timings.observe(run.serverDurationMs ?? Date.now() - t0, run.skillName);
  }
  run.phase = final.phase;
  run.commit = commitOf(final, run.skillName) ?? run.commit;
  return afterActive(run, final);
}

/**
 * How long App Platform took, by its own clock (created → ACTIVE). What we observed includes our polling delay, and
 * learning from that would make the next polls later still.
 */
function serverDuration(d: Deployment): number | undefined {
  const ms = Date.parse(d.phase_last_updated_at ?? '') - Date.parse(d.created_at ?? '');
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Steps 6–9 for a deployment that reached ACTIVE. */
async function afterActive(run: DeployRun, final: Deployment): Promise<DeployResult> {
  const s = run.session;
  const appId = run.appId!;
  const deploymentId = run.deploymentId!;
  const manifest = run.skill!.manifest;

  // 6. Health check on the live URL.
  try {
    await run.step(
      'health',
      async () => {
        if (!run.liveUrl) run.liveUrl = (await s.reader.getApp(appId)).live_url;
        if (!run.liveUrl) throw new DeployError('HEALTH_CHECK_FAIL', `${run.skillName}: App Platform reports no live URL for app ${appId}.`, { step: 'health' });
        const timeoutMs = s.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
        const h = await checkHealth(run.liveUrl, manifest.healthPath, { timeoutMs, signal: run.signal });
        if (run.aborted) throw new DeployError('ABORTED', 'Canceled during the health check.', { step: 'health' });
        if (!h.ok) {
          const code = h.status === 404 ? 'ENDPOINT_404' : 'HEALTH_CHECK_FAIL';
          const what = h.status !== undefined ? `answered ${h.status}${h.detail ? ` (${h.detail.replace(/\s+/g, ' ').slice(0, 120)})` : ''}` : `did not answer (${h.detail})`;
          throw new DeployError(code, `${run.skillName}: ${run.liveUrl}${manifest.healthPath} ${what}; no 200 within ${timeoutMs} ms after deployment ${deploymentId} went live.`, {
            step: 'health',
            details: { status: h.status, attempts: h.attempts },
          });
        }
        return h;
      },
      { message: (h) => `${h.status} after ${h.attempts} attempt(s)` },
    );
  } catch (e) {
    return afterLiveFailure(run, toDeployError(e, 'health'));
  }

  // 7. Traffic switch: the app's active deployment is ours.
  try {
    await run.step(
      'traffic',
      async () => {
        // The answer that reported ACTIVE (or a later one) says so already when it is recent; a failure is always
        // confirmed by a fresh read.
        const recent = s.reader.recent(appId, SNAPSHOT_MAX_AGE_MS);
        const app = recent?.active_deployment?.id === deploymentId ? recent : await s.reader.getApp(appId);
        if (app.live_url) run.liveUrl = app.live_url;
        const active = app.active_deployment?.id;
        if (active !== deploymentId) {
          throw new DeployError('TRAFFIC_SWITCH_FAILED', `${run.skillName}: deployment ${deploymentId} is ${final.phase}, but the app's active deployment is ${active ?? 'none'}.`, {
            step: 'traffic',
            details: { activeDeploymentId: active },
          });
        }
        return active;
      },
      { message: (id) => `active deployment ${id}` },
    );
  } catch (e) {
    return afterLiveFailure(run, toDeployError(e, 'traffic'));
  }

  // 8. Post-deploy checks (the smoke suite, when wired).
  const post = s.options.postDeploy;
  if (post) {
    try {
      await run.step(
        'post-deploy',
        async () => {
          const ac = new AbortController();
          const onAbort = () => ac.abort(run.signal?.reason);
          run.signal?.addEventListener('abort', onAbort, { once: true });
          let outcome;
          try {
            outcome = await post({ skill: run.skillName, manifest, liveUrl: run.liveUrl!, appId, deploymentId, signal: ac.signal });
          } catch (e) {
            throw new DeployError('POST_DEPLOY_FAILED', `${run.skillName}: the post-deploy checks threw: ${(e as Error)?.message ?? String(e)}`, { step: 'post-deploy', cause: e });
          } finally {
            run.signal?.removeEventListener('abort', onAbort);
          }
          if (run.aborted) throw new DeployError('ABORTED', 'Canceled during the post-deploy checks.', { step: 'post-deploy' });
          if (!outcome.ok) {
            throw new DeployError((outcome.code as never) ?? 'POST_DEPLOY_FAILED', `${run.skillName}: ${outcome.message}`, { step: 'post-deploy', details: { checks: outcome.checks } });
          }
          return outcome;
        },
        { message: (o) => o.message },
      );
    } catch (e) {
      return afterLiveFailure(run, toDeployError(e, 'post-deploy'));
    }
  }

  await record(run, 'succeeded');
  return run.result('succeeded');
}

/** A failure after ACTIVE: roll back to the previous deployment (when ours serves and there is one). */
async function afterLiveFailure(run: DeployRun, err: DeployError): Promise<DeployResult> {
  const s = run.session;
  if (err.code === 'ABORTED') {
    // Canceled after the new version went live: it serves; the remaining checks are skipped, nothing is undone.
    const e = canceledError(run, err.step, `Canceled during ${err.step}; deployment ${run.deploymentId} is live and keeps serving (the remaining checks were skipped).`);
    await record(run, 'succeeded-but-canceled', e);
    return run.result('canceled', e);
  }
  const deploymentId = run.deploymentId!;
  // Only a deployment that actually serves is rolled back; TRAFFIC_SWITCH_FAILED means another one does.
  const serving = err.code === 'TRAFFIC_SWITCH_FAILED' ? (err.details?.activeDeploymentId as string | undefined) : deploymentId;
  if (serving !== deploymentId) {
    if (serving && serving === run.previousDeploymentId) {
      await verifyPrevious(run);
      run.rollback = skippedRollback(run, `deployment ${deploymentId} never took the traffic: the previous deployment ${serving} still serves`);
    } else {
      run.rollback = skippedRollback(run, serving ? `deployment ${serving} serves now (it replaced ${deploymentId}); nothing to roll back` : 'no deployment serves; nothing to roll back to');
    }
    await record(run, 'failed', err);
    return run.result('failed', err);
  }
  if (s.options.autoRollback === false) {
    await record(run, 'failed', err);
    return run.result('failed', err);
  }
  if (!run.previousDeploymentId) {
    run.rollback = skippedRollback(run, 'this was the app\'s first deployment: there is no earlier one to roll back to');
    run.warnings.push(`NO_PREVIOUS_DEPLOYMENT: ${run.rollback.reason}`);
    await record(run, 'failed', err);
    return run.result('failed', err);
  }
  run.rollback = await autoRollback(run, err);
  const status: DeployStatus = run.rollback.status === 'succeeded' ? 'rolled-back' : 'failed';
  await record(run, status, err);
  return run.result(status, err);
}

function skippedRollback(run: DeployRun, reason: string): RollbackResult {
  return { status: 'skipped', appId: run.appId!, fromDeploymentId: run.deploymentId, toDeploymentId: run.previousDeploymentId, pinned: false, reason, steps: [] };
}

/** A deployment that was started but did not reach ACTIVE: it never served; check that the previous one does. */
async function finishInFlightFailure(run: DeployRun, err: DeployError): Promise<DeployResult> {
  await verifyPrevious(run);
  const status: DeployStatus = err.code === 'DEPLOY_CANCELED' ? 'canceled' : 'failed';
  await record(run, status, err);
  return run.result(status, err);
}

/** Cancels the deployment on the server (a cancel or a timeout), waits for CANCELED, then verifies the previous one. */
async function cancelAndFinish(run: DeployRun, err: DeployError): Promise<DeployResult> {
  const s = run.session;
  const appId = run.appId!;
  const deploymentId = run.deploymentId!;
  let finalPhase: string | undefined;
  try {
    finalPhase = await run.step(
      'cancel',
      async () => {
        let d: Deployment;
        try {
          d = await s.client.cancelDeployment(appId, deploymentId, { signal: AbortSignal.timeout(30_000) });
        } catch (e) {
          // Finished just before the cancel arrived (409): see how.
          if (!isAppPlatformError(e, 'CONFLICT')) throw e;
          d = await s.client.getDeployment(appId, deploymentId);
        }
        if (isInFlight(d.phase)) {
          try {
            d = await waitForDeployment(s.reader, appId, deploymentId, { timeoutMs: CANCEL_WAIT_MS, pollIntervalMs: s.interval });
          } catch (e) {
            if (!isAppPlatformError(e, 'DEPLOY_CANCELED') && !isAppPlatformError(e, 'BUILD_FAILED') && !isAppPlatformError(e, 'DEPLOY_ERROR')) throw e;
            d = await s.client.getDeployment(appId, deploymentId);
          }
        }
        return d.phase;
      },
      { message: (p) => `deployment ${deploymentId} is ${p}` },
    );
  } catch (e) {
    run.warnings.push(`the deployment could not be canceled on the server: ${toDeployError(e, 'cancel').message}`);
  }
  if (finalPhase) run.phase = finalPhase;
  if (finalPhase === 'ACTIVE') {
    // It went live before the cancel reached it.
    if (err.code === 'DEPLOY_TIMEOUT') {
      run.warnings.push(`deployment ${deploymentId} reached ACTIVE as it was being canceled after the timeout; the procedure continues`);
      return afterActive(run, await s.client.getDeployment(appId, deploymentId));
    }
    const e = canceledError(run, err.step, `Canceled, but deployment ${deploymentId} had already gone live and keeps serving.`);
    await record(run, 'succeeded-but-canceled', e);
    return run.result('canceled', e);
  }
  await verifyPrevious(run);
  const status: DeployStatus = err.code === 'DEPLOY_TIMEOUT' ? 'failed' : 'canceled';
  await record(run, status, err);
  return run.result(status, err);
}

/** A failure before any deployment existed: the server is unchanged; say whether the previous version still serves. */
async function finishWithoutDeployment(run: DeployRun, err: DeployError): Promise<DeployResult> {
  const status: DeployStatus = err.code === 'ABORTED' ? 'canceled' : 'failed';
  const e = err.code === 'ABORTED' ? canceledError(run, err.step, `Canceled during ${err.step}; nothing was deployed.`) : err;
  if (!run.appId && !run.aborted && err.code !== 'UNAUTHORIZED' && err.code !== 'FORBIDDEN') {
    try {
      const app = await run.session.reader.findAppByName(run.appName ?? run.skillName);
      if (app) noteApp(run, app);
    } catch {
      // unknown; previousStillServing stays absent
    }
  }
  if (run.appId) await verifyPrevious(run);
  await record(run, status, e);
  return run.result(status, e);
}

/** GET the app: the previous deployment is still the active one, and the live URL's health path answers. */
export async function verifyPrevious(run: DeployRun): Promise<void> {
  const s = run.session;
  if (!run.appId || !run.previousDeploymentId) return;
  try {
    await run.step(
      'verify',
      async () => {
        const app = await s.reader.getApp(run.appId!);
        if (app.live_url) run.liveUrl ??= app.live_url;
        const active = app.active_deployment?.id;
        const health = run.liveUrl && run.skill ? await checkHealth(run.liveUrl, run.skill.manifest.healthPath, { timeoutMs: s.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS }) : undefined;
        run.previousStillServing = active === run.previousDeploymentId && health?.ok === true;
        return { active, health };
      },
      {
        message: (v) =>
          run.previousStillServing
            ? `the previous deployment ${run.previousDeploymentId} still serves (health ${v.health?.status})`
            : `the previous deployment ${run.previousDeploymentId} does not serve: active ${v.active ?? 'none'}, health ${v.health?.status ?? v.health?.detail ?? 'not checked'}`,
      },
    );
  } catch (e) {
    run.previousStillServing = false;
    run.warnings.push(`could not verify that the previous deployment still serves: ${toDeployError(e, 'verify').message}`);
  }
}

function noteApp(run: DeployRun, app: App): void {
  run.appId = app.id;
  run.appName = app.spec.name;
  if (app.live_url) run.liveUrl = app.live_url;
  // The deployment that served before ours: what "still serving" and a rollback refer to.
  if (!run.deploymentId && app.active_deployment?.id) run.previousDeploymentId = app.active_deployment.id;
}

function checkAborted(run: DeployRun, step: DeployStepName): void {
  if (run.aborted) throw new DeployError('ABORTED', 'Canceled.', { step });
}

/**
 * Specs compared as JSON values: key order does not matter, nor do keys whose value is undefined (JSON drops them).
 * A walk that stops at the first difference: building canonical JSON of both specs instead cost ~0.2 ms per skill.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameSpec(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = Object.keys(ra).filter((k) => ra[k] !== undefined);
    return keys.length === Object.keys(rb).filter((k) => rb[k] !== undefined).length && keys.every((k) => Object.hasOwn(rb, k) && sameSpec(ra[k], rb[k]));
  }
  return false;
}

// ------------------------------------------------------------------------------------------------------------------
// Progress events

const lastSeen = new WeakMap<DeployRun, { phase?: string; signature?: string }>();

/** Reports a polled deployment as phase-changed / deployment-progress events (only what changed). */
export function onProgress(run: DeployRun, d: Deployment): void {
  const seen = lastSeen.get(run) ?? {};
  const at = Date.now();
  if (d.phase !== seen.phase) {
    run.session.emit({ type: 'phase-changed', skill: run.skillName, appId: run.appId!, deploymentId: d.id, ...(seen.phase ? { from: seen.phase } : {}), to: d.phase ?? 'UNKNOWN', at });
    run.phase = d.phase;
  }
  const steps = flattenSteps(d.progress?.steps);
  const signature = `${d.phase}|${steps.map((s) => `${s.path}=${s.status}`).join(';')}`;
  if (signature !== seen.signature) {
    run.session.emit({ type: 'deployment-progress', skill: run.skillName, appId: run.appId!, deploymentId: d.id, phase: d.phase, summary: describeProgress(d)[0], steps, at });
  }
  lastSeen.set(run, { phase: d.phase, signature });
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

// ------------------------------------------------------------------------------------------------------------------
// Step 9: records

async function persistInflight(run: DeployRun): Promise<void> {
  const s = run.session;
  const store = await s.inflight();
  if (!store) return;
  const rec: InflightRecord = {
    skill: run.skillName,
    target: s.target,
    apiUrl: s.apiUrl,
    appId: run.appId!,
    deploymentId: run.deploymentId!,
    ...(run.previousDeploymentId ? { previousDeploymentId: run.previousDeploymentId } : {}),
    ...(run.liveUrl ? { liveUrl: run.liveUrl } : {}),
    startedAt: new Date().toISOString(),
    ...inflightOwner(),
    timeoutMs: s.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  try {
    await store.put(rec);
    run.inflight = rec;
  } catch (e) {
    // Monitoring goes on; only a resume by another process would not find this deployment.
    run.warnings.push(`the in-flight record could not be written (a restart could not resume this deployment): ${(e as Error).message}`);
  }
}

type RecordKind = DeployStatus | 'succeeded-but-canceled';

/**
 * The status file: a live deployment becomes `lastDeployment` (what merge checks); a failed attempt goes to
 * `lastDeployAttempt`, an automatic rollback to `incidents`. Then the in-flight record goes, and Odoo hears of it.
 */
async function record(run: DeployRun, kind: RecordKind, err?: DeployError): Promise<void> {
  const s = run.session;
  const t0 = Date.now();
  s.emit({ type: 'step-started', skill: run.skillName, step: 'record', at: t0 });
  const notes: string[] = [];
  const problems: string[] = [];
  const now = new Date().toISOString();
  // The status file and the in-flight record are separate files: written at the same time.
  const writeStatus = async (): Promise<void> => {
    try {
      const store = await s.status();
      if (!store) return;
      const live = kind === 'succeeded' || kind === 'succeeded-but-canceled';
      if (live && run.appId && run.deploymentId) {
        if (run.commit && /^[0-9a-f]{4,64}$/.test(run.commit)) {
          await recordDeployment(store, run.skillName, {
            target: s.target,
            appId: run.appId,
            deploymentId: run.deploymentId,
            phase: 'ACTIVE',
            commit: run.commit,
            ...(run.liveUrl ? { liveUrl: run.liveUrl } : {}),
            deployedAt: now,
            ...(run.serverDurationMs !== undefined ? { durationMs: run.serverDurationMs } : {}),
          });
          notes.push('deployment recorded');
        } else {
          problems.push(`deployment ${run.deploymentId} has no source commit to record (an image source?): the status file keeps the previous record`);
        }
      }
      if (!live && err) {
        await recordAttempt(store, run.skillName, {
          target: s.target,
          status: kind as 'failed' | 'canceled' | 'rolled-back',
          ...(run.appId ? { appId: run.appId } : {}),
          ...(run.deploymentId ? { deploymentId: run.deploymentId } : {}),
          ...(run.phase ? { phase: run.phase } : {}),
          code: err.code,
          step: err.step,
          message: err.message,
          at: now,
        });
        notes.push('attempt recorded');
      }
      if (run.rollback && run.rollback.status !== 'skipped' && run.appId && run.deploymentId && err) {
        await recordIncident(store, run.skillName, {
          target: s.target,
          appId: run.appId,
          failedDeploymentId: run.deploymentId,
          cause: { code: err.code, step: err.step, message: err.message },
          ...(run.rollback.toDeploymentId ? { restoredDeploymentId: run.rollback.toDeploymentId } : {}),
          ...(run.rollback.rollbackDeploymentId ? { rollbackDeploymentId: run.rollback.rollbackDeploymentId } : {}),
          rollback: run.rollback.status,
          at: now,
        });
        // What serves now is the rollback's deployment.
        if (run.rollback.status === 'succeeded' && run.rollback.rollbackDeploymentId && run.rollback.commit) {
          await recordDeployment(store, run.skillName, {
            target: s.target,
            appId: run.appId,
            deploymentId: run.rollback.rollbackDeploymentId,
            phase: 'ACTIVE',
            commit: run.rollback.commit,
            ...(run.liveUrl ? { liveUrl: run.liveUrl } : {}),
            deployedAt: now,
          });
        }
        notes.push('incident recorded');
      }
    } catch (e) {
      problems.push(`STATUS_FILE_FAILED: ${(e as Error).message}`);
    }
  };
  const removeInflight = async (): Promise<void> => {
    if (!run.inflight) return;
    try {
      await (await s.inflight())?.remove(run.inflight);
      run.inflight = undefined;
    } catch (e) {
      problems.push(`the in-flight record could not be removed: ${(e as Error).message}`);
    }
  };
  await Promise.all([writeStatus(), removeInflight()]);
  const odoo = s.options.odoo;
  if (odoo && run.skill) {
    const taskId = typeof odoo.taskId === 'function' ? odoo.taskId(run.skillName, run.skill.manifest) : odoo.taskId;
    if (taskId !== undefined) {
      const status = kind === 'succeeded-but-canceled' ? 'canceled (live)' : kind;
      try {
        const messageId = await postOnTask(
          odoo,
          taskId,
          deployNote({ skill: run.skillName, status, target: s.target, liveUrl: run.liveUrl, deploymentId: run.deploymentId, commit: run.commit, error: err?.toJSON(), rollback: run.rollback }),
        );
        run.odoo = { posted: true, taskId, ...(messageId !== undefined ? { messageId } : {}) };
        notes.push(`posted on Odoo task ${taskId}`);
      } catch (e) {
        run.odoo = { posted: false, taskId, error: (e as Error).message };
        problems.push(`ODOO_WRITEBACK_FAILED: ${(e as Error).message}`);
      }
    }
  }
  run.warnings.push(...problems);
  run.record('record', problems.some((p) => p.startsWith('STATUS_FILE_FAILED')) ? 'failed' : 'succeeded', t0, [...notes, ...problems].join('; ') || undefined);
}

