/** Step 6: the live URL's health path answers 2xx within the health timeout after the deployment went live. */
import { DeployError, toDeployError } from '../errors';
import { checkHealth } from '../health';
import { failedAfterLive } from '../outcomes';
import { DEFAULT_HEALTH_TIMEOUT_MS } from '../run';
import type { Step } from './list';
import type { Checked, Live } from './values';

export const health: Step<Live, Checked> = {
  name: 'health',
  async run(run, live) {
    const s = run.session;
    const { appId } = live.app;
    const { healthPath } = live.skill.manifest;
    // The URL as learned here (App Platform may report it only now): the failure's rollback needs it too.
    let liveUrl = live.app.liveUrl;
    try {
      const { url } = await run.step(
        'health',
        async () => {
          liveUrl ??= (await s.reader.getApp(appId)).live_url;
          const url = liveUrl;
          if (!url) {
            const why = `${run.skillName}: App Platform reports no live URL for app ${appId}.`;
            throw new DeployError('HEALTH_CHECK_FAIL', why, { step: 'health' });
          }
          const timeoutMs = s.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
          const h = await checkHealth(url, healthPath, { timeoutMs, signal: run.signal });
          run.checkAborted('health', 'Canceled during the health check.');
          if (!h.ok) {
            const code = h.status === 404 ? 'ENDPOINT_404' : 'HEALTH_CHECK_FAIL';
            const detail = h.detail ? ` (${h.detail.replace(/\s+/g, ' ').slice(0, 120)})` : '';
            const what = h.status !== undefined ? `answered ${h.status}${detail}` : `did not answer (${h.detail})`;
            const when = `no 200 within ${timeoutMs} ms after deployment ${live.deploymentId} went live`;
            throw new DeployError(code, `${run.skillName}: ${url}${healthPath} ${what}; ${when}.`, {
              step: 'health',
              details: { status: h.status, attempts: h.attempts },
            });
          }
          return { h, url };
        },
        { message: ({ h }) => `${h.status} after ${h.attempts} attempt(s)` },
      );
      return { ...live, app: { ...live.app, liveUrl: url } };
    } catch (e) {
      return failedAfterLive(run, { ...live, app: { ...live.app, ...(liveUrl ? { liveUrl } : {}) } }, toDeployError(e, 'health'));
    }
  },
};
