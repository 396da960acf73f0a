/**
 * Step 3: create the app, or update its spec. Not abortable mid-request: a request that reached App Platform may have
 * started a deployment, which must then be canceled rather than forgotten.
 */
import { isAppPlatformError } from '../../do/errors';
import type { App, Deployment } from '../../do/schemas';
import { carrySecrets } from '../carrySecrets';
import { toDeployError } from '../errors';
import { noDeployment } from '../outcomes';
import type { Step } from './list';
import { appFacts, type Applied, type Validated } from './values';

export const apply: Step<Validated, Applied> = {
  name: 'apply',
  async run(run, validated) {
    const { client, reader } = run.session;
    const { skill, spec } = validated;
    // The app as known so far: the validate step's, or the one a create that collided found.
    let existing = validated.existing;
    const sent = Date.now();
    try {
      const applied = await run.step(
        'apply',
        async () => {
          if (!existing) {
            try {
              const app = await client.createApp(spec);
              return { app, started: app.pending_deployment ?? app.in_progress_deployment, how: 'created the app' };
            } catch (e) {
              // Created meanwhile by someone else (names are unique): update it instead.
              if (!isAppPlatformError(e, 'CONFLICT')) throw e;
              existing = await reader.findAppByName(spec.name);
              if (!existing) throw e;
            }
          }
          const app0: App = existing;
          // SECRET envs the repository leaves empty keep the live app's values (carrySecrets.ts).
          const sent = carrySecrets(spec, app0.spec).spec;
          if (sameSpec(app0.spec, sent)) return { app: app0, started: undefined, how: 'spec unchanged' };
          const before = new Set([app0.in_progress_deployment?.id, app0.pending_deployment?.id].filter(Boolean));
          const app = await client.updateApp(app0.id, sent);
          const fresh = app.in_progress_deployment?.id && !before.has(app.in_progress_deployment.id);
          const inProgress = fresh ? app.in_progress_deployment : undefined;
          return { app, started: app.pending_deployment ?? inProgress, how: 'updated the spec' };
        },
        { remap: CREATE_REMAP, message: (a) => a.how },
      );
      const known = existing ? appFacts(existing) : undefined;
      const started = applied.started?.id ? (applied.started as Deployment) : undefined;
      return { skill, spec, app: appFacts(applied.app, known), ...(started ? { started, createdAt: sent } : {}) };
    } catch (e) {
      const app = existing ? appFacts(existing) : undefined;
      return noDeployment(run, { skill, appName: existing?.spec.name ?? spec.name, ...(app ? { app } : {}) }, toDeployError(e, 'apply'));
    }
  },
};

/** A request that should have started a deployment and did not: DEPLOYMENT_CREATE_FAILED (also the create step's). */
export const CREATE_REMAP = {
  CONFLICT: 'DEPLOYMENT_CREATE_FAILED',
  SERVER_ERROR: 'DEPLOYMENT_CREATE_FAILED',
  NETWORK_ERROR: 'DEPLOYMENT_CREATE_FAILED',
} as const;

/**
 * Specs compared as JSON values: key order does not matter, nor do keys whose value is undefined (JSON drops them).
 * A walk that stops at the first difference: building canonical JSON of both specs instead cost ~0.2 ms per skill.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameSpec(x, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = Object.keys(ra).filter((k) => ra[k] !== undefined);
    const sameKeys = keys.length === Object.keys(rb).filter((k) => rb[k] !== undefined).length;
    return sameKeys && keys.every((k) => Object.hasOwn(rb, k) && sameSpec(ra[k], rb[k]));
  }
  return false;
}
