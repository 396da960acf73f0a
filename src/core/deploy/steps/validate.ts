/** Step 2: App Platform validates the spec (propose); the app's id lets it judge the name as ours. */
import { toDeployError } from '../errors';
import { noDeployment } from '../outcomes';
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
      existing = await run.step('validate', async () => {
        // A listing of a moment ago will do (parallel deployments list apps all the time); the update's answer is fresh.
        const app = await s.reader.findAppByName(spec.name, { signal: run.signal, maxAgeMs: LOOKUP_MAX_AGE_MS });
        await s.client.proposeApp({ spec, ...(app ? { app_id: app.id } : {}) }, { signal: run.signal });
        return app;
      });
      run.checkAborted('validate');
    } catch (e) {
      const known = { skill: prepared.skill, appName: spec.name, ...(existing ? { app: appFacts(existing) } : {}) };
      return noDeployment(run, known, toDeployError(e, 'validate'));
    }
    return { ...prepared, ...(existing ? { existing } : {}) };
  },
};
