/** The in-flight record: written when the deployment exists (step 4), removed when the run ends (step 9). */
import { inflightOwner, type InflightRecord } from '../persist';
import { DEFAULT_TIMEOUT_MS, type DeployRun } from '../run';
import type { AppFacts } from './values';

/** Writes the record that lets another process resume the deployment; never throws (a warning says it failed). */
export async function putInflight(run: DeployRun, app: AppFacts, deploymentId: string): Promise<InflightRecord | undefined> {
  const s = run.session;
  const rec: InflightRecord = {
    skill: run.skillName,
    target: s.target,
    apiUrl: s.apiUrl,
    appId: app.appId,
    deploymentId,
    ...(app.previousDeploymentId ? { previousDeploymentId: app.previousDeploymentId } : {}),
    ...(app.liveUrl ? { liveUrl: app.liveUrl } : {}),
    startedAt: new Date().toISOString(),
    ...inflightOwner(),
    timeoutMs: s.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(s.resolvedEnvironment ? { environment: s.resolvedEnvironment.env.name } : {}),
  };
  try {
    const store = await s.inflight();
    if (!store) return undefined;
    await store.put(rec);
    return rec;
  } catch (e) {
    // Monitoring goes on; only a resume by another process would not find this deployment.
    run.warnings.push(`the in-flight record could not be written (a restart could not resume this deployment): ${(e as Error).message}`);
    return undefined;
  }
}

/** Removes the run's in-flight record; what went wrong is returned as a problem of the record step. */
export async function removeInflight(run: DeployRun, rec: InflightRecord | undefined): Promise<string[]> {
  if (!rec) return [];
  try {
    await (await run.session.inflight())?.remove(rec);
    return [];
  } catch (e) {
    return [`the in-flight record could not be removed: ${(e as Error).message}`];
  }
}
