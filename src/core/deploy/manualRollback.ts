/**
 * Manual rollbacks: `checkSkillRollback` answers App Platform's validation (warnings first), then `rollbackSkill`
 * performs it and leaves the app pinned until `commitSkillRollback` or `revertSkillRollback`.
 */
import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import { isAppPlatformError } from '../do/errors';
import { waitForDeployment } from '../do/progress';
import type { App, Deployment, RollbackCondition } from '../do/schemas';
import { appNameFor } from '../environments';
import { commitOf } from './apps';
import { DeployError, toDeployError } from './errors';
import { acquireDeployLock } from './locks';
import { recordAttempt, recordDeployment } from './persist';
import { describeCondition, describeConditions, performRollback, verifyServing, type RollbackParams } from './rollback';
import { DEFAULT_TIMEOUT_MS, DeployRun } from './run';
import { DeploySession } from './session';
import { recordManualRollback } from './steps/recordHistory';
import type { DeployStepName } from './stepNames';
import type { DeployCommonOptions, RollbackResult } from './types';

export interface SkillRollbackOptions extends DeployCommonOptions {
  skill: string;
}

export interface RollbackTarget {
  id: string;
  phase?: string;
  createdAt?: string;
  cause?: string;
  commit?: string;
}

export interface RollbackCheck {
  skill: string;
  appId: string;
  liveUrl?: string;
  target: RollbackTarget;
  active?: RollbackTarget;
  /** The deployment a previous rollback pinned the app to, if any. */
  pinnedDeploymentId?: string;
  valid: boolean;
  error?: RollbackCondition;
  warnings: RollbackCondition[];
}

function targetOf(d: Deployment | App['active_deployment'], skill: string): RollbackTarget | undefined {
  if (!d?.id) return undefined;
  const commit = commitOf(d as Deployment, skill);
  return {
    id: d.id,
    ...(d.phase ? { phase: d.phase } : {}),
    ...(d.created_at ? { createdAt: d.created_at } : {}),
    ...(d.cause ? { cause: d.cause } : {}),
    ...(commit ? { commit } : {}),
  };
}

/** The skill's app in the session's environment, found by the name in its app spec. */
async function appOfSkill(session: DeploySession, skill: string): Promise<{ app: App; healthPath: string }> {
  const s = await session.skill(skill);
  let specName = skill;
  try {
    const n = parseDocument(await fs.readFile(s.appSpecPath, 'utf8')).get('name');
    if (typeof n === 'string' && n) specName = n;
  } catch {
    // the app is named after the skill by convention
  }
  const name = appNameFor((await session.environment()).env, specName, skill);
  const app = await session.reader.findAppByName(name);
  if (!app) {
    const why = `${skill}: no app named ${JSON.stringify(name)} on ${session.target}: it was never deployed there.`;
    throw new DeployError('APP_NOT_FOUND', why, { step: 'rollback-validate' });
  }
  return { app, healthPath: s.manifest.healthPath };
}

/** How many deployments the error for an unknown one lists (the newest); ids are shown by their first SHORT_ID characters. */
const LISTED = 10;
const SHORT_ID = 8;
/** The shortest prefix of a deployment's id that may stand for it. */
const MIN_PREFIX = 6;
type Identified = Deployment & { id: string };

/**
 * `id` among the app's deployments: the id itself, or a unique prefix of MIN_PREFIX+ characters. Checked before a
 * rollback is asked for: App Platform answers an unknown deployment with a 404 that reads as "the app no longer exists".
 * An unknown one is DEPLOYMENT_NOT_FOUND naming the newest candidates (also in `details.candidates`).
 */
