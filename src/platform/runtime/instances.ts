import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { instanceSize } from '../catalog/catalog';
import type { PlatformContext } from '../context';
import { StepFailure } from '../deploy/stepFailure';
import { componentsOf, envOf, healthCheckOf, type Component } from '../spec/appSpec';
import type { AppRecord, DeploymentRecord } from '../state/model';
import { sleep, throwIfAborted } from '../util/abort';
import { describeExit, isRunning, type ComponentInstance, type DeploymentRuntime } from './deploymentRuntime';
import { skillEnv } from './environment';
import { probe, waitHealthy } from './healthCheck';
import { exposedListeners, freePort } from './ports';
import type { ExitInfo, ManagedProcess } from './processes';
import { startSimulatedComponent } from './simulated';

/** A deployment's running components: started, restarted after a crash, waited for until healthy, stopped. */
export class Instances {
  constructor(private readonly ctx: PlatformContext) {}

  async start(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, c: Component): Promise<ComponentInstance> {
    const inst: ComponentInstance = {
      name: c.spec.name,
      kind: c.kind,
      spec: c.spec,
      // A simulated component listens on a port of its own choosing (below).
      port: dep.simulated ? 0 : await freePort(),
      unhealthy: false,
      stopping: false,
      restarts: 0,
      recent: [],
    };
    throwIfAborted(rt.abort.signal);
    rt.instances.set(inst.name, inst);
    this.ctx.logs.begin(dep.id, 'RUN');
    if (dep.simulated) {
      inst.sim = await startSimulatedComponent({
        component: inst.name,
        deploymentId: dep.id,
        commit: dep.commits[inst.name],
        healthPath: c.spec.health_check?.http_path,
        unhealthy: () => inst.unhealthy,
      });
      inst.port = inst.sim.port;
      this.ctx.logs.append(dep.id, 'DEPLOY', inst.name, `started simulated ${inst.kind} on port ${inst.port} (no real processes)`);
      return inst;
    }
    this.spawn(app, dep, rt, inst);
    return inst;
  }

  private spawn(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance): void {
    const { ctx } = this;
    const srcDir = path.resolve(rt.buildDir, inst.name, inst.spec.source_dir ?? '.');
    // An allow-list (runtime/environment.ts): the spec's envs, PORT, HOST, PATH, home and locale; no platform credentials.
    const env = skillEnv({
      parent: process.env,
      shimDir: ctx.shimDir,
      specEnvs: envOf(dep.spec, inst.spec, 'RUN', { secrets: ctx.options.secrets, appUrl: ctx.liveUrl(app) }),
      platform: { PORT: String(inst.port), HOST: '127.0.0.1' },
    });
    const command = inst.spec.run_command ?? '';
    ctx.logs.append(dep.id, 'DEPLOY', inst.name, `starting ${inst.kind} ${inst.name}: ${command} (PORT=${inst.port}, HOST=127.0.0.1)`);
    const proc = ctx.supervisor.spawn({
      command,
      cwd: srcDir,
      env,
      owner: `${dep.id}/${inst.name}/run`,
      onLine: (_s, line) => {
        ctx.logs.append(dep.id, 'RUN', inst.name, line);
        inst.recent.push(line);
        if (inst.recent.length > 500) inst.recent.shift();
      },
    });
    inst.proc = proc;
    void proc.exited.then((info) => this.onExit(app, dep, rt, inst, proc, info));
    if (inst.kind === 'service') this.warnWhenExposed(dep, rt, inst, proc);
  }

  /** run_command binds wherever it likes: say so when the component is reachable from other hosts. */
  private warnWhenExposed(dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance, proc: ManagedProcess): void {
    void exposedListeners(inst.port, () => proc.exitInfo === undefined && !rt.retired && !this.ctx.closing).then((exposed) => {
      for (const l of exposed ?? []) {
        const address = l.address.includes(':') ? `[${l.address}]` : l.address;
        const line = `warning: ${inst.name} listens on ${address}:${l.port}, which other hosts can reach; `
          + 'a skill must bind $HOST (127.0.0.1), e.g. uvicorn … --host "$HOST"';
        this.ctx.logs.append(dep.id, 'DEPLOY', inst.name, line);
      }
    });
  }

