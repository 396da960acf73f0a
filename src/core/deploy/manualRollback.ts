/**
 * Manual rollbacks: `checkSkillRollback` answers App Platform's validation (warnings first), then `rollbackSkill`
 * performs it and leaves the app pinned until `commitSkillRollback` or `revertSkillRollback`.
 */
import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import { isAppPlatformError } from '../do/errors';
import { waitForDeployment } from '../do/progress';
import type { App, Deployment, RollbackCondition } from '../do/schemas';
import { commitOf } from './apps';
import { DeployError, toDeployError } from './errors';
import { acquireDeployLock } from './locks';
import { recordAttempt, recordDeployment } from './persist';
import { describeCondition, describeConditions, performRollback, verifyServing, type RollbackParams } from './rollback';
import { DEFAULT_TIMEOUT_MS, DeployRun } from './run';
import { DeploySession } from './session';
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

/** The skill's app, found by the name in its app spec. */
async function appOfSkill(session: DeploySession, skill: string): Promise<{ app: App; healthPath: string }> {
  const s = await session.skill(skill);
  let name = skill;
  try {
    const n = parseDocument(await fs.readFile(s.appSpecPath, 'utf8')).get('name');
    if (typeof n === 'string' && n) name = n;
  } catch {
    // the app is named after the skill by convention
  }
  const app = await session.reader.findAppByName(name);
  if (!app) {
    const why = `${skill}: no app named ${JSON.stringify(name)} on ${session.target}: it was never deployed there.`;
    throw new DeployError('APP_NOT_FOUND', why, { step: 'rollback-validate' });
  }
  return { app, healthPath: s.manifest.healthPath };
}

/** Earlier deployments of the skill's app, newest first, that a rollback could target (SUPERSEDED ones). */
export async function listRollbackTargets(options: SkillRollbackOptions): Promise<RollbackTarget[]> {
  const session = new DeploySession(options);
  const { app } = await appOfSkill(session, options.skill);
  const all = await session.client.listAllDeployments(app.id, { signal: options.signal });
  return all.flatMap((d) => (d.phase === 'SUPERSEDED' ? (targetOf(d, options.skill) ?? []) : []));
}

/** First call: App Platform's validation of a rollback to `deploymentId` (error and warnings). Changes nothing. */
export async function checkSkillRollback(options: SkillRollbackOptions & { deploymentId: string }): Promise<RollbackCheck> {
  const session = new DeploySession(options);
  const { app } = await appOfSkill(session, options.skill);
  const [v, target] = await Promise.all([
    session.client.validateRollback(app.id, { deployment_id: options.deploymentId, signal: options.signal }),
    session.client.getDeployment(app.id, options.deploymentId, { signal: options.signal }),
  ]);
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
 * Second call: rolls back to `deploymentId`. Refused (ROLLBACK_WARNINGS_NOT_ACCEPTED, nothing changed) while App
 * Platform has warnings that were not accepted. The app stays pinned unless `commit` (then it is committed at once).
 */
export async function rollbackSkill(
  options: SkillRollbackOptions & { deploymentId: string; acceptWarnings?: boolean; commit?: boolean },
): Promise<RollbackResult> {
  return withSkill(options, 'roll back', async (session, app, healthPath, run) => {
    const v = await run.step('rollback-validate', () => session.client.validateRollback(app.id, { deployment_id: options.deploymentId }), {
      message: (x) => (x.valid ? `valid, ${x.warnings?.length ?? 0} warning(s)` : `invalid: ${describeCondition(x.error)}`),
    });
    const validation = { valid: v.valid, ...(v.error ? { error: v.error } : {}), warnings: v.warnings ?? [] };
    const base: RollbackResult = {
      status: 'failed',
      appId: app.id,
      fromDeploymentId: app.active_deployment?.id,
      toDeploymentId: options.deploymentId,
      validation,
      pinned: !!app.pinned_deployment?.id,
      steps: run.steps,
      ...(app.live_url ? { liveUrl: app.live_url } : {}),
    };
    if (!v.valid) {
      const to = options.deploymentId;
      const why = `${options.skill}: App Platform refuses to roll back to deployment ${to}: ${describeCondition(v.error)}`;
      const err = new DeployError('ROLLBACK_INVALID', why, { step: 'rollback-validate' });
      return { ...base, error: err.toJSON() };
    }
    if (validation.warnings.length && !options.acceptWarnings) {
      const why = `${options.skill}: the rollback to ${options.deploymentId} has warnings: ${describeConditions(validation.warnings)}`;
      const details = { warnings: validation.warnings };
      const err = new DeployError('ROLLBACK_WARNINGS_NOT_ACCEPTED', why, { step: 'rollback-validate', details });
      return { ...base, error: err.toJSON() };
    }
    // Validated just above; performRollback validates again right before creating it (the answer may have changed).
    const params: RollbackParams = {
      skill: options.skill,
      appId: app.id,
      toDeploymentId: options.deploymentId,
      fromDeploymentId: app.active_deployment?.id,
      healthPath,
      liveUrl: app.live_url,
      after: options.commit ? 'commit' : 'keep',
    };
    const result = await performRollback(session, params, run);
    await recordServing(session, options.skill, app.id, result, 'manual rollback');
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
    const at = new Date().toISOString();
    if (result.status === 'succeeded' && result.rollbackDeploymentId && result.commit) {
      const what = { appId, deploymentId: result.rollbackDeploymentId, phase: 'ACTIVE', commit: result.commit };
      const liveUrl = result.liveUrl ? { liveUrl: result.liveUrl } : {};
      await recordDeployment(store, skill, { target: session.target, ...what, ...liveUrl, deployedAt: at });
    } else if (result.error) {
      const { code, step, message } = result.error;
      const deployment = result.rollbackDeploymentId ? { deploymentId: result.rollbackDeploymentId } : {};
      const attempt = { status: 'failed' as const, appId, ...deployment, code, step, message: `${what}: ${message}` };
      await recordAttempt(store, skill, { target: session.target, ...attempt, at });
    }
  } catch (e) {
    if (!isAppPlatformError(e)) {
      result.error ??= new DeployError('STATUS_FILE_FAILED', (e as Error).message, { step: 'rollback-record' }).toJSON();
    }
  }
}
