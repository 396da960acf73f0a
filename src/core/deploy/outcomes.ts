/**
 * The ways a run ends, in one place. Before any deployment existed: nothing changed on the server (say whether the
 * previous version still serves). In flight: it never served (cancel it on the server when canceled or timed out;
 * check the previous one serves). After it went live: roll back to the previous deployment. Or it succeeded. Every
 * ending then goes through the record step (steps/record.ts), which turns it into the run's result.
 */
import { isAppPlatformError } from '../do/errors';
import { isInFlight, waitForDeployment } from '../do/progress';
import type { Deployment } from '../do/schemas';
import type { Skill } from '../skills/loadSkills';
import { DeployError, toDeployError } from './errors';
import type { InflightRecord } from './persist';
import { autoRollback } from './rollback';
import type { DeployRun } from './run';
import { checkServing, describeServing, serves } from './serving';
import { appFacts, type AppFacts, type Created, type Live } from './steps/values';
import type { DeployResult, DeployStatus, OdooPostResult, RollbackResult } from './types';

/** After a cancel: how long App Platform may take to report CANCELED. */
const CANCEL_WAIT_MS = 60_000;

/** What the run knew when it ended: what the result reports and the record step writes. */
export interface Facts {
  skill?: Skill;
  app?: AppFacts;
  deploymentId?: string;
  phase?: string;
  commit?: string;
  serverDurationMs?: number;
  inflight?: InflightRecord;
  resumed?: boolean;
}

/** What the status file and Odoo hear: the result's status, or a cancel that came after the version went live. */
export type RecordKind = DeployStatus | 'succeeded-but-canceled';

/** How a run ended; a step returns one instead of its output. */
export class Ending {
  readonly status: DeployStatus;
  readonly kind: RecordKind;
  readonly facts: Facts;
  readonly error?: DeployError;
  readonly rollback?: RollbackResult;
  /** Whether the previous deployment was verified to still serve (absent: not checked). */
  readonly previousStillServing?: boolean;

  constructor(e: {
    status: DeployStatus;
    kind?: RecordKind;
    facts: Facts;
    error?: DeployError;
    rollback?: RollbackResult;
    previousStillServing?: boolean;
  }) {
    this.status = e.status;
    this.kind = e.kind ?? e.status;
    this.facts = e.facts;
    this.error = e.error;
    this.rollback = e.rollback;
    this.previousStillServing = e.previousStillServing;
  }
}

/** The run's result for `ending` (after the record step, or without it when the run never started). */
export function resultOf(run: DeployRun, ending: Ending, odoo?: OdooPostResult): DeployResult {
  const f = ending.facts;
  const app = f.app;
  const info = ending.error?.toJSON();
  return {
    skill: run.skillName,
    status: ending.status,
    target: run.session.target,
    ...(run.session.resolvedEnvironment ? { environment: run.session.resolvedEnvironment.env.name } : {}),
    ...(app ? { appId: app.appId } : {}),
    ...(f.deploymentId ? { deploymentId: f.deploymentId } : {}),
    ...(app?.previousDeploymentId ? { previousDeploymentId: app.previousDeploymentId } : {}),
    ...(app?.liveUrl ? { liveUrl: app.liveUrl } : {}),
    ...(f.commit ? { commit: f.commit } : {}),
    ...(f.phase ? { phase: f.phase } : {}),
    steps: run.steps,
    ...(info ? { error: info } : {}),
    ...(ending.rollback ? { rollback: ending.rollback } : {}),
    ...(ending.previousStillServing !== undefined ? { previousStillServing: ending.previousStillServing } : {}),
    ...(f.resumed ? { resumed: true } : {}),
    warnings: run.warnings,
    ...(odoo ? { odoo } : {}),
    durationMs: Date.now() - run.started,
  };
}

/** The run never started (lock refused, or canceled before it): no step ran, nothing is recorded. */
export function notStarted(run: DeployRun, err: DeployError): Ending {
  const canceled = err.code === 'ABORTED';
  const error = canceled ? run.canceled('lock', 'Canceled before it started.') : err;
  return new Ending({ status: canceled ? 'canceled' : 'failed', facts: {}, error });
}

/** What a step before the deployment knew: the skill, the app's name, the app when it was found. */
export interface Known {
  skill?: Skill;
  appName?: string;
  app?: AppFacts;
}

