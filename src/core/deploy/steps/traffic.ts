/** Step 7: the traffic switch: the app's active deployment is ours. */
import { DeployError, toDeployError } from '../errors';
import { failedAfterLive } from '../outcomes';
import type { Step } from './list';
import type { Checked } from './values';

/** How old an answer about the app may be for this step to trust it without asking again. */
const SNAPSHOT_MAX_AGE_MS = 2_000;

export const traffic: Step<Checked, Checked> = {
  name: 'traffic',
  async run(run, live) {
    const { reader } = run.session;
    const { appId } = live.app;
    const id = live.deploymentId;
    let liveUrl = live.app.liveUrl;
    try {
      await run.step(
        'traffic',
        async () => {
          // The answer that reported ACTIVE (or a later one) says so already when it is recent; a failure is always
          // confirmed by a fresh read.
          const recent = reader.recent(appId, SNAPSHOT_MAX_AGE_MS);
          const app = recent?.active_deployment?.id === id ? recent : await reader.getApp(appId);
          if (app.live_url) liveUrl = app.live_url;
          const active = app.active_deployment?.id;
          if (active !== id) {
            const why = `${run.skillName}: deployment ${id} is ${live.phase}, but the app's active deployment is ${active ?? 'none'}.`;
            throw new DeployError('TRAFFIC_SWITCH_FAILED', why, { step: 'traffic', details: { activeDeploymentId: active } });
          }
          return active;
        },
        { message: (active) => `active deployment ${active}` },
      );
    } catch (e) {
      return failedAfterLive(run, { ...live, app: { ...live.app, liveUrl } }, toDeployError(e, 'traffic'));
    }
    return { ...live, app: { ...live.app, liveUrl } };
  },
};
