import type { PlatformContext } from '../context';
import type { IngressTarget } from '../ingress/ingress';
import { servicePorts, type DeploymentRuntime } from '../runtime/deploymentRuntime';
import { stopInstances } from '../runtime/instances';
import { firstComponentName, terminationOf } from '../spec/appSpec';
import { routesOf } from '../spec/routes';
import type { AppRecord, DeploymentRecord } from '../state/model';
import { now } from '../util/abort';
import { removeBuildDir } from './build';

/** Blue-green: traffic moves to a healthy deployment at once; the previous one drains, then stops. */
export class BlueGreen {
  constructor(private readonly ctx: PlatformContext) {}

  /** Switches the app's traffic to `dep` (every component passed its health check) and retires the previous one. */
  promote(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime): void {
    const { ctx } = this;
    const ingress = ctx.ingresses.get(app.id);
    if (!ingress) throw new Error('the app has no ingress');
    const previous = ingress.switchTo({ deploymentId: dep.id, routes: routesOf(dep.spec), ports: servicePorts(rt), inflight: 0 });
    const previousId = app.activeDeploymentId;
    app.activeDeploymentId = dep.id;
    app.lastDeploymentActiveAt = now();
    const old = app.deployments.find((d) => d.id === previousId);
    if (old && old.id !== dep.id && old.phase === 'ACTIVE') ctx.setPhase(app, old, 'SUPERSEDED');
    if (previous && previous.deploymentId !== dep.id) this.retire(app, previous.deploymentId, previous);
    else if (previousId && previousId !== dep.id) this.retire(app, previousId, undefined);
    for (const inst of rt.instances.values()) ctx.logs.append(dep.id, 'DEPLOY', inst.name, `receiving traffic at ${ingress.url}`);
  }

  /** Drains the requests `target` still serves (up to `drain_seconds`), then stops the deployment and drops its build. */
  private retire(app: AppRecord, deploymentId: string, target: IngressTarget | undefined): void {
    const { ctx } = this;
    const rt = ctx.runtimes.get(deploymentId);
    if (!rt) return;
    rt.retired = true;
    const dep = app.deployments.find((d) => d.id === deploymentId);
    const specs = [...rt.instances.values()].map((i) => terminationOf(i.spec));
    const drainMs = Math.max(1000, ...specs.map((s) => s.drainSeconds * 1000));
    const graceMs = Math.max(1000, ...specs.map((s) => s.gracePeriodSeconds * 1000));
    const ingress = ctx.ingresses.get(app.id);
    void ctx.track(
      (async () => {
        if (target && ingress) {
          const drained = await ingress.drain(target, drainMs);
          if (!drained && dep) {
            const line = `drain timed out with ${target.inflight} request(s) in flight`;
            ctx.logs.append(dep.id, 'DEPLOY', firstComponentName(dep.spec, app.spec.name), line);
          }
        }
        await stopInstances(rt, graceMs);
        ctx.logs.end(deploymentId, 'RUN');
        if (ctx.runtimes.get(deploymentId) === rt) ctx.runtimes.delete(deploymentId);
        await removeBuildDir(dep, rt);
      })(),
    );
  }
}
