import type { FastifyInstance } from 'fastify';
import type { LocalAppPlatform } from '../../platform';
import { createDeploymentBody, parseBody, rollbackBody } from '../body';
import { paginate } from '../pagination';
import { deploymentView } from '../views';

type AppParams = { Params: { app_id: string } };
type DeploymentParams = { Params: { app_id: string; deployment_id: string } };

export function registerDeploymentRoutes(api: FastifyInstance, platform: LocalAppPlatform): void {
  api.get<AppParams & { Querystring: { page?: string; per_page?: string } }>('/v2/apps/:app_id/deployments', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const page = paginate(platform.listDeployments(app), req.query, `${platform.apiBase}/v2/apps/${app.id}/deployments`);
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
