import type { FastifyInstance } from 'fastify';
import type { LocalAppPlatform } from '../../platform';
import { createDeploymentBody, parseBody, rollbackBody } from '../body';
import { paginate } from '../pagination';
import { deploymentView } from '../views';
import { badRequest } from '../errors';
import type { DeploymentKind } from '../../state/model';

/** DigitalOcean's `deployment_types` filter values, and which of them a local deployment kind counts as. */
const DEPLOYMENT_TYPES = [
  'MANUAL', 'DEPLOY_ON_PUSH', 'MAINTENANCE', 'MANUAL_ROLLBACK', 'AUTO_ROLLBACK', 'UPDATE_DATABASE_TRUSTED_SOURCES', 'AUTOSCALED',
];
const TYPE_OF_KIND: Record<DeploymentKind, string> = { deploy: 'MANUAL', rollback: 'MANUAL_ROLLBACK', revert: 'MANUAL_ROLLBACK' };

function deploymentTypes(raw: string | string[] | undefined): Set<string> | undefined {
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const bad = values.filter((v) => !DEPLOYMENT_TYPES.includes(v));
  if (bad.length) {
    const values = `value${bad.length > 1 ? 's' : ''} ${bad.join(', ')}`;
    throw badRequest(`deployment_types: unknown ${values} (one of ${DEPLOYMENT_TYPES.join(', ')})`);
  }
  return values.length ? new Set(values) : undefined;
}

type AppParams = { Params: { app_id: string } };
type ListQuery = { Querystring: { page?: string; per_page?: string; deployment_types?: string | string[] } };
type DeploymentParams = { Params: { app_id: string; deployment_id: string } };

export function registerDeploymentRoutes(api: FastifyInstance, platform: LocalAppPlatform): void {
  api.get<AppParams & ListQuery>('/v2/apps/:app_id/deployments', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const types = deploymentTypes(req.query.deployment_types);
    const all = platform.listDeployments(app);
    const listed = types ? all.filter((d) => types.has(TYPE_OF_KIND[d.kind])) : all;
    const page = paginate(listed, req.query, `${platform.apiBase}/v2/apps/${app.id}/deployments`);
    return { deployments: page.items.map(deploymentView), links: page.links, meta: page.meta };
  });

  api.post<AppParams>('/v2/apps/:app_id/deployments', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const body = parseBody(createDeploymentBody, req.body);
    const deployment = platform.createDeployment(app, body.force_build === true);
    await platform.saved(app);
    return { deployment: deploymentView(deployment) };
  });

  api.get<DeploymentParams>('/v2/apps/:app_id/deployments/:deployment_id', async (req) => {
    const app = platform.getApp(req.params.app_id);
    return { deployment: deploymentView(platform.getDeployment(app, req.params.deployment_id)) };
  });

  api.post<DeploymentParams>('/v2/apps/:app_id/deployments/:deployment_id/cancel', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const dep = platform.getDeployment(app, req.params.deployment_id);
    await platform.cancelDeployment(app, dep);
    await platform.saved(app);
    return { deployment: deploymentView(dep) };
  });

  api.post<AppParams>('/v2/apps/:app_id/rollback', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const body = parseBody(rollbackBody, req.body);
    const deployment = platform.rollback(app, body.deployment_id, body.skip_pin === true);
    await platform.saved(app);
    return { deployment: deploymentView(deployment) };
  });

  api.post<AppParams>('/v2/apps/:app_id/rollback/validate', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const body = parseBody(rollbackBody, req.body);
    const v = platform.validateRollback(app, body.deployment_id);
    return { valid: v.valid, ...(v.error ? { error: v.error } : {}), warnings: v.warnings };
  });

  api.post<AppParams>('/v2/apps/:app_id/rollback/commit', async (req, reply) => {
    const app = platform.getApp(req.params.app_id);
    platform.commitRollback(app);
    await platform.saved(app);
    // DigitalOcean: 200 with an empty body.
    return reply.code(200).send();
  });

  api.post<AppParams>('/v2/apps/:app_id/rollback/revert', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const deployment = platform.revertRollback(app);
    await platform.saved(app);
    return { deployment: deploymentView(deployment) };
  });
}
