import type { PlatformContext } from '../context';
import { DeploymentRuntime } from '../runtime/deploymentRuntime';
import { stopInstances, type Instances } from '../runtime/instances';
import { componentsOf, firstComponentName } from '../spec/appSpec';
import type { AppRecord, DeploymentRecord, Phase } from '../state/model';
import { isAborted, settleWithin, sleep, throwIfAborted } from '../util/abort';
import type { AlertNotifier } from '../operations/alerts';
import type { BlueGreen } from './blueGreen';
import { removeBuildDir, type Builder } from './build';
import { abandonSteps, finishStep, startStep, type StepPath } from './progress';
import { CANCELED, PLATFORM_STOPPED, reasonOf, StepFailure } from './stepFailure';

/**
 * Runs an app's deployments one at a time, oldest first, through their phases:
 * PENDING_BUILD → BUILDING → PENDING_DEPLOY → DEPLOYING → ACTIVE, or ERROR / CANCELED.
 */
export class DeploymentRunner {
  constructor(
    private readonly ctx: PlatformContext,
    private readonly rooms: { builder: Builder; instances: Instances; blueGreen: BlueGreen; alerts?: AlertNotifier },
  ) {}

  /** Runs the oldest queued deployment of an app when none runs. */
  kick(app: AppRecord): void {
    const { ctx } = this;
    if (ctx.closing || ctx.running.has(app.id) || !ctx.apps.has(app.id)) return;
    const next = app.deployments.find((d) => d.phase === 'PENDING_BUILD');
    if (!next) return;
    const rt = new DeploymentRuntime(next.id, app.id, ctx.dir.buildDir(next.id));
    ctx.runtimes.set(next.id, rt);
    ctx.running.set(app.id, next.id);
    rt.done = this.run(app, next, rt)
      .catch((err) => ctx.log(`deployment ${next.id}: ${(err as Error).stack ?? err}`))
      .finally(() => {
        ctx.running.delete(app.id);
        this.kick(app);
      });
  }

  /** Stops the deployment that runs now: it ends as CANCELED. */
  async cancelRunning(app: AppRecord, dep: DeploymentRecord): Promise<boolean> {
    const rt = this.ctx.runtimes.get(dep.id);
    if (!rt || this.ctx.running.get(app.id) !== dep.id) return false;
    rt.abortReason ??= 'canceled';
    rt.abort.abort();
    await settleWithin(rt.done, 15_000);
    return true;
  }

  /** One step of the progress tree: RUNNING, then SUCCESS or ERROR (with the reason), saved lazily. */
  private async step(
    app: AppRecord,
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    path: StepPath,
    fn: () => Promise<void>,
  ): Promise<void> {
    throwIfAborted(rt.abort.signal);
    startStep(dep.steps, path);
    this.ctx.touch(app, dep);
    try {
      await fn();
      throwIfAborted(rt.abort.signal);
    } catch (err) {
      if (!isAborted(err) && !rt.abort.signal.aborted) {
        finishStep(dep.steps, path, reasonOf(err));
        this.ctx.touch(app, dep);
      }
      throw err;
    }
    finishStep(dep.steps, path);
    this.ctx.touch(app, dep);
  }

  private async run(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime): Promise<void> {
    const { ctx } = this;
    ctx.logs.begin(dep.id, 'BUILD');
    ctx.logs.begin(dep.id, 'DEPLOY');
    dep.simulated = ctx.faults.simulate || undefined;
    try {
      await this.build(app, dep, rt);
      ctx.logs.end(dep.id, 'BUILD');
      ctx.setPhase(app, dep, 'PENDING_DEPLOY');
      throwIfAborted(rt.abort.signal);
      await this.deploy(app, dep, rt);
      ctx.setPhase(app, dep, 'ACTIVE');
      ctx.logs.append(dep.id, 'DEPLOY', firstComponentName(dep.spec, app.spec.name), `deployment is live at ${ctx.liveUrl(app)}`);
      this.rooms.alerts?.fire(app, { rule: 'DEPLOYMENT_LIVE', text: `deployment is live (cause: ${dep.cause})`, deploymentId: dep.id });
    } catch (err) {
      await this.fail(app, dep, rt, err);
    } finally {
      ctx.logs.end(dep.id, 'BUILD');
      ctx.logs.end(dep.id, 'DEPLOY');
    }
  }

