/**
 * Rollbacks. Automatic: a deployment that reached ACTIVE then failed steps 6–8 is undone (validate → rollback →
 * monitor → commit → verify). Manual: `checkSkillRollback` answers App Platform's validation (warnings first), then
 * `rollbackSkill` performs it and leaves the app pinned until `commitSkillRollback` or `revertSkillRollback`.
 */
import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import { isAppPlatformError } from '../do/errors';
import { waitForDeployment } from '../do/progress';
import type { App, Deployment, RollbackCondition } from '../do/schemas';
import { commitOf } from './apps';
import { DeployError, toDeployError } from './errors';
import { acquireDeployLock } from './locks';
import { recordDeployment, recordAttempt } from './persist';
import { DEFAULT_TIMEOUT_MS, DeployRun } from './run';
import { checkServing, serves } from './serving';
import { DeploySession } from './session';
import type { DeployStepName } from './stepNames';
import type { DeployCommonOptions, RollbackResult } from './types';

interface RollbackParams {
  skill: string;
  appId: string;
  toDeploymentId: string;
  fromDeploymentId?: string;
  healthPath: string;
  liveUrl?: string;
  /** `commit`: unpin once the rollback serves (automatic rollbacks); `keep`: stay pinned (manual, until commit/revert). */
  after: 'commit' | 'keep';
}

/** The rollback itself; never throws (its failure is in the result). */
async function performRollback(session: DeploySession, p: RollbackParams, run = new DeployRun(session, p.skill)): Promise<RollbackResult> {
  const client = session.client;
  const result: RollbackResult = {
    status: 'failed',
    appId: p.appId,
    ...(p.fromDeploymentId ? { fromDeploymentId: p.fromDeploymentId } : {}),
    toDeploymentId: p.toDeploymentId,
    pinned: false,
    steps: run.steps,
    ...(p.liveUrl ? { liveUrl: p.liveUrl } : {}),
  };
  let step: DeployStepName = 'rollback-validate';
  try {
    await run.step(
      step,
      async () => {
        const v = await client.validateRollback(p.appId, { deployment_id: p.toDeploymentId });
        result.validation = { valid: v.valid, ...(v.error ? { error: v.error } : {}), warnings: v.warnings ?? [] };
        if (!v.valid) {
          throw new DeployError('ROLLBACK_INVALID', `${p.skill}: App Platform refuses to roll back to deployment ${p.toDeploymentId}: ${describeCondition(v.error)}`, { step: 'rollback-validate', details: { validation: result.validation } });
        }
        return v;
      },
      { message: (v) => `valid${v.warnings?.length ? `, ${v.warnings.length} warning(s): ${v.warnings.map(describeCondition).join('; ')}` : ''}` },
    );
    step = 'rollback-create';
    const dep = await run.step(step, () => client.rollback(p.appId, { deployment_id: p.toDeploymentId, skip_pin: false }), { message: (d) => `deployment ${d.id}` });
    result.rollbackDeploymentId = dep.id;
    result.pinned = true;
    session.reader.prime(dep);
    step = 'rollback-monitor';
    const done = await run.step(
      step,
      () =>
        waitForDeployment(session.reader, p.appId, dep.id, {
          timeoutMs: session.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          pollIntervalMs: session.interval,
          maxConsecutiveErrors: 5,
          onProgress: (d) => run.progress(p.appId, d),
        }),
      { message: (d) => d.phase },
    );
    result.commit = commitOf(done, p.skill);
    if (p.after === 'commit') {
      step = 'rollback-commit';
      await run.step(step, () => client.commitRollback(p.appId), { message: () => 'unpinned' });
      result.pinned = false;
    }
    step = 'rollback-verify';
    await verifyServing(session, run, result, p.healthPath, dep.id);
    result.status = 'succeeded';
  } catch (e) {
    const err = toDeployError(e, step);
    const code = err.code === 'ROLLBACK_INVALID' || err.code === 'ROLLBACK_FAILED' ? err.code : 'ROLLBACK_FAILED';
    result.error = { ...err.toJSON(), code, mitigation: new DeployError(code, '', { step }).mitigation };
    // A rollback that did not serve must not keep the app pinned: a fix could not be deployed.
    if (result.pinned && p.after === 'commit') {
      try {
        await client.commitRollback(p.appId);
        result.pinned = false;
      } catch {
        // reported as pinned
      }
    }
  }
  return result;
}

