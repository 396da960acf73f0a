import type { FastifyInstance } from 'fastify';
import type { LocalAppPlatform } from '../../platform';
import { parseBody, restartBody } from '../body';
import { deploymentView } from '../views';

/** A console's websocket: its one-time `?token=` (DigitalOcean's exec URL carries one) stands for the bearer token. */
export const EXEC_ROUTE = '/_local/exec/:session_id';

type AppParams = { Params: { app_id: string } };
type ExecParams = { Params: { app_id: string; component_name: string; deployment_id?: string }; Querystring: { instance_name?: string } };

/** Operating what runs: rolling restart, instances, consoles (exec URL and its websocket). Health and alerts: apps.ts. */
export function registerOperateRoutes(api: FastifyInstance, platform: LocalAppPlatform): void {
  api.post<AppParams>('/v2/apps/:app_id/restart', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const body = parseBody(restartBody, req.body);
    const dep = platform.restart(app, body.components);
    return { deployment: deploymentView(dep) };
  });

  api.get<AppParams>('/v2/apps/:app_id/instances', async (req) => ({
    instances: await platform.listInstances(platform.getApp(req.params.app_id)),
  }));

  const exec = async (req: { params: ExecParams['Params']; query: ExecParams['Querystring'] }): Promise<{ url: string }> => {
    const app = platform.getApp(req.params.app_id);
    return { url: platform.execUrl(app, req.params.deployment_id, req.params.component_name, req.query.instance_name || undefined) };
  };
  api.get<ExecParams>('/v2/apps/:app_id/components/:component_name/exec', exec);
  api.get<ExecParams>('/v2/apps/:app_id/deployments/:deployment_id/components/:component_name/exec', exec);

  // The console itself; its token was checked with the others before the upgrade (api/server.ts).
  api.get<{ Params: { session_id: string } }>(EXEC_ROUTE, { websocket: true }, (socket, req) => {
    platform.attachExec(req.params.session_id, socket);
  });
}
