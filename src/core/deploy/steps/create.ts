/**
 * Step 4: the deployment: the one the spec update started, else a new one (not when the run was canceled meanwhile).
 * Its in-flight record lets another process resume it.
 */
import { DeployError, toDeployError } from '../errors';
import { canceledInFlight, noDeployment } from '../outcomes';
import { CREATE_REMAP } from './apply';
import type { Step } from './list';
import { putInflight } from './recordInflight';
import type { Applied, Created } from './values';

export const create: Step<Applied, Created> = {
  name: 'create',
  async run(run, applied) {
    const s = run.session;
    const { skill, app, started } = applied;
    const known = { skill, app };
    if (!started && run.aborted) return noDeployment(run, known, new DeployError('ABORTED', 'Canceled.', { step: 'create' }));
    let created: Created;
    try {
      const createdAt = applied.createdAt;
      const { d, at, inflight } = await run.step(
        'create',
        async () => {
          const at = createdAt ?? Date.now();
          const d = started ?? (await s.client.createDeployment(app.appId, { force_build: run.options.forceBuild ?? false }));
          return { d, at, inflight: await putInflight(run, app, d.id) };
        },
        { remap: CREATE_REMAP, message: ({ d }) => `deployment ${d.id}${started ? ' (started by the spec update)' : ''}` },
      );
      s.reader.prime(d);
      created = { skill, app, deploymentId: d.id, phase: d.phase, createdAt: at, resumed: false, ...(inflight ? { inflight } : {}) };
    } catch (e) {
      return noDeployment(run, known, toDeployError(e, 'create'));
    }
    if (run.aborted) {
      const why = `Canceled; deployment ${created.deploymentId} was canceled on the server.`;
      return canceledInFlight(run, created, run.canceled('create', why));
    }
    return created;
  },
};