/**
 * After a rollback or revert: the new deployment is the active one and the live URL's health path answers (the check
 * the pipeline's verify step makes too).
 */
async function verifyServing(session: DeploySession, run: DeployRun, result: RollbackResult, healthPath: string, expected: string): Promise<void> {
  await run.step(
    'rollback-verify',
    async () => {
      const s = await checkServing(session, result.appId, { healthPath, liveUrl: result.liveUrl });
      if (s.liveUrl) result.liveUrl = s.liveUrl;
      const active = s.activeDeploymentId;
      const h = s.health;
      result.serving = { ...(active ? { activeDeploymentId: active } : {}), healthy: h?.ok === true, ...(h?.status !== undefined ? { status: h.status } : {}) };
      if (!serves(s, expected)) {
        const why = `the active deployment is ${active ?? 'none'} and ${healthPath} answered ${h?.status ?? h?.detail ?? 'nothing'}`;
        throw new DeployError('ROLLBACK_FAILED', `deployment ${expected} is not serving: ${why}`, { step: 'rollback-verify' });
      }
    },
    { message: () => `deployment ${expected} serves; ${healthPath} answered ${result.serving?.status}` },
  );
}

function describeCondition(c: RollbackCondition | undefined): string {
  if (!c) return 'no reason given';
  return `${c.code ?? 'unknown'}: ${c.message ?? ''}${c.components?.length ? ` (${c.components.join(', ')})` : ''}`;
}

/** The automatic rollback of a deployment that served and then failed steps 6–8: committed once it serves. */
export function autoRollback(session: DeploySession, p: Omit<RollbackParams, 'after'>): Promise<RollbackResult> {
  return performRollback(session, { ...p, after: 'commit' });
}

// ------------------------------------------------------------------------------------------------------------------
// Manual rollback

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
  return { id: d.id, ...(d.phase ? { phase: d.phase } : {}), ...(d.created_at ? { createdAt: d.created_at } : {}), ...(d.cause ? { cause: d.cause } : {}), ...(commit ? { commit } : {}) };
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
  if (!app) throw new DeployError('APP_NOT_FOUND', `${skill}: no app named ${JSON.stringify(name)} on ${session.target}: it was never deployed there.`, { step: 'rollback-validate' });
  return { app, healthPath: s.manifest.healthPath };
}