/** A failure before any deployment existed: the server is unchanged; say whether the previous version still serves. */
export async function noDeployment(run: DeployRun, known: Known, err: DeployError): Promise<Ending> {
  const canceled = err.code === 'ABORTED';
  const error = canceled ? run.canceled(err.step, `Canceled during ${err.step}; nothing was deployed.`) : err;
  let app = known.app;
  if (!app && !run.aborted && err.code !== 'UNAUTHORIZED' && err.code !== 'FORBIDDEN') {
    try {
      const found = await run.session.reader.findAppByName(known.appName ?? run.skillName);
      if (found) app = appFacts(found);
    } catch {
      // unknown; previousStillServing stays absent
    }
  }
  const verified = app ? await verifyPrevious(run, known.skill, app) : undefined;
  const facts: Facts = { skill: known.skill, app: verified?.app ?? app };
  return new Ending({ status: canceled ? 'canceled' : 'failed', facts, error, previousStillServing: verified?.serves });
}

/** A deployment that was started but did not reach ACTIVE: it never served; check that the previous one does. */
export async function failedInFlight(run: DeployRun, created: Created, err: DeployError): Promise<Ending> {
  return neverServed(run, created, run.lastPhase ?? created.phase, err.code === 'DEPLOY_CANCELED' ? 'canceled' : 'failed', err);
}

/**
 * Cancels the deployment on the server (a cancel or a timeout), waits for CANCELED, then verifies the previous one.
 * When it went ACTIVE first: after a timeout the procedure goes on (the Live value); after a cancel it keeps serving.
 */
export async function canceledInFlight(run: DeployRun, created: Created, err: DeployError): Promise<Ending | Live> {
  const id = created.deploymentId;
  const finalPhase = await cancelOnServer(run, created);
  if (finalPhase === 'ACTIVE') {
    // It went live before the cancel reached it.
    if (err.code === 'DEPLOY_TIMEOUT') {
      run.warnings.push(`deployment ${id} reached ACTIVE as it was being canceled after the timeout; the procedure continues`);
      return { ...created, phase: finalPhase };
    }
    const error = run.canceled(err.step, `Canceled, but deployment ${id} had already gone live and keeps serving.`);
    return new Ending({ status: 'canceled', kind: 'succeeded-but-canceled', facts: { ...created, phase: finalPhase }, error });
  }
  const phase = finalPhase ?? run.lastPhase ?? created.phase;
  return neverServed(run, created, phase, err.code === 'DEPLOY_TIMEOUT' ? 'failed' : 'canceled', err);
}

async function neverServed(
  run: DeployRun,
  created: Created,
  phase: string | undefined,
  status: DeployStatus,
  err: DeployError,
): Promise<Ending> {
  const v = await verifyPrevious(run, created.skill, created.app);
  return new Ending({ status, facts: { ...created, app: v.app, phase }, error: err, previousStillServing: v.serves });
}

/** The cancel step: asks App Platform to cancel, then waits for the phase it ends in (undefined: it could not). */
async function cancelOnServer(run: DeployRun, created: Created): Promise<string | undefined> {
  const s = run.session;
  const { appId } = created.app;
  const id = created.deploymentId;
  try {
    return await run.step(
      'cancel',
      async () => {
        let d: Deployment;
        try {
          d = await s.client.cancelDeployment(appId, id, { signal: AbortSignal.timeout(30_000) });
        } catch (e) {
          // Finished just before the cancel arrived (409): see how.
          if (!isAppPlatformError(e, 'CONFLICT')) throw e;
          d = await s.client.getDeployment(appId, id);
        }
        if (isInFlight(d.phase)) {
          try {
            d = await waitForDeployment(s.reader, appId, id, { timeoutMs: CANCEL_WAIT_MS, pollIntervalMs: s.interval });
          } catch (e) {
            const ended =
              isAppPlatformError(e, 'DEPLOY_CANCELED') || isAppPlatformError(e, 'BUILD_FAILED') || isAppPlatformError(e, 'DEPLOY_ERROR');
            if (!ended) throw e;
            d = await s.client.getDeployment(appId, id);
          }
        }
        return d.phase;
      },
      { message: (p) => `deployment ${id} is ${p}` },
    );
  } catch (e) {
    run.warnings.push(`the deployment could not be canceled on the server: ${toDeployError(e, 'cancel').message}`);
    return undefined;
  }
}

