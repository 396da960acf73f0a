/** Step 2: App Platform validates the spec (propose); the app's id lets it judge the name as ours. */
import { carrySecrets } from '../carrySecrets';
import { toDeployError } from '../errors';
import { noDeployment } from '../outcomes';
import { sameSpec } from './apply';
import type { Step } from './list';
import { appFacts, type Prepared, type Validated } from './values';

/** How old a listing may be to answer the lookup by name. */
const LOOKUP_MAX_AGE_MS = 2_000;

export const validate: Step<Prepared, Validated> = {
  name: 'validate',
  async run(run, prepared) {
    const s = run.session;
    const { spec } = prepared;
    let existing;
    try {
      const found = await run.step('validate', async () => {
        // A listing of a moment ago will do (parallel deployments list apps all the time); the update's answer is fresh.
        const app = await s.reader.findAppByName(spec.name, { signal: run.signal, maxAgeMs: LOOKUP_MAX_AGE_MS });
        // The spec the app already runs (secrets carried over, as apply sends it) was accepted by App Platform when it
        // was applied: a redeploy of it asks for nothing new, so it needs no second opinion (and no request).
        if (app && sameSpec(app.spec, carrySecrets(spec, app.spec).spec)) return { app, unchanged: true };
        await s.client.proposeApp({ spec, ...(app ? { app_id: app.id } : {}) }, { signal: run.signal });
        return { app, unchanged: false };
      }, { message: (v) => (v.unchanged ? 'spec unchanged: the app runs it already' : undefined) });
      existing = found.app;
      run.checkAborted('validate');
    } catch (e) {
      const known = { skill: prepared.skill, appName: spec.name, ...(existing ? { app: appFacts(existing) } : {}) };
      return noDeployment(run, known, toDeployError(e, 'validate'));
    }
    return { ...prepared, ...(existing ? { existing } : {}) };
  },
};