async function deploymentOf(session: DeploySession, app: App, skill: string, id: string, signal?: AbortSignal): Promise<Identified> {
  try {
    const d = await session.client.getDeployment(app.id, id, { signal });
    if (d.id) return { ...d, id: d.id };
  } catch (e) {
    if (!isAppPlatformError(e) || e.status !== 404) throw e;
  }
  // A 404 on the app itself (deleted meanwhile) comes from this list as APP_NOT_FOUND.
  const all = (await session.client.listAllDeployments(app.id, { signal })).filter((d): d is Identified => !!d.id);
  const exact = all.find((d) => d.id === id);
  if (exact) return exact;
  const lower = id.toLowerCase();
  const prefixed = lower.length >= MIN_PREFIX ? all.filter((d) => d.id.toLowerCase().startsWith(lower)) : [];
  if (prefixed.length === 1) return prefixed[0];
  const candidates = (prefixed.length ? prefixed : all).slice(0, LISTED).flatMap((d) => targetOf(d, skill) ?? []);
  const where = `the app ${app.spec?.name ?? skill} (${app.id}) on ${session.target}`;
  const newest = candidates.length < all.length ? `its ${candidates.length} newest deployments` : 'its deployments';
  const heading = prefixed.length
    ? `${skill}: ${JSON.stringify(id)} matches ${prefixed.length} deployments of ${where}:`
    : `${skill}: no deployment ${JSON.stringify(id)} in ${where}${all.length ? `; ${newest}:` : ', which has no deployments.'}`;
  const list = candidates.map((c) => `${c.id.slice(0, SHORT_ID)} (${[c.phase, c.createdAt].filter(Boolean).join(', ')})`);
  const message = list.length ? `${heading} ${list.join(', ')}.` : heading;
  // heading: the message without the list, for callers that show the candidates one a line
  const details = { deploymentId: id, appId: app.id, heading, candidates };
  throw new DeployError('DEPLOYMENT_NOT_FOUND', message, { step: 'rollback-validate', details });
}

/** Earlier deployments of the skill's app, newest first, that a rollback could target (SUPERSEDED ones). */
export async function listRollbackTargets(options: SkillRollbackOptions): Promise<RollbackTarget[]> {
  const session = new DeploySession(options);
  const { app } = await appOfSkill(session, options.skill);
  const all = await session.client.listAllDeployments(app.id, { signal: options.signal });
  return all.flatMap((d) => (d.phase === 'SUPERSEDED' ? (targetOf(d, options.skill) ?? []) : []));
}

/**
 * First call: App Platform's validation of a rollback to `deploymentId` (its id or a unique prefix; error and
 * warnings). Changes nothing. Throws DEPLOYMENT_NOT_FOUND for a deployment the app does not have.
 */
export async function checkSkillRollback(options: SkillRollbackOptions & { deploymentId: string }): Promise<RollbackCheck> {
  const session = new DeploySession(options);
  const { app } = await appOfSkill(session, options.skill);
  const validate = (id: string) => session.client.validateRollback(app.id, { deployment_id: id, signal: options.signal });
  // Asked at once for the id as given (the usual case); its answer counts only if that id is the deployment's.
  const early = validate(options.deploymentId);
  early.catch(() => undefined);
  const target = await deploymentOf(session, app, options.skill, options.deploymentId, options.signal);
  const v = target.id === options.deploymentId ? await early : await validate(target.id);
  const active = targetOf(app.active_deployment, options.skill);
  return {
    skill: options.skill,
    appId: app.id,
    ...(app.live_url ? { liveUrl: app.live_url } : {}),
    target: targetOf(target, options.skill)!,
    ...(active ? { active } : {}),
    ...(app.pinned_deployment?.id ? { pinnedDeploymentId: app.pinned_deployment.id } : {}),
    valid: v.valid,
    ...(v.error ? { error: v.error } : {}),
    warnings: v.warnings ?? [],
  };
}

/**
 * Second call: rolls back to `deploymentId` (its id or a unique prefix; DEPLOYMENT_NOT_FOUND when the app has no such
 * deployment). Refused (ROLLBACK_WARNINGS_NOT_ACCEPTED, nothing changed) while App Platform has warnings that were not
 * accepted. The app stays pinned unless `commit` (then it is committed at once).
 */
