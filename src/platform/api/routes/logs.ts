import type { FastifyInstance } from 'fastify';
import { LOG_TYPES, type LogType } from '../../logs/logStore';
import { signedLogUrl, verifyLogUrl } from '../../logs/signedUrls';
import type { LocalAppPlatform } from '../../platform';
import { componentsOf } from '../../spec/appSpec';
import type { AppRecord, DeploymentRecord } from '../../state/model';
import { ApiError, badRequest, notFound } from '../errors';

interface LogQuery {
  type?: string;
  follow?: string;
  pod_connection_timeout?: string;
}

type SignedQuery = { component?: string; follow?: string; expires?: string; signature?: string };
type SignedParams = { Params: { deployment_id: string; type: string }; Querystring: SignedQuery };

export function registerLogRoutes(api: FastifyInstance, platform: LocalAppPlatform): void {
  const answer = (dep: DeploymentRecord | undefined, component: string | undefined, q: LogQuery): Record<string, unknown> => {
    if (!dep) throw notFound('the app has no active deployment');
    const type = (q.type ?? 'UNSPECIFIED').toUpperCase();
    if (!(LOG_TYPES as readonly string[]).includes(type)) throw badRequest(`type must be one of ${LOG_TYPES.join(', ')}`);
    if (component && !componentsOf(dep.spec).some((c) => c.spec.name === component)) {
      throw notFound(`the deployment has no component "${component}"`);
    }
    const grant = { deploymentId: dep.id, type: type as LogType, component, follow: q.follow === 'true' };
    return {
      live_url: signedLogUrl(platform.logSecret, platform.apiBase, 'live', grant),
      historic_urls: [signedLogUrl(platform.logSecret, platform.apiBase, 'archive', { ...grant, follow: false })],
    };
  };
  const active = (app: AppRecord): DeploymentRecord | undefined => app.deployments.find((d) => d.id === app.activeDeploymentId);

  api.get<{ Params: { app_id: string; deployment_id: string }; Querystring: LogQuery }>(
    '/v2/apps/:app_id/deployments/:deployment_id/logs',
    async (req) => {
      const app = platform.getApp(req.params.app_id);
      return answer(platform.getDeployment(app, req.params.deployment_id), undefined, req.query);
    },
  );
  api.get<{ Params: { app_id: string; deployment_id: string; component_name: string }; Querystring: LogQuery }>(
    '/v2/apps/:app_id/deployments/:deployment_id/components/:component_name/logs',
    async (req) => {
      const app = platform.getApp(req.params.app_id);
      return answer(platform.getDeployment(app, req.params.deployment_id), req.params.component_name, req.query);
    },
  );
  api.get<{ Params: { app_id: string }; Querystring: LogQuery }>('/v2/apps/:app_id/logs', async (req) => {
    const app = platform.getApp(req.params.app_id);
    return answer(active(app), undefined, req.query);
  });
  api.get<{ Params: { app_id: string; component_name: string }; Querystring: LogQuery }>(
    '/v2/apps/:app_id/components/:component_name/logs',
    async (req) => {
      const app = platform.getApp(req.params.app_id);
      return answer(active(app), req.params.component_name, req.query);
    },
  );

  const grantOf = (kind: 'archive' | 'live', params: { deployment_id: string; type: string }, q: SignedQuery) => {
    const type = params.type.toUpperCase();
    if (!(LOG_TYPES as readonly string[]).includes(type)) return undefined;
    return verifyLogUrl(platform.logSecret, kind, params.deployment_id, type as LogType, q);
  };

  // Historic logs: plain text, pre-signed (no bearer token), like DigitalOcean's archive URLs.
  api.get<SignedParams>('/_local/logs/archive/:deployment_id/:type', async (req, reply) => {
    const grant = grantOf('archive', req.params, req.query);
    if (!grant) throw new ApiError(403, 'forbidden', 'The log URL is invalid or has expired.');
    const text = await platform.logs.read(grant.deploymentId, grant.type, grant.component);
    return reply.type('text/plain; charset=utf-8').send(text);
  });

  // Live logs: a websocket of frames `{"data": "<component> <RFC 3339 time> <line>\n"}`; with follow=true it stays open
  // while what writes the log runs.
  api.get<SignedParams>(
    '/_local/logs/live/:deployment_id/:type',
    { websocket: true },
    (socket, req) => {
      const grant = grantOf('live', req.params, req.query);
      if (!grant) {
        socket.close(1008, 'invalid or expired log URL');
        return;
      }
      let stop: (() => void) | undefined;
      let closed = false;
      socket.on('close', () => {
        closed = true;
        stop?.();
      });
      socket.on('error', () => undefined);
      void platform.logs
        .follow(
          grant.deploymentId,
          grant.type,
          grant.component,
          grant.follow,
          (line) => {
            if (closed) return;
            // Fault dropLiveLogs: the line goes out, then the connection is cut without a close frame.
            const drop = platform.faults.takeLiveLogDrop();
            socket.send(JSON.stringify({ data: line }), drop ? () => socket.terminate() : undefined);
          },
          () => {
            if (!closed) socket.close(1000, 'end of log');
          },
        )
        .then((s) => {
          stop = s;
          if (closed) s();
        });
    },
  );
}
