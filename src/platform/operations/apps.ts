import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { badRequest, conflict, notFound, unprocessable } from '../api/errors';
import { INSTANCE_SIZE_SLUGS } from '../catalog/catalog';
import type { PlatformContext } from '../context';
import { Ingress } from '../ingress/ingress';
import type { DeploymentRuntime } from '../runtime/deploymentRuntime';
import { stopInstances } from '../runtime/instances';
import { componentsOf, type AppSpec } from '../spec/appSpec';
import { checkAppSpec } from '../spec/checkSpec';
import { sealSecrets } from '../spec/secretValues';
import type { AlertRecord, AppRecord, DeploymentRecord } from '../state/model';
import { now, settleWithin } from '../util/abort';
import type { Deployments } from './deployments';

/** The body of `POST /v2/apps/{id}/alerts/{alert_id}/destinations`. */
export interface AlertDestinations {
  emails?: string[];
  slack_webhooks?: Array<{ url?: string; channel?: string }>;
}

/** The API's app operations: look up, create, update (a new deployment each), delete, alerts. */
export class Apps {
  constructor(private readonly ctx: PlatformContext, private readonly deployments: Deployments) {}

  list(): AppRecord[] {
    return [...this.ctx.apps.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  get(idOrName: string, name?: string): AppRecord {
    const byId = this.ctx.apps.get(idOrName);
    if (byId) return byId;
    const wanted = name ?? idOrName;
    const byName = [...this.ctx.apps.values()].find((a) => a.spec.name === wanted);
    if (byName) return byName;
    throw notFound();
  }

  /** The checks of `propose`, `create` and `update`: 400 for invalid specs, 422 for what only the local platform lacks. */
  checkSpec(spec: unknown): AppSpec {
    if (spec === undefined) throw badRequest('error validating app spec: spec is required');
    const r = checkAppSpec(spec, { instanceSizes: INSTANCE_SIZE_SLUGS });
    if (!r.ok) throw r.unsupported ? unprocessable(r.errors.join('; ')) : badRequest(r.errors.join('; '));
    return r.spec;
  }

  nameAvailable(name: string, exceptAppId?: string): boolean {
    return ![...this.ctx.apps.values()].some((a) => a.spec.name === name && a.id !== exceptAppId);
  }

  async create(input: unknown): Promise<{ app: AppRecord; deployment: DeploymentRecord }> {
    const spec = sealSecrets(structuredClone(this.checkSpec(input)), this.ctx.meta.logSecret);
    if (!this.nameAvailable(spec.name)) throw conflict(`an app named "${spec.name}" already exists`);
    const t = now();
    const ingress = new Ingress(spec.name);
    const port = await ingress.listen(0);
    const app: AppRecord = {
      id: randomUUID(),
      ownerUuid: this.ctx.meta.ownerUuid,
      spec,
      createdAt: t,
      updatedAt: t,
      ingressPort: port,
      deployments: [],
      alerts: [],
    };
    syncAlerts(app);
    this.ctx.apps.set(app.id, app);
    this.ctx.ingresses.set(app.id, ingress);
    const deployment = this.deployments.queue(app, spec, 'app created', 'deploy');
    return { app, deployment };
  }

  update(app: AppRecord, input: unknown): DeploymentRecord {
    const spec = sealSecrets(structuredClone(this.checkSpec(input)), this.ctx.meta.logSecret);
    this.deployments.refuseWhilePinned(app);
    if (!this.nameAvailable(spec.name, app.id)) throw conflict(`an app named "${spec.name}" already exists`);
    app.spec = spec;
    app.updatedAt = now();
    syncAlerts(app);
    return this.deployments.queue(app, spec, 'app spec updated', 'deploy');
  }

  /** Stops the app's deployments (in flight or serving), closes its URL and removes its state, logs and builds. */
  async delete(app: AppRecord): Promise<void> {
    const { ctx } = this;
    ctx.apps.delete(app.id);
    const runtimes = app.deployments.map((d) => ctx.runtimes.get(d.id)).filter((r): r is DeploymentRuntime => !!r);
    for (const rt of runtimes) {
      rt.abortReason ??= 'deleted';
      rt.retired = true;
      rt.abort.abort();
    }
    await settleWithin(Promise.all(runtimes.map((rt) => rt.done)), 15_000);
    await Promise.all(runtimes.map((rt) => stopInstances(rt, 5000)));
    for (const rt of runtimes) ctx.runtimes.delete(rt.deploymentId);
    await ctx.ingresses.get(app.id)?.close().catch(() => undefined);
    ctx.ingresses.delete(app.id);
    await ctx.store.remove(app.id);
    for (const dep of app.deployments) {
      await ctx.logs.removeDeployment(dep.id);
      await fs.rm(ctx.dir.buildDir(dep.id), { recursive: true, force: true });
    }
  }

  assignAlertDestinations(app: AppRecord, alertId: string, body: AlertDestinations): AlertRecord {
    const alert = app.alerts.find((a) => a.id === alertId);
    if (!alert) throw notFound();
    alert.emails = body.emails ?? [];
    alert.slackWebhooks = body.slack_webhooks ?? [];
    void this.ctx.persist(app);
    return alert;
  }
}

/** The app's alerts follow its spec (app-level and per component); an alert that stays keeps its id and destinations. */
function syncAlerts(app: AppRecord): void {
  const wanted: Array<{ componentName?: string; spec: AlertRecord['spec'] }> = [
    ...(app.spec.alerts ?? []).map((spec) => ({ spec })),
    ...componentsOf(app.spec).flatMap((c) => (c.spec.alerts ?? []).map((spec) => ({ componentName: c.spec.name, spec }))),
  ];
  app.alerts = wanted.map((w) => {
    const same = app.alerts.find((a) => a.componentName === w.componentName && a.spec.rule === w.spec.rule);
    return same
      ? { ...same, spec: { ...w.spec } }
      : { id: randomUUID(), componentName: w.componentName, spec: { ...w.spec }, emails: [], slackWebhooks: [], createdAt: now() };
  });
}
