import * as path from 'node:path';
import { instanceSize } from '../catalog/catalog';
import type { PlatformContext } from '../context';
import { StepFailure } from '../deploy/stepFailure';
import { componentsOf, envOf, healthCheckOf, terminationOf, type Component } from '../spec/appSpec';
import { openSecret } from '../spec/secretValues';
import type { AppRecord, DeploymentRecord } from '../state/model';
import { sleep, throwIfAborted } from '../util/abort';
import {
  componentNames, describeExit, instanceKey, isRunning, replicasOf, type ComponentInstance, type DeploymentRuntime,
} from './deploymentRuntime';
import { skillEnv } from './environment';
import { probe, waitHealthy } from './healthCheck';
import { exposedListeners, freePort } from './ports';
import type { ExitInfo, ManagedProcess } from './processes';
import { startSimulatedComponent } from './simulated';
import { processState, round2, UsageMeter } from './usage';
import type { AlertNotifier } from '../operations/alerts';

/** One running instance, as `GET /v2/apps/{id}/instances` lists it. */
export interface InstanceView {
  component_name: string;
  component_type: 'SERVICE' | 'WORKER';
  instance_name: string;
  instance_alias: string;
}

/** A deployment's running components: started, restarted after a crash, waited for until healthy, stopped. */
export class Instances {
  private readonly usage = new UsageMeter();

  constructor(private readonly ctx: PlatformContext, private readonly alerts?: AlertNotifier) {}

  /** Starts the component's replicas (`instance_count`, else autoscaling's minimum; at most MAX_LOCAL_REPLICAS). */
  async start(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, c: Component): Promise<ComponentInstance[]> {
    const wanted = desiredReplicas(c);
    const count = Math.min(wanted, MAX_LOCAL_REPLICAS);
    if (count < wanted) {
      this.ctx.logs.append(dep.id, 'DEPLOY', c.spec.name, `${wanted} instances asked for: ${count} run locally`);
    }
    const out: ComponentInstance[] = [];
    for (let replica = 0; replica < count; replica++) out.push(await this.startReplica(app, dep, rt, c, replica));
    return out;
  }