  /** BUILDING: every component checked out and built. */
  private async build(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime): Promise<void> {
    const { ctx } = this;
    const components = componentsOf(dep.spec);
    ctx.setPhase(app, dep, 'BUILDING');
    await this.step(app, dep, rt, ['build', 'initialize'], async () => {
      for (const c of components) {
        const line = `starting build of ${c.kind} ${c.spec.name} (deployment ${dep.id}, cause: ${dep.cause})`;
        ctx.logs.append(dep.id, 'BUILD', c.spec.name, line);
      }
      await sleep(ctx.faults.buildMs, rt.abort.signal);
    });
    for (const c of components) {
      await this.step(app, dep, rt, ['build', 'components', c.spec.name], async () => {
        await this.rooms.builder.build(dep, rt, c, dep.pinnedCommits?.[c.spec.name]);
        if (ctx.faults.takeBuildFailure()) {
          ctx.logs.append(dep.id, 'BUILD', c.spec.name, 'build command failed (fault injection)');
          const message = 'Your build job failed because it returned a non-zero exit code (fault injection).';
          throw new StepFailure('BuildJobExitNonZero', message);
        }
      });
    }
  }

  /** DEPLOYING: every component started and healthy, then traffic switched to them. */
  private async deploy(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime): Promise<void> {
    const { ctx } = this;
    const { instances } = this.rooms;
    const components = componentsOf(dep.spec);
    ctx.setPhase(app, dep, 'DEPLOYING');
    await this.step(app, dep, rt, ['deploy', 'initialize'], async () => {
      const line = `deploying ${components.map((c) => c.spec.name).join(', ')}`;
      ctx.logs.append(dep.id, 'DEPLOY', firstComponentName(dep.spec, app.spec.name), line);
      await sleep(ctx.faults.deployMs, rt.abort.signal);
    });
    const failHealth = ctx.faults.takeHealthFailure();
    for (const c of components) {
      await this.step(app, dep, rt, ['deploy', 'components', c.spec.name, 'deploy'], async () => {
        for (const inst of await instances.start(app, dep, rt, c)) inst.unhealthy = failHealth;
      });
    }
    const waits = await Promise.allSettled(
      components.map((c) =>
        this.step(app, dep, rt, ['deploy', 'components', c.spec.name, 'wait'], () =>
          instances.waitAllReady(dep, rt, c.spec.name, failHealth),
        ),
      ),
    );
    const failed = waits.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
    await this.step(app, dep, rt, ['deploy', 'finalize'], async () => this.rooms.blueGreen.promote(app, dep, rt));
  }

  /** ERROR (or CANCELED): the steps left end, the logs say why, its processes stop; traffic was never touched. */
  private async fail(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, err: unknown): Promise<void> {
    const { ctx } = this;
    const aborted = rt.abort.signal.aborted;
    const reason = !aborted ? reasonOf(err) : rt.abortReason === 'canceled' ? CANCELED : PLATFORM_STOPPED;
    const phase: Phase = aborted && rt.abortReason === 'canceled' ? 'CANCELED' : 'ERROR';
    const ended = phase === 'CANCELED' ? 'canceled' : 'failed';
    const inBuild = dep.phase === 'BUILDING' || dep.phase === 'PENDING_BUILD';
    abandonSteps(dep.steps, reason);
    const component = firstComponentName(dep.spec, app.spec.name);
    if (inBuild) ctx.logs.append(dep.id, 'BUILD', component, `build ${ended}: ${reason.message}`);
    ctx.logs.append(dep.id, 'DEPLOY', component, `deployment ${ended} (${reason.code}): ${reason.message}`);
    if (rt.abortReason !== 'deleted') ctx.setPhase(app, dep, phase);
    if (!aborted) ctx.log(`deployment ${dep.id} of ${app.spec.name} failed: ${reason.code}: ${reason.message}`);
    if (phase === 'ERROR' && !aborted) {
      this.rooms.alerts?.fire(app, { rule: 'DEPLOYMENT_FAILED', text: `${reason.code}: ${reason.message}`, deploymentId: dep.id });
    }
    rt.retired = true;
    await stopInstances(rt, 2000);
    ctx.logs.end(dep.id, 'RUN');
    ctx.runtimes.delete(dep.id);
    await removeBuildDir(dep, rt);
  }
}