export async function rollbackSkill(
  options: SkillRollbackOptions & { deploymentId: string; acceptWarnings?: boolean; commit?: boolean },
): Promise<RollbackResult> {
  return withSkill(options, 'roll back', async (session, app, healthPath, run) => {
    let to = options.deploymentId;
    const validate = async () => {
      to = (await deploymentOf(session, app, options.skill, to, options.signal)).id;
      return session.client.validateRollback(app.id, { deployment_id: to, signal: options.signal });
    };
    const v = await run.step('rollback-validate', validate, {
      message: (x) => (x.valid ? `valid, ${x.warnings?.length ?? 0} warning(s)` : `invalid: ${describeCondition(x.error)}`),
    });
    const validation = { valid: v.valid, ...(v.error ? { error: v.error } : {}), warnings: v.warnings ?? [] };
    const base: RollbackResult = {
      status: 'failed',
      appId: app.id,
      fromDeploymentId: app.active_deployment?.id,
      toDeploymentId: to,
      validation,
      pinned: !!app.pinned_deployment?.id,
      steps: run.steps,
      ...(app.live_url ? { liveUrl: app.live_url } : {}),
    };
    if (!v.valid) {
      const why = `${options.skill}: App Platform refuses to roll back to deployment ${to}: ${describeCondition(v.error)}`;
      const err = new DeployError('ROLLBACK_INVALID', why, { step: 'rollback-validate' });
      return { ...base, error: err.toJSON() };
    }
    if (validation.warnings.length && !options.acceptWarnings) {
      const why = `${options.skill}: the rollback to ${to} has warnings: ${describeConditions(validation.warnings)}`;
      const details = { warnings: validation.warnings };
      const err = new DeployError('ROLLBACK_WARNINGS_NOT_ACCEPTED', why, { step: 'rollback-validate', details });
      return { ...base, error: err.toJSON() };
    }
    // Validated just above; performRollback validates again right before creating it (the answer may have changed).
    const params: RollbackParams = {
      skill: options.skill,
      appId: app.id,
      toDeploymentId: to,
      fromDeploymentId: app.active_deployment?.id,
      healthPath,
      liveUrl: app.live_url,
      after: options.commit ? 'commit' : 'keep',
    };
    const result = await performRollback(session, params, run);
    await recordServing(session, options.skill, app.id, result, 'manual rollback');
    await recordManualRollback(session, options.skill, 'rollback', result);
    return result;
  });
}

/** Unpins the app and keeps the rolled-back version (apps_commit_rollback). */
export async function commitSkillRollback(options: SkillRollbackOptions): Promise<RollbackResult> {
  return withSkill(options, 'commit the rollback of', async (session, app, _healthPath, run) => {
    const pinned = app.pinned_deployment?.id;
    const result: RollbackResult = {
      status: 'failed',
      appId: app.id,
      pinned: !!pinned,
      steps: run.steps,
      ...(pinned ? { rollbackDeploymentId: pinned } : {}),
    };
    try {
      await run.step('rollback-commit', () => session.client.commitRollback(app.id), {
        remap: { CONFLICT: 'ROLLBACK_INVALID' },
        message: () => 'unpinned',
      });
      result.pinned = false;
      result.status = 'succeeded';
    } catch (e) {
      result.error = toDeployError(e, 'rollback-commit').toJSON();
    }
    return result;
  });
}

