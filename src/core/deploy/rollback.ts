/**
 * A rollback (validate → rollback → monitor → commit → verify). Automatic: a deployment that reached ACTIVE then
 * failed steps 6–8 is undone and the rollback committed. The manual ones are in manualRollback.ts.
 */
import { waitForDeployment } from '../do/progress';
import type { RollbackCondition } from '../do/schemas';
import { commitOf } from './apps';
import { DeployError, toDeployError } from './errors';
import { DEFAULT_TIMEOUT_MS, DeployRun } from './run';
import { checkServing, serves } from './serving';
import type { DeploySession } from './session';
import type { DeployStepName } from './stepNames';
import type { RollbackResult } from './types';

export interface RollbackParams {
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
export async function performRollback(
  session: DeploySession,
  p: RollbackParams,
  run = new DeployRun(session, p.skill),
): Promise<RollbackResult> {
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
          const why = `${p.skill}: App Platform refuses to roll back to deployment ${p.toDeploymentId}: ${describeCondition(v.error)}`;
          throw new DeployError('ROLLBACK_INVALID', why, { step: 'rollback-validate', details: { validation: result.validation } });
        }
        return v;
      },
      { message: (v) => `valid${v.warnings?.length ? `, ${v.warnings.length} warning(s): ${describeConditions(v.warnings)}` : ''}` },
    );
    step = 'rollback-create';
    const dep = await run.step(step, () => client.rollback(p.appId, { deployment_id: p.toDeploymentId, skip_pin: false }), {
      message: (d) => `deployment ${d.id}`,
    });
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
export async function verifyServing(
  session: DeploySession,
  run: DeployRun,
  result: RollbackResult,
  healthPath: string,
  expected: string,
): Promise<void> {
  await run.step(
    'rollback-verify',
    async () => {
      const s = await checkServing(session, result.appId, { healthPath, liveUrl: result.liveUrl });
      if (s.liveUrl) result.liveUrl = s.liveUrl;
      const active = s.activeDeploymentId;
      const h = s.health;
      const status = h?.status !== undefined ? { status: h.status } : {};
      result.serving = { ...(active ? { activeDeploymentId: active } : {}), healthy: h?.ok === true, ...status };
      if (!serves(s, expected)) {
        const why = `the active deployment is ${active ?? 'none'} and ${healthPath} answered ${h?.status ?? h?.detail ?? 'nothing'}`;
        throw new DeployError('ROLLBACK_FAILED', `deployment ${expected} is not serving: ${why}`, { step: 'rollback-verify' });
      }
    },
    { message: () => `deployment ${expected} serves; ${healthPath} answered ${result.serving?.status}` },
  );
}

export function describeConditions(cs: RollbackCondition[]): string {
  return cs.map(describeCondition).join('; ');
}

export function describeCondition(c: RollbackCondition | undefined): string {
  if (!c) return 'no reason given';
  return `${c.code ?? 'unknown'}: ${c.message ?? ''}${c.components?.length ? ` (${c.components.join(', ')})` : ''}`;
}

/** The automatic rollback of a deployment that served and then failed steps 6–8: committed once it serves. */
export function autoRollback(session: DeploySession, p: Omit<RollbackParams, 'after'>): Promise<RollbackResult> {
  return performRollback(session, { ...p, after: 'commit' });
}