  /** A component exited on its own. While ACTIVE it is restarted (App Platform restarts crashed containers). */
  private onExit(
    app: AppRecord,
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    inst: ComponentInstance,
    proc: ManagedProcess,
    info: ExitInfo,
  ): void {
    const { ctx } = this;
    if (inst.proc !== proc || inst.stopping || rt.retired || ctx.closing) return;
    const how = describeExit(info);
    ctx.logs.append(dep.id, 'RUN', inst.name, `process exited (${how})`);
    if (dep.phase !== 'ACTIVE') return;
    ctx.logs.append(dep.id, 'RUN_RESTARTED', inst.name, [...inst.recent, `process exited (${how}); restarting`].join('\n'));
    inst.recent = [];
    inst.restarts++;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(inst.restarts - 1, 5));
    const timer = setTimeout(() => {
      if (!inst.stopping && !rt.retired && !ctx.closing && dep.phase === 'ACTIVE' && ctx.apps.has(app.id)) this.spawn(app, dep, rt, inst);
    }, delay);
    timer.unref();
  }

  /** Until the component is healthy (a worker: still running a moment after it started); throws a StepFailure. */
  async waitReady(dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance, forceFail: boolean): Promise<void> {
    const log = (line: string): void => this.ctx.logs.append(dep.id, 'DEPLOY', inst.name, line);
    const alive = (): boolean => isRunning(inst);
    if (inst.kind === 'worker') {
      await sleep(Math.min(this.ctx.options.healthChecks?.periodMs ?? 1000, 1000), rt.abort.signal);
      if (!alive()) {
        const message = `Your worker exited right after it started (${describeExit(inst.proc?.exitInfo)}).`;
        throw new StepFailure('DeployContainerExitNonZero', message);
      }
      log('worker is running');
      return;
    }
    await waitHealthy({
      port: inst.port,
      plan: healthCheckOf(inst.spec),
      tuning: this.ctx.options.healthChecks,
      signal: rt.abort.signal,
      alive,
      exitDescription: () => describeExit(inst.proc?.exitInfo),
      forceFail,
      log,
    });
  }

  /** The health of the active deployment's components, as `GET /v2/apps/{id}/health` answers it. */
  async appHealth(app: AppRecord): Promise<Array<Record<string, unknown>>> {
    const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
    const rt = dep ? this.ctx.runtimes.get(dep.id) : undefined;
    return Promise.all(
      componentsOf(dep?.spec ?? app.spec).map(async (c) => {
        const inst = rt?.instances.get(c.spec.name);
        if (!dep || !inst) return { name: c.spec.name, state: dep ? 'UNHEALTHY' : 'UNKNOWN', replicas_desired: 1, replicas_ready: 0 };
        const running = isRunning(inst);
        const hc = healthCheckOf(c.spec);
        const probeMs = Math.min(hc.timeoutSeconds * 1000, 2000);
        const healthy = running && (c.kind === 'worker' || (await probe(inst.port, hc.httpPath, probeMs)).ok);
        const out: Record<string, unknown> = {
          name: c.spec.name, state: healthy ? 'HEALTHY' : 'UNHEALTHY', replicas_desired: 1, replicas_ready: healthy ? 1 : 0,
        };
        const rss = inst.proc && running ? await residentBytes(inst.proc.pid) : undefined;
        const limit = Number(instanceSize(c.spec.instance_size_slug)?.memory_bytes ?? 0);
        if (rss !== undefined && limit > 0) out.memory_usage_percent = Math.round((rss / limit) * 10000) / 100;
        return out;
      }),
    );
  }
}

/** Stops a deployment's components and helpers (git, build commands): SIGTERM, SIGKILL after `graceMs`. */
export async function stopInstances(rt: DeploymentRuntime, graceMs: number): Promise<void> {
  const tasks: Array<Promise<void>> = [];
  for (const inst of rt.instances.values()) {
    inst.stopping = true;
    if (inst.proc) tasks.push(inst.proc.stop(graceMs));
    if (inst.sim) tasks.push(inst.sim.stop().catch(() => undefined));
  }
  for (const helper of rt.helpers) tasks.push(helper.stop(Math.min(graceMs, 2000)));
  await Promise.all(tasks);
}

async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status?.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}
