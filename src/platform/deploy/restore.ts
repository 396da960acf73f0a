import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PlatformContext } from '../context';
import { DeploymentRuntime, servicePorts } from '../runtime/deploymentRuntime';
import type { Instances } from '../runtime/instances';
import { componentsOf, firstComponentName } from '../spec/appSpec';
import { routesOf } from '../spec/routes';
import type { AppRecord, DeploymentRecord } from '../state/model';
import type { Builder } from './build';
import { reasonOf } from './stepFailure';

/** After a restart of the platform: the deployment that was ACTIVE runs again (new processes, same stable URL). */
export async function restoreDeployment(
  ctx: PlatformContext,
  rooms: { builder: Builder; instances: Instances },
  app: AppRecord,
  dep: DeploymentRecord,
): Promise<void> {
  const ingress = ctx.ingresses.get(app.id);
  if (!ingress) return;
  ingress.hold();
  const rt = new DeploymentRuntime(dep.id, app.id, ctx.dir.buildDir(dep.id));
  ctx.runtimes.set(dep.id, rt);
  const components = componentsOf(dep.spec);
  const first = firstComponentName(dep.spec, app.spec.name);
  ctx.logs.append(dep.id, 'DEPLOY', first, 'the local App Platform restarted: starting this active deployment again');
  try {
    if (!dep.simulated) {
      for (const c of components) {
        const dir = path.join(rt.buildDir, c.spec.name);
        if (!(await fs.stat(dir).then(() => true, () => false))) {
          ctx.logs.append(dep.id, 'DEPLOY', c.spec.name, `build folder missing: checking out commit ${dep.commits[c.spec.name]} again`);
          await rooms.builder.build(dep, rt, c, dep.commits[c.spec.name]);
        }
      }
    }
    for (const c of components) await rooms.instances.start(app, dep, rt, c);
    const waits = await Promise.allSettled(
      components.map((c) => rooms.instances.waitAllReady(dep, rt, c.spec.name, false)),
    );
    const failed = waits.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) {
      ctx.logs.append(dep.id, 'DEPLOY', first, `after the restart a component is not healthy: ${reasonOf(failed.reason).message}`);
    }
  } catch (err) {
    ctx.logs.append(dep.id, 'DEPLOY', first, `could not start the active deployment again: ${reasonOf(err).message}`);
    ctx.log(`app ${app.spec.name}: could not restore deployment ${dep.id}: ${reasonOf(err).message}`);
  }
  if (ctx.closing) return;
  const ports = servicePorts(rt);
  if (ports.size > 0) ingress.switchTo({ deploymentId: dep.id, routes: routesOf(dep.spec), ports, inflight: 0 });
  else ingress.release();
}
