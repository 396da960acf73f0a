import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PlatformContext } from './context';
import type { Builder } from './deploy/build';
import { abandonSteps } from './deploy/progress';
import { restoreDeployment } from './deploy/restore';
import { PLATFORM_RESTARTED } from './deploy/stepFailure';
import { Ingress } from './ingress/ingress';
import { stopInstances, type Instances } from './runtime/instances';
import { choosePython, writeShims } from './runtime/shims';
import { firstComponentName } from './spec/appSpec';
import { DataDirLock } from './state/dataDirLock';
import { isInFlight } from './state/model';
import { settleWithin } from './util/abort';

/** Start and stop of the platform: state loaded, leftovers of a crash cleaned up, active deployments run again. */
export class Lifecycle {
  /** Resolves when the deployments that were ACTIVE before a restart run again. */
  restored: Promise<void> = Promise.resolve();
  private readonly lock: DataDirLock;
  private readonly onHostExit = (): void => this.ctx.supervisor.signalAllNow();

  constructor(private readonly ctx: PlatformContext, private readonly rooms: { builder: Builder; instances: Instances }) {
    this.lock = new DataDirLock(ctx.dir);
  }

  /** Loads state, cleans up after a crash, marks interrupted deployments and opens every app's stable URL. */
  async init(): Promise<void> {
    const { ctx } = this;
    await fs.mkdir(ctx.dir.run, { recursive: true });
    await this.lock.take();
    process.once('exit', this.onHostExit);
    ctx.meta = await ctx.store.init();
    const leftovers = await ctx.supervisor.cleanupLeftovers();
    if (leftovers.length > 0) ctx.log(`stopped ${leftovers.length} process(es) left over by a previous run: ${leftovers.join(', ')}`);
    ctx.python = await choosePython(ctx.options.python, ctx.dir.shims);
    ctx.shimDir = await writeShims(ctx.dir.shims, ctx.python);
    // Build folders of deployments that no longer run are stale after a crash; the active ones are reused.
    const apps = await ctx.store.loadApps();
    for (const f of ctx.store.setAside) ctx.log(`state file ${f.file} is corrupt (${f.reason}): moved to ${f.movedTo}, left out`);
    const keep = new Set(apps.map((a) => a.activeDeploymentId).filter((v): v is string => !!v));
    for (const name of await fs.readdir(ctx.dir.builds).catch(() => [] as string[])) {
      if (!keep.has(name)) await fs.rm(path.join(ctx.dir.builds, name), { recursive: true, force: true });
    }
    for (const app of apps) {
      // Restart semantics: deployments that were in flight are not resumed; they end as ERROR (PlatformRestarted).
      for (const dep of app.deployments) {
        if (isInFlight(dep.phase)) {
          abandonSteps(dep.steps, PLATFORM_RESTARTED);
          ctx.setPhase(app, dep, 'ERROR');
          ctx.logs.append(dep.id, 'DEPLOY', firstComponentName(dep.spec, app.spec.name), PLATFORM_RESTARTED.message);
        }
      }
      ctx.apps.set(app.id, app);
      const ingress = new Ingress(app.spec.name);
      ctx.ingresses.set(app.id, ingress);
      const port = await ingress.listen(app.ingressPort);
      if (port !== app.ingressPort) {
        ctx.log(`app ${app.spec.name}: port ${app.ingressPort} is taken, its live URL moved to ${ingress.url}`);
        app.ingressPort = port;
      }
      void ctx.persist(app);
    }
  }

  /** Starts the deployments that were ACTIVE before the platform stopped (in the background; see `restored`). */
  restoreActive(): void {
    const tasks: Array<Promise<void>> = [];
    for (const app of this.ctx.apps.values()) {
      const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
      if (dep) tasks.push(restoreDeployment(this.ctx, this.rooms, app, dep));
    }
    this.restored = Promise.all(tasks).then(() => undefined);
  }

  /** Stops everything the platform started: pipelines, processes, ingresses. State stays on disk. */
  async shutdown(): Promise<void> {
    const { ctx } = this;
    if (ctx.closing) return;
    ctx.closing = true;
    process.off('exit', this.onHostExit);
    const grace = (ctx.options.shutdownGraceSeconds ?? 5) * 1000;
    const runtimes = [...ctx.runtimes.values()];
    for (const rt of runtimes) {
      rt.abortReason ??= 'shutdown';
      rt.abort.abort();
    }
    await settleWithin(Promise.all(runtimes.map((rt) => rt.done).concat(this.restored)), grace + 5000);
    await Promise.all([...ctx.runtimes.values()].map((rt) => stopInstances(rt, grace)));
    await ctx.supervisor.stopAll(grace);
    await Promise.all([...ctx.ingresses.values()].map((i) => i.close().catch(() => undefined)));
    await ctx.settleBackground(2000);
    for (const app of ctx.apps.values()) void ctx.persist(app);
    await ctx.store.flush();
    await ctx.logs.flush();
    await this.lock.release();
  }
}
