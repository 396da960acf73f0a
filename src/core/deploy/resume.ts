/**
 * Picks up deployments another process started and could not finish (a reloaded VS Code window, a killed CLI): the
 * in-flight records in `<git-common-dir>/odoobo/inflight.json` are monitored from step 5 through 9. A record whose
 * skill is locked by a live process is left to it.
 */
import { toDeployError } from './errors';
import { acquireDeployLock, type DeployLock } from './locks';
import { Ending, resultOf } from './outcomes';
import { resumeDeployment } from './pipeline';
import { DEFAULT_CONCURRENCY, DeployRun } from './run';
import { DeploySession } from './session';
import type { DeployCommonOptions, DeployResult } from './types';
import type { InflightRecord, InflightStore } from './persist';

export interface ResumeOptions extends DeployCommonOptions {
  /** Only these skills (default: every record for this target and API). */
  skills?: readonly string[];
  /** Deployments monitored at the same time (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
}

export interface ResumeResult {
  results: DeployResult[];
  /** Records left alone: their skill is being deployed by a live process (or this one). */
  skipped: Array<{ skill: string; deploymentId: string; reason: string }>;
}

/** The in-flight records for this target and API, as persisted (read-only). */
export async function listInFlight(
  options: Pick<DeployCommonOptions, 'repoRoot' | 'client' | 'target' | 'status'>,
): Promise<InflightRecord[]> {
  const session = new DeploySession(options);
  const store = await session.inflight();
  if (!store) return [];
  return (await store.read()).filter((r) => r.target === session.target && r.apiUrl === session.apiUrl);
}

export async function resumeInFlight(options: ResumeOptions): Promise<ResumeResult> {
  const session = new DeploySession(options);
  const store = await session.inflight();
  const out: ResumeResult = { results: [], skipped: [] };
  if (!store) return out;
  const wanted = options.skills ? new Set(options.skills) : undefined;
  const ours = (r: InflightRecord) => r.target === session.target && r.apiUrl === session.apiUrl && (!wanted || wanted.has(r.skill));
  const records = (await store.read()).filter(ours);
  // A record is resumed in its own environment (what the status file records it under).
  const sessions = new Map<string, DeploySession>();
  const sessionFor = (env: string | undefined): DeploySession => {
    if (!env || env === options.environment) return session;
    let s = sessions.get(env);
    if (!s) sessions.set(env, (s = new DeploySession({ ...options, environment: env })));
    return s;
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const rec = records[next++];
      const r = await resumeOne(sessionFor(rec.environment), store, rec, options.signal);
      if ('skipped' in r) out.skipped.push(r.skipped);
      else out.results.push(r.result);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY), Math.max(1, records.length)) }, worker),
  );
  return out;
}

async function resumeOne(
  session: DeploySession,
  store: InflightStore,
  rec: InflightRecord,
  signal?: AbortSignal,
): Promise<{ result: DeployResult } | { skipped: ResumeResult['skipped'][number] }> {
  let lock: DeployLock;
  try {
    const purpose = `resume the deployment of ${rec.skill} to ${session.target}`;
    lock = await acquireDeployLock(await session.commonDir(), rec.skill, { purpose, whenBusy: 'refuse', signal });
  } catch (e) {
    return { skipped: { skill: rec.skill, deploymentId: rec.deploymentId, reason: toDeployError(e, 'lock').message } };
  }
  const run = new DeployRun(session, rec.skill, { signal });
  const app = {
    appId: rec.appId,
    ...(rec.liveUrl ? { liveUrl: rec.liveUrl } : {}),
    ...(rec.previousDeploymentId ? { previousDeploymentId: rec.previousDeploymentId } : {}),
  };
  const known = { app, deploymentId: rec.deploymentId, inflight: rec, resumed: true };
  await session.environment().catch(() => undefined);
  session.emit({ type: 'deploy-started', skill: rec.skill, resumed: true, at: Date.now() });
  let result: DeployResult;
  try {
    // Someone may have resumed and finished it between our read and our lock: the record says.
    const still = (await store.read()).some((r) => r.deploymentId === rec.deploymentId && r.skill === rec.skill);
    if (!still) return { skipped: { skill: rec.skill, deploymentId: rec.deploymentId, reason: 'finished by another process meanwhile' } };
    result = await resumeDeployment(run, { ...known, skill: await session.skill(rec.skill) });
  } catch (e) {
    result = resultOf(run, new Ending({ status: 'failed', facts: known, error: toDeployError(e, 'monitor') }));
  } finally {
    await lock.release().catch(() => undefined);
  }
  session.emit({ type: 'deploy-finished', skill: rec.skill, result, at: Date.now() });
  return { result };
}
