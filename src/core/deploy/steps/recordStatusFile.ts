/**
 * The status file: a live deployment becomes `lastDeployment` (what merge checks); a failed attempt goes to
 * `lastDeployAttempt`, an automatic rollback to `incidents` (and what it restored becomes `lastDeployment`).
 */
import type { Ending } from '../outcomes';
import { recordAttempt, recordDeployment, recordIncident } from '../persist';
import type { DeployRun } from '../run';

export interface RecordNotes {
  notes: string[];
  problems: string[];
}

export async function writeStatusFile(run: DeployRun, ending: Ending, now: string): Promise<RecordNotes> {
  const out: RecordNotes = { notes: [], problems: [] };
  const s = run.session;
  const { kind, error: err, rollback } = ending;
  const { app, deploymentId, commit } = ending.facts;
  const skill = run.skillName;
  const liveUrl = app?.liveUrl ? { liveUrl: app.liveUrl } : {};
  // Under the plan's environment (the default one's records are also the top-level fields).
  const env = s.resolvedEnvironment?.scope;
  try {
    const store = await s.status();
    if (!store) return out;
    const live = kind === 'succeeded' || kind === 'succeeded-but-canceled';
    if (live && app && deploymentId) {
      if (commit && /^[0-9a-f]{4,64}$/.test(commit)) {
        const duration = ending.facts.serverDurationMs !== undefined ? { durationMs: ending.facts.serverDurationMs } : {};
        const { appId } = app;
        const what = { appId, deploymentId, phase: 'ACTIVE', commit, ...liveUrl };
        await recordDeployment(store, skill, { target: s.target, ...what, deployedAt: now, ...duration }, env);
        out.notes.push('deployment recorded');
      } else {
        const why = 'has no source commit to record (an image source?): the status file keeps the previous record';
        out.problems.push(`deployment ${deploymentId} ${why}`);
      }
    }
    if (!live && err) {
      // What serves after this attempt: the previous deployment (verified), or the one the rollback restored.
      const restored = rollback?.status === 'succeeded' ? true : undefined;
      const serving = ending.previousStillServing ?? restored;
      await recordAttempt(store, skill, {
        target: s.target,
        status: kind,
        ...(app ? { appId: app.appId } : {}),
        ...(deploymentId ? { deploymentId } : {}),
        ...(ending.facts.phase ? { phase: ending.facts.phase } : {}),
        code: err.code,
        step: err.step,
        message: err.message,
        at: now,
        ...(serving !== undefined ? { previousStillServing: serving } : {}),
      }, env);
      out.notes.push('attempt recorded');
    }
    if (rollback && rollback.status !== 'skipped' && app && deploymentId && err) {
      await recordIncident(store, skill, {
        target: s.target,
        ...(env ? { environment: env.name } : {}),
        appId: app.appId,
        failedDeploymentId: deploymentId,
        cause: { code: err.code, step: err.step, message: err.message },
        ...(rollback.toDeploymentId ? { restoredDeploymentId: rollback.toDeploymentId } : {}),
        ...(rollback.rollbackDeploymentId ? { rollbackDeploymentId: rollback.rollbackDeploymentId } : {}),
        rollback: rollback.status,
        at: now,
      });
      // What serves now is the rollback's deployment.
      if (rollback.status === 'succeeded' && rollback.rollbackDeploymentId && rollback.commit) {
        const restored = { deploymentId: rollback.rollbackDeploymentId, commit: rollback.commit };
        const what = { appId: app.appId, ...restored, phase: 'ACTIVE', ...liveUrl };
        await recordDeployment(store, skill, { target: s.target, ...what, deployedAt: now }, env);
      }
      out.notes.push('incident recorded');
    }
  } catch (e) {
    out.problems.push(`STATUS_FILE_FAILED: ${(e as Error).message}`);
  }
  return out;
}
