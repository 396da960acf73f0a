import type { FastifyInstance } from 'fastify';
import { INSTANCE_SIZES, instanceSize, REGION_CATALOG } from '../../catalog/catalog';
import type { LocalAppPlatform } from '../../platform';
import { componentsOf } from '../../spec/appSpec';
import { alertDestinationsBody, createAppBody, parseBody, proposeBody, updateAppBody } from '../body';
import { notFound } from '../errors';
import { paginate } from '../pagination';
import { alertView, appView } from '../views';

type AppParams = { Params: { app_id: string } };

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerAppRoutes(api: FastifyInstance, platform: LocalAppPlatform): void {
  // The two reads clients poll answer with each app's serialised view, kept until the app changes (appJson).
  api.get<{ Querystring: { page?: string; per_page?: string } }>('/v2/apps', async (req, reply) => {
    const page = paginate(platform.listApps(), req.query, `${platform.apiBase}/v2/apps`);
    reply.type(JSON_TYPE);
    const apps = page.items.map((a) => platform.appJson(a)).join(',');
    return `{"apps":[${apps}],"links":${JSON.stringify(page.links)},"meta":${JSON.stringify(page.meta)}}`;
  });

  api.post('/v2/apps', async (req) => {
    const body = parseBody(createAppBody, req.body);
    const { app, deployment } = await platform.createApp(body.spec);
    await platform.saved(app);
    return { app: appView(app, platform, deployment) };
  });

  api.get<AppParams & { Querystring: { name?: string } }>('/v2/apps/:app_id', async (req, reply) => {
    const json = platform.appJson(platform.getApp(req.params.app_id, req.query.name));
    reply.type(JSON_TYPE);
    return `{"app":${json}}`;
  });

  api.put<AppParams>('/v2/apps/:app_id', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const body = parseBody(updateAppBody, req.body);
    const deployment = await platform.updateApp(app, body.spec);
    await platform.saved(app);
    return { app: appView(app, platform, deployment) };
  });

  api.delete<AppParams>('/v2/apps/:app_id', async (req) => {
    const app = platform.getApp(req.params.app_id);
    await platform.deleteApp(app);
    return { id: app.id };
  });

  api.post('/v2/apps/propose', async (req) => {
    const body = parseBody(proposeBody, req.body);
    const spec = platform.checkSpec(body.spec);
    const available = platform.nameAvailable(spec.name, body.app_id);
    let suggestion: string | undefined;
    for (let i = 2; !available && !suggestion; i++) {
      const candidate = `${spec.name.slice(0, 28)}-${i}`;
      if (platform.nameAvailable(candidate)) suggestion = candidate;
    }
    const cost = componentsOf(spec).reduce(
      (sum, c) => sum + Number(instanceSize(c.spec.instance_size_slug)?.usd_per_month ?? 0) * (c.spec.instance_count ?? 1),
      0,
    );
    return {
      app_name_available: available,
      ...(suggestion ? { app_name_suggestion: suggestion } : {}),
      app_is_static: false,
      existing_static_apps: '0',
      spec,
      app_cost: Math.round(cost),
    };
  });

  api.get('/v2/apps/regions', async () => ({ regions: REGION_CATALOG }));
  api.get('/v2/apps/tiers/instance_sizes', async () => ({ instance_sizes: INSTANCE_SIZES, discount_percent: 0 }));
  api.get<{ Params: { slug: string } }>('/v2/apps/tiers/instance_sizes/:slug', async (req) => {
    const size = INSTANCE_SIZES.find((s) => s.slug === req.params.slug);
    if (!size) throw notFound();
    return { instance_size: size };
  });

  api.get<AppParams>('/v2/apps/:app_id/health', async (req) => ({
    app_health: { components: await platform.appHealth(platform.getApp(req.params.app_id)) },
  }));

  api.get<AppParams>('/v2/apps/:app_id/alerts', async (req) => ({
    alerts: platform.getApp(req.params.app_id).alerts.map(alertView),
  }));

  api.post<{ Params: { app_id: string; alert_id: string } }>('/v2/apps/:app_id/alerts/:alert_id/destinations', async (req) => {
    const app = platform.getApp(req.params.app_id);
    const body = parseBody(alertDestinationsBody, req.body);
    const alert = platform.assignAlertDestinations(app, req.params.alert_id, body);
    await platform.saved(app);
    return { alert: alertView(alert) };
  });
}