/** Undoes a pinned rollback: deploys what ran before it and unpins (apps_revert_rollback), then verifies it serves. */
export async function revertSkillRollback(options: SkillRollbackOptions): Promise<RollbackResult> {
  return withSkill(options, 'revert the rollback of', async (session, app, healthPath, run) => {
    const result: RollbackResult = {
      status: 'failed',
      appId: app.id,
      fromDeploymentId: app.active_deployment?.id,
      pinned: !!app.pinned_deployment?.id,
      steps: run.steps,
      ...(app.live_url ? { liveUrl: app.live_url } : {}),
    };
    let step: DeployStepName = 'rollback-create';
    try {
      const dep = await run.step(step, () => session.client.revertRollback(app.id), {
        remap: { CONFLICT: 'ROLLBACK_INVALID' },
        message: (d) => `revert deployment ${d.id}`,
      });
      result.rollbackDeploymentId = dep.id;
      if (dep.cloned_from) result.toDeploymentId = dep.cloned_from;
      result.pinned = false;
      session.reader.prime(dep);
      step = 'rollback-monitor';
      const done = await run.step(
        step,
        () =>
          waitForDeployment(session.reader, app.id, dep.id, {
            timeoutMs: session.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            pollIntervalMs: session.interval,
            onProgress: (d) => run.progress(app.id, d),
          }),
        { message: (d) => d.phase },
      );
      result.commit = commitOf(done, options.skill);
      step = 'rollback-verify';
      await verifyServing(session, run, result, healthPath, dep.id);
      result.status = 'succeeded';
    } catch (e) {
      const err = toDeployError(e, step);
      const failed = err.code === 'ROLLBACK_INVALID' ? err : new DeployError('ROLLBACK_FAILED', err.message, { step, cause: e });
      result.error = failed.toJSON();
    }
    await recordServing(session, options.skill, app.id, result, 'revert');
    await recordManualRollback(session, options.skill, 'revert', result);
    return result;
  });
}

async function withSkill(
  options: SkillRollbackOptions,
  purpose: string,
  fn: (session: DeploySession, app: App, healthPath: string, run: DeployRun) => Promise<RollbackResult>,
): Promise<RollbackResult> {
  const session = new DeploySession(options);
  const run = new DeployRun(session, options.skill, { signal: options.signal });
  let lock;
  try {
    lock = await acquireDeployLock(await session.commonDir(), options.skill, {
      purpose: `${purpose} ${options.skill}`,
      whenBusy: options.whenBusy ?? 'refuse',
      busyTimeoutMs: options.busyTimeoutMs,
      signal: options.signal,
    });
    const { app, healthPath } = await appOfSkill(session, options.skill);
    return await fn(session, app, healthPath, run);
  } catch (e) {
    const err = toDeployError(e, 'rollback-validate');
    return { status: 'failed', appId: '', pinned: false, steps: run.steps, error: err.toJSON() };
  } finally {
    await lock?.release().catch(() => undefined);
  }
}

/** What serves after a manual rollback or revert becomes the skill's last deployment in the status file. */
async function recordServing(session: DeploySession, skill: string, appId: string, result: RollbackResult, what: string): Promise<void> {
  try {
    const store = await session.status();
    if (!store) return;
    const env = (await session.environment()).scope;
    const at = new Date().toISOString();
    if (result.status === 'succeeded' && result.rollbackDeploymentId && result.commit) {
      const what = { appId, deploymentId: result.rollbackDeploymentId, phase: 'ACTIVE', commit: result.commit };
      const liveUrl = result.liveUrl ? { liveUrl: result.liveUrl } : {};
      await recordDeployment(store, skill, { target: session.target, ...what, ...liveUrl, deployedAt: at }, env);
    } else if (result.error) {
      const { code, step, message } = result.error;
      const deployment = result.rollbackDeploymentId ? { deploymentId: result.rollbackDeploymentId } : {};
      const attempt = { status: 'failed' as const, appId, ...deployment, code, step, message: `${what}: ${message}` };
      await recordAttempt(store, skill, { target: session.target, ...attempt, at }, env);
    }
  } catch (e) {
    if (!isAppPlatformError(e)) {
      result.error ??= new DeployError('STATUS_FILE_FAILED', (e as Error).message, { step: 'rollback-record' }).toJSON();
    }
  }
}