/** Earlier deployments of the skill's app, newest first, that a rollback could target (SUPERSEDED ones). */
export async function listRollbackTargets(options: SkillRollbackOptions): Promise<RollbackTarget[]> {
  const session = new DeploySession(options);
  const { app } = await appOfSkill(session, options.skill);
  const all = await session.client.listAllDeployments(app.id, { signal: options.signal });
  return all.filter((d) => d.phase === 'SUPERSEDED').map((d) => targetOf(d, options.skill)!);
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
export async function rollbackSkill(options: SkillRollbackOptions & { deploymentId: string; acceptWarnings?: boolean; commit?: boolean }): Promise<RollbackResult> {
  return withSkill(options, 'roll back', async (session, app, healthPath, run) => {
    const v = await run.step('rollback-validate', () => session.client.validateRollback(app.id, { deployment_id: options.deploymentId }), {
      message: (x) => (x.valid ? `valid, ${x.warnings?.length ?? 0} warning(s)` : `invalid: ${describeCondition(x.error)}`),
    });
    const validation = { valid: v.valid, ...(v.error ? { error: v.error } : {}), warnings: v.warnings ?? [] };
    const base: RollbackResult = { status: 'failed', appId: app.id, fromDeploymentId: app.active_deployment?.id, toDeploymentId: options.deploymentId, validation, pinned: !!app.pinned_deployment?.id, steps: run.steps, ...(app.live_url ? { liveUrl: app.live_url } : {}) };
    if (!v.valid) {
      const err = new DeployError('ROLLBACK_INVALID', `${options.skill}: App Platform refuses to roll back to deployment ${options.deploymentId}: ${describeCondition(v.error)}`, { step: 'rollback-validate' });
      return { ...base, error: err.toJSON() };
    }
    if (validation.warnings.length && !options.acceptWarnings) {
      const err = new DeployError('ROLLBACK_WARNINGS_NOT_ACCEPTED', `${options.skill}: the rollback to ${options.deploymentId} has warnings: ${validation.warnings.map(describeCondition).join('; ')}`, { step: 'rollback-validate', details: { warnings: validation.warnings } });
      return { ...base, error: err.toJSON() };
    }
    // Validated just above; performRollback validates again right before creating it (the answer may have changed).
    const result = await performRollback(session, { skill: options.skill, appId: app.id, toDeploymentId: options.deploymentId, fromDeploymentId: app.active_deployment?.id, healthPath, liveUrl: app.live_url, after: options.commit ? 'commit' : 'keep' }, run);
    await recordServing(session, options.skill, app.id, result, 'manual rollback');
    return result;
  });
}

/** Unpins the app and keeps the rolled-back version (apps_commit_rollback). */
export async function commitSkillRollback(options: SkillRollbackOptions): Promise<RollbackResult> {
  return withSkill(options, 'commit the rollback of', async (session, app, _healthPath, run) => {
    const result: RollbackResult = { status: 'failed', appId: app.id, pinned: !!app.pinned_deployment?.id, steps: run.steps, ...(app.pinned_deployment?.id ? { rollbackDeploymentId: app.pinned_deployment.id } : {}) };
    try {
      await run.step('rollback-commit', () => session.client.commitRollback(app.id), { remap: { CONFLICT: 'ROLLBACK_INVALID' }, message: () => 'unpinned' });
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
    const result: RollbackResult = { status: 'failed', appId: app.id, fromDeploymentId: app.active_deployment?.id, pinned: !!app.pinned_deployment?.id, steps: run.steps, ...(app.live_url ? { liveUrl: app.live_url } : {}) };
    let step: DeployStepName = 'rollback-create';
    try {
      const dep = await run.step(step, () => session.client.revertRollback(app.id), { remap: { CONFLICT: 'ROLLBACK_INVALID' }, message: (d) => `revert deployment ${d.id}` });
      result.rollbackDeploymentId = dep.id;
      if (dep.cloned_from) result.toDeploymentId = dep.cloned_from;
      result.pinned = false;
      session.reader.prime(dep);
      step = 'rollback-monitor';
      const done = await run.step(
        step,
        () => waitForDeployment(session.reader, app.id, dep.id, { timeoutMs: session.options.timeoutMs ?? DEFAULT_TIMEOUT_MS, pollIntervalMs: session.interval, onProgress: (d) => run.progress(app.id, d) }),
        { message: (d) => d.phase },
      );
      result.commit = commitOf(done, options.skill);
      step = 'rollback-verify';
      await verifyServing(session, run, result, healthPath, dep.id);
      result.status = 'succeeded';
    } catch (e) {
      const err = toDeployError(e, step);
      result.error = (err.code === 'ROLLBACK_INVALID' ? err : new DeployError('ROLLBACK_FAILED', err.message, { step, cause: e })).toJSON();
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
    lock = await acquireDeployLock(await session.commonDir(), options.skill, { purpose: `${purpose} ${options.skill}`, whenBusy: options.whenBusy ?? 'refuse', busyTimeoutMs: options.busyTimeoutMs, signal: options.signal });
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
      await recordDeployment(store, skill, { target: session.target, appId, deploymentId: result.rollbackDeploymentId, phase: 'ACTIVE', commit: result.commit, ...(result.liveUrl ? { liveUrl: result.liveUrl } : {}), deployedAt: at });
    } else if (result.error) {
      await recordAttempt(store, skill, { target: session.target, status: 'failed', appId, ...(result.rollbackDeploymentId ? { deploymentId: result.rollbackDeploymentId } : {}), code: result.error.code, step: result.error.step, message: `${what}: ${result.error.message}`, at });
    }
  } catch (e) {
    if (!isAppPlatformError(e)) result.error ??= { code: 'STATUS_FILE_FAILED', step: 'rollback-record', message: (e as Error).message, mitigation: new DeployError('STATUS_FILE_FAILED', '', { step: 'rollback-record' }).mitigation };
  }
}