  private async startReplica(
    app: AppRecord,
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    c: Component,
    replica: number,
  ): Promise<ComponentInstance> {
    const inst: ComponentInstance = {
      name: c.spec.name,
      replica,
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
    rt.instances.set(instanceKey(inst.name, replica), inst);
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

  /** Where a component's run_command runs and with what environment: its process, and a console in it, see the same. */
  runContext(
    app: AppRecord,
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    inst: ComponentInstance,
  ): { cwd: string; env: Record<string, string> } {
    const { ctx } = this;
    const cwd = path.resolve(rt.buildDir, inst.name, inst.spec.source_dir ?? '.');
    // An allow-list (runtime/environment.ts): the spec's envs, PORT, HOST, PATH, home and locale; no platform credentials.
    const env = skillEnv({
      parent: process.env,
      shimDir: ctx.shimDir,
      specEnvs: envOf(dep.spec, inst.spec, 'RUN', {
        secrets: ctx.options.secrets, appUrl: ctx.liveUrl(app), openSecret: (v) => openSecret(v, ctx.meta.logSecret),
      }),
      platform: { PORT: String(inst.port), HOST: '127.0.0.1' },
    });
    return { cwd, env };
  }

  private spawn(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance): void {
    const { ctx } = this;
    const { cwd: srcDir, env } = this.runContext(app, dep, rt, inst);
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
    if (inst.proc !== proc || inst.stopping || inst.replacing || rt.retired || ctx.closing) return;
    const how = describeExit(info);
    ctx.logs.append(dep.id, 'RUN', inst.name, `process exited (${how})`);
    if (dep.phase !== 'ACTIVE') return;
    ctx.logs.append(dep.id, 'RUN_RESTARTED', inst.name, [...inst.recent, `process exited (${how}); restarting`].join('\n'));
    inst.recent = [];
    inst.restarts++;
    this.alerts?.restarted(app, inst.name, dep.id);
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(inst.restarts - 1, 5));
    const timer = setTimeout(() => {
      if (!inst.stopping && !rt.retired && !ctx.closing && dep.phase === 'ACTIVE' && ctx.apps.has(app.id)) this.spawn(app, dep, rt, inst);
    }, delay);
    timer.unref();
  }

  /** Until every replica of the component is healthy (see waitReady); throws the first StepFailure. */
  async waitAllReady(dep: DeploymentRecord, rt: DeploymentRuntime, component: string, forceFail: boolean): Promise<void> {
    const waits = await Promise.allSettled(replicasOf(rt, component).map((inst) => this.waitReady(dep, rt, inst, forceFail)));
    const failed = waits.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed) throw failed.reason;
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

  /**
   * Rolling restart of one instance: a new process on a new port, healthy before anything else changes; then
   * `switchTraffic` moves the ingress to it and the old process stops. If the new one fails, it stops and the old one
   * keeps serving (the error is thrown). Crash restarts stay off while it runs.
   */
  async replace(
    app: AppRecord,
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    inst: ComponentInstance,
    switchTraffic: () => Promise<void>,
  ): Promise<void> {
    const old = { proc: inst.proc, port: inst.port };
    if (!old.proc) throw new StepFailure('RestartNotPossible', `${inst.name} has no process to restart`);
    inst.replacing = true;
    inst.previous = old.proc;
    try {
      inst.port = await freePort();
      this.spawn(app, dep, rt, inst);
      try {
        await this.waitReady(dep, rt, inst, false);
      } catch (err) {
        const failed = inst.proc;
        inst.proc = old.proc;
        inst.port = old.port;
        await failed?.stop(2000);
        throw err;
      }
      await switchTraffic();
      this.usage.forget(old.proc.pid);
      await old.proc.stop(terminationOf(inst.spec).gracePeriodSeconds * 1000);
    } finally {
      inst.replacing = false;
      inst.previous = undefined;
    }
  }

  /** The active deployment's running instances: one per replica, named after its process (which a restart changes). */
  async list(app: AppRecord): Promise<InstanceView[]> {
    const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
    const rt = dep ? this.ctx.runtimes.get(dep.id) : undefined;
    if (!dep || !rt) return [];
    const out: InstanceView[] = [];
    for (const name of componentNames(rt)) {
      const replicas = replicasOf(rt, name);
      for (const inst of replicas) {
        // During a rolling restart the old process keeps its alias until it stops; the new one is a surge instance
        // with the next free one.
        const procs = [inst.previous, inst.proc].filter((p): p is ManagedProcess => !!p && p.exitInfo === undefined);
        const pids: Array<number | undefined> = inst.sim ? [undefined] : procs.map((p) => p.pid);
        for (const [i, pid] of pids.entries()) {
          const state = pid === undefined ? 'S' : await processState(pid);
          if (!state || state === 'Z') continue;
          out.push({
            component_name: name,
            component_type: inst.kind === 'worker' ? 'WORKER' : 'SERVICE',
            instance_name: nameOf(dep, name, pid ?? inst.port),
            instance_alias: `${name}-${i === 0 ? inst.replica : replicas.length}`,
          });
        }
      }
    }
    return out;
  }

  /** The health of the active deployment's components, as `GET /v2/apps/{id}/health` answers it. */
  async appHealth(app: AppRecord): Promise<Array<Record<string, unknown>>> {
    const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
    const rt = dep ? this.ctx.runtimes.get(dep.id) : undefined;
    return Promise.all(
      componentsOf(dep?.spec ?? app.spec).map(async (c) => {
        const replicas = rt ? replicasOf(rt, c.spec.name) : [];
        const desired = Math.min(desiredReplicas(c), MAX_LOCAL_REPLICAS);
        if (!dep || !replicas.length) {
          return { name: c.spec.name, state: dep ? 'UNHEALTHY' : 'UNKNOWN', replicas_desired: desired, replicas_ready: 0 };
        }
        const hc = healthCheckOf(c.spec);
        const probeMs = Math.min(hc.timeoutSeconds * 1000, 2000);
        // Percent of the instance size's vCPUs and memory, as App Platform reports them: the replicas' average.
        const size = instanceSize(c.spec.instance_size_slug);
        const limit = Number(size?.memory_bytes ?? 0);
        const each = await Promise.all(replicas.map(async (inst) => {
          const running = isRunning(inst);
          const healthy = running && (c.kind === 'worker' || (await probe(inst.port, hc.httpPath, probeMs)).ok);
          const used = inst.proc && running ? await this.usage.usage(inst.proc.pid, Number(size?.cpus ?? 1)) : undefined;
          return { healthy, used };
        }));
        const ready = each.filter((e) => e.healthy).length;
        const out: Record<string, unknown> = {
          name: c.spec.name,
          state: ready > 0 && ready >= desired ? 'HEALTHY' : 'UNHEALTHY',
          replicas_desired: desired,
          replicas_ready: ready,
        };
        const used = each.flatMap((e) => (e.used ? [e.used] : []));
        if (used.length) out.cpu_usage_percent = round2(used.reduce((n, u) => n + u.cpuPercent, 0) / used.length);
        const rss = used.reduce((n, u) => n + u.rssBytes, 0) / Math.max(used.length, 1);
        if (used.length && limit > 0) out.memory_usage_percent = round2((rss / limit) * 100);
        return out;
      }),
    );
  }
}

/** More replicas than this of one component would only load the developer's machine: the rest are not started. */
const MAX_LOCAL_REPLICAS = 10;

/** What the spec asks for: `instance_count`, else autoscaling's minimum, else 1. */
function desiredReplicas(c: Component): number {
  const auto = c.spec.autoscaling as { min_instance_count?: unknown } | undefined;
  const n = c.spec.instance_count ?? (typeof auto?.min_instance_count === 'number' ? auto.min_instance_count : 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** An instance's name: component, deployment and process, like App Platform's `<component>-<replica set>-<pod>`. */
export function instanceName(dep: DeploymentRecord, inst: ComponentInstance): string {
  return nameOf(dep, inst.name, inst.proc?.pid ?? inst.port);
}

function nameOf(dep: DeploymentRecord, component: string, pid: number): string {
  return `${component}-${dep.id.replace(/-/g, '').slice(0, 10)}-${pid}`;
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
