import { badRequest, conflict } from '../api/errors';
import type { PlatformContext } from '../context';
import { componentNames, replicasOf, servicePorts, type DeploymentRuntime } from '../runtime/deploymentRuntime';
import { instanceName, type Instances } from '../runtime/instances';
import { terminationOf } from '../spec/appSpec';
import { routesOf } from '../spec/routes';
import type { AppRecord, DeploymentRecord } from '../state/model';

/**
 * `POST /v2/apps/{id}/restart`: a rolling restart of the active deployment's components, one instance at a time, each
 * replaced by a new process that passed its health check before traffic moves to it; the old one drains, then stops.
 * The answer is the active deployment (App Platform answers the deployment the restart runs in).
 */
export class Restarts {
  /** appId → the last restart asked for (it runs after the ones before it). */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly ctx: PlatformContext, private readonly instances: Instances) {}

  restart(app: AppRecord, components: readonly string[] | undefined): DeploymentRecord {
    const { ctx } = this;
    const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
    const rt = dep ? ctx.runtimes.get(dep.id) : undefined;
    if (!dep || !rt) throw conflict(`the app ${app.spec.name} has no active deployment to restart`);
    const known = componentNames(rt);
    const unknown = (components ?? []).filter((c) => !known.includes(c));
    if (unknown.length > 0) {
      throw badRequest(`components: no component named ${unknown.map((c) => `"${c}"`).join(', ')} (the app has ${known.join(', ')})`);
    }
    const names = components?.length ? [...new Set(components)] : known;
    // A restart asked for while one runs follows it: each replaces the instances running when it starts.
    const previous = this.running.get(app.id) ?? Promise.resolve();
    const run = ctx.track(previous.then(() => this.rolling(app, dep, rt, names)));
    this.running.set(app.id, run);
    void run.finally(() => {
      if (this.running.get(app.id) === run) this.running.delete(app.id);
    });
    return dep;
  }

  private async rolling(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, names: readonly string[]): Promise<void> {
    const { ctx } = this;
    for (const inst of names.flatMap((name) => replicasOf(rt, name))) {
      if (ctx.closing || rt.retired) return;
      const { name } = inst;
      const log = (line: string): void => ctx.logs.append(dep.id, 'DEPLOY', name, line);
      if (inst.sim) {
        log('restart requested: a simulated component has no process to restart');
        continue;
      }
      const before = instanceName(dep, inst);
      log(`restarting ${before} (rolling: a new instance starts and passes its health check before the old one stops)`);
      try {
        await this.instances.replace(app, dep, rt, inst, async () => {
          const ingress = ctx.ingresses.get(app.id);
          if (!ingress || inst.kind !== 'service') return;
          const previous = ingress.switchTo({ deploymentId: dep.id, routes: routesOf(dep.spec), ports: servicePorts(rt), inflight: 0 });
          if (previous) await ingress.drain(previous, terminationOf(inst.spec).drainSeconds * 1000);
        });
        log(`restarted: ${before} → ${instanceName(dep, inst)}`);
      } catch (err) {
        log(`restart of ${before} failed, it keeps running: ${(err as Error).message}`);
      }
    }
  }
}
