/**
 * Step 5: polls the deployment until ACTIVE (paced by what the skill's deployments usually take). Also where a
 * resumed deployment enters. A timeout cancels it on the server, so that it cannot go live later.
 */
import { waitForDeployment } from '../../do/progress';
import type { Deployment } from '../../do/schemas';
import { commitOf } from '../apps';
import { toDeployError } from '../errors';
import { canceledInFlight, failedInFlight } from '../outcomes';
import { DEFAULT_TIMEOUT_MS } from '../run';
import type { Step } from './list';
import type { Created, Live } from './values';

export const monitor: Step<Created, Live> = {
  name: 'monitor',
  async run(run, created) {
    const s = run.session;
    const { appId } = created.app;
    const id = created.deploymentId;
    await s.seedTimings([run.skillName]);
    const t0 = Date.now();
    let final: Deployment;
    try {
      final = await run.step(
        'monitor',
        () =>
          waitForDeployment(s.reader, appId, id, {
            timeoutMs: s.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            signal: run.signal,
            pollIntervalMs: s.intervalFor(run.skillName, created.createdAt),
            maxConsecutiveErrors: 5,
            onProgress: (d) => run.progress(appId, d),
          }),
        { message: (d) => `${d.phase} after ${Date.now() - t0} ms` },
      );
    } catch (e) {
      const err = toDeployError(e, 'monitor');
      if (err.code === 'ABORTED') {
        return canceledInFlight(run, created, run.canceled('monitor', `Canceled; deployment ${id} was canceled on the server.`));
      }
      if (err.code === 'DEPLOY_TIMEOUT' && (s.options.cancelOnTimeout ?? true)) return canceledInFlight(run, created, err);
      return failedInFlight(run, created, err);
    }
    let serverDurationMs: number | undefined;
    if (final.phase === 'ACTIVE') {
      serverDurationMs = serverDuration(final);
      if (!created.resumed) s.timings.observe(serverDurationMs ?? Date.now() - t0, run.skillName);
    }
    const commit = commitOf(final, run.skillName);
    return {
      ...created,
      phase: final.phase ?? 'ACTIVE',
      ...(commit ? { commit } : {}),
      ...(serverDurationMs !== undefined ? { serverDurationMs } : {}),
    };
  },
};

/**
 * How long App Platform took, by its own clock (created → ACTIVE). What we observed includes our polling delay, and
 * learning from that would make the next polls later still.
 */
function serverDuration(d: Deployment): number | undefined {
  const ms = Date.parse(d.phase_last_updated_at ?? '') - Date.parse(d.created_at ?? '');
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
