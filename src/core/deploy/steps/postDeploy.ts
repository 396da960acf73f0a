/** Step 8: the post-deploy checks on the live version (the smoke suite, when wired; skipped otherwise). */
import { DeployError, toDeployError } from '../errors';
import { failedAfterLive } from '../outcomes';
import type { PostDeployOutcome } from '../types';
import type { Step } from './list';
import type { Checked } from './values';

export const postDeploy: Step<Checked, Checked> = {
  name: 'post-deploy',
  async run(run, live) {
    const post = run.session.options.postDeploy;
    if (!post) return live;
    const { skill, app, deploymentId } = live;
    try {
      await run.step(
        'post-deploy',
        async () => {
          // The checks get their own signal: the run's cancel reaches them, and they cannot abort the run's.
          const ac = new AbortController();
          const onAbort = () => ac.abort(run.signal?.reason);
          run.signal?.addEventListener('abort', onAbort, { once: true });
          let outcome: PostDeployOutcome;
          try {
            const where = { liveUrl: app.liveUrl, appId: app.appId, deploymentId };
            outcome = await post({ skill: run.skillName, manifest: skill.manifest, ...where, signal: ac.signal });
          } catch (e) {
            const why = `${run.skillName}: the post-deploy checks threw: ${(e as Error)?.message ?? String(e)}`;
            throw new DeployError('POST_DEPLOY_FAILED', why, { step: 'post-deploy', cause: e });
          } finally {
            run.signal?.removeEventListener('abort', onAbort);
          }
          run.checkAborted('post-deploy', 'Canceled during the post-deploy checks.');
          if (!outcome.ok) {
            const code = (outcome.code as never) ?? 'POST_DEPLOY_FAILED';
            const details = { checks: outcome.checks };
            throw new DeployError(code, `${run.skillName}: ${outcome.message}`, { step: 'post-deploy', details });
          }
          return outcome;
        },
        { message: (o) => o.message },
      );
    } catch (e) {
      return failedAfterLive(run, live, toDeployError(e, 'post-deploy'));
    }
    return live;
  },
};