/** A failure after ACTIVE: roll back to the previous deployment (when ours serves and there is one). */
export async function failedAfterLive(run: DeployRun, live: Live, err: DeployError): Promise<Ending> {
  const id = live.deploymentId;
  const previous = live.app.previousDeploymentId;
  if (err.code === 'ABORTED') {
    // Canceled after the new version went live: it serves; the remaining checks are skipped, nothing is undone.
    const why = `Canceled during ${err.step}; deployment ${id} is live and keeps serving (the remaining checks were skipped).`;
    return new Ending({ status: 'canceled', kind: 'succeeded-but-canceled', facts: live, error: run.canceled(err.step, why) });
  }
  const failed = (more: { rollback?: RollbackResult; app?: AppFacts; previousStillServing?: boolean } = {}) =>
    new Ending({ status: 'failed', facts: { ...live, app: more.app ?? live.app }, error: err, ...more });
  // Only a deployment that actually serves is rolled back; TRAFFIC_SWITCH_FAILED means another one does.
  const serving = err.code === 'TRAFFIC_SWITCH_FAILED' ? (err.details?.activeDeploymentId as string | undefined) : id;
  if (serving !== id) {
    if (serving && serving === previous) {
      const v = await verifyPrevious(run, live.skill, live.app);
      const reason = `deployment ${id} never took the traffic: the previous deployment ${serving} still serves`;
      return failed({ rollback: skippedRollback(live, reason), app: v.app, previousStillServing: v.serves });
    }
    const reason = serving
      ? `deployment ${serving} serves now (it replaced ${id}); nothing to roll back`
      : 'no deployment serves; nothing to roll back to';
    return failed({ rollback: skippedRollback(live, reason) });
  }
  if (run.session.options.autoRollback === false) return failed();
  if (!previous) {
    const rollback = skippedRollback(live, "this was the app's first deployment: there is no earlier one to roll back to");
    run.warnings.push(`NO_PREVIOUS_DEPLOYMENT: ${rollback.reason}`);
    return failed({ rollback });
  }
  const rollback = await autoRollback(run.session, {
    skill: run.skillName,
    appId: live.app.appId,
    toDeploymentId: previous,
    fromDeploymentId: id,
    healthPath: live.skill.manifest.healthPath,
    liveUrl: live.app.liveUrl,
  });
  return new Ending({ status: rollback.status === 'succeeded' ? 'rolled-back' : 'failed', facts: live, error: err, rollback });
}

function skippedRollback(live: Live, reason: string): RollbackResult {
  const { appId, previousDeploymentId } = live.app;
  const ids = { appId, fromDeploymentId: live.deploymentId, toDeploymentId: previousDeploymentId };
  return { status: 'skipped', ...ids, pinned: false, reason, steps: [] };
}

/** The new version serves and passed every check. */
export function succeeded(live: Live): Ending {
  return new Ending({ status: 'succeeded', facts: live });
}

/**
 * The verify step: the previous deployment is still the active one and the live URL's health path answers (the check
 * the rollback's verify step makes too). Nothing to verify without a previous deployment.
 */
export async function verifyPrevious(
  run: DeployRun,
  skill: Skill | undefined,
  app: AppFacts,
): Promise<{ app: AppFacts; serves?: boolean }> {
  const previous = app.previousDeploymentId;
  if (!previous) return { app };
  const check = () => checkServing(run.session, app.appId, { healthPath: skill?.manifest.healthPath, liveUrl: app.liveUrl });
  try {
    const s = await run.step('verify', check, {
      message: (v) =>
        serves(v, previous)
          ? `the previous deployment ${previous} still serves (health ${v.health?.status})`
          : `the previous deployment ${previous} does not serve: ${describeServing(v)}`,
    });
    const liveUrl = app.liveUrl ?? s.liveUrl;
    return { app: { ...app, ...(liveUrl ? { liveUrl } : {}) }, serves: serves(s, previous) };
  } catch (e) {
    run.warnings.push(`could not verify that the previous deployment still serves: ${toDeployError(e, 'verify').message}`);
    return { app, serves: false };
  }
}
