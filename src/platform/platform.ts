import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { instanceSize, INSTANCE_SIZE_SLUGS, tierOf } from './catalog/catalog';
import { DEFAULT_REVISION_LIMIT, type LocalPlatformOptions } from './config';
import { abandonSteps, finishStep, initialSteps, startStep, type StepPath } from './deploy/progress';
import { validateRollback, type RollbackValidation } from './deploy/rollbackValidation';
import { SourceResolver } from './deploy/sources';
import { reasonOf, StepFailure } from './deploy/stepFailure';
import { FaultInjector } from './faults';
import { Ingress, type IngressTarget } from './ingress/ingress';
import { LogStore, type LogType } from './logs/logStore';
import { probe, waitHealthy } from './runtime/healthCheck';
import { gitEnv, skillEnv } from './runtime/environment';
import { exposedListeners, freePort } from './runtime/ports';
import { ProcessSupervisor, type ExitInfo, type ManagedProcess } from './runtime/processes';
import { choosePython, writeShims } from './runtime/shims';
import { startSimulatedComponent, type SimulatedComponent } from './runtime/simulated';
import {
  checkAppSpec, componentsOf, envOf, healthCheckOf, routesOf, terminationOf,
  type AppSpec, type Component, type ComponentKind, type ComponentSpec,
} from './spec/appSpec';
import { isInFlight, type AlertRecord, type AppRecord, type DeploymentKind, type DeploymentRecord, type Phase, type StepReason } from './state/model';
import { DataDir, StateStore, type PlatformMeta } from './state/store';
import { isAborted, now, settleWithin, sleep, throwIfAborted } from './util/abort';
import { badRequest, conflict, notFound, unprocessable } from './api/errors';
import { appView } from './api/views';

const CANCELED: StepReason = { code: 'DeploymentCanceled', message: 'The deployment was canceled.' };
const PLATFORM_STOPPED: StepReason = { code: 'PlatformStopped', message: 'The local App Platform stopped while this deployment was in progress.' };
const PLATFORM_RESTARTED: StepReason = {
  code: 'PlatformRestarted',
  message: 'The local App Platform restarted while this deployment was in progress; create a new deployment.',
};

/** A running component: a process group (or a simulated server) on a port of 127.0.0.1. */
interface ComponentInstance {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly spec: ComponentSpec;
  port: number;
  proc?: ManagedProcess;
  sim?: SimulatedComponent;
  unhealthy: boolean;
  stopping: boolean;
  restarts: number;
  /** The last lines it printed: what RUN_RESTARTED shows after a crash. */
  recent: string[];
}

/** What a deployment holds while it builds, runs or drains. Not persisted. */
class DeploymentRuntime {
  readonly abort = new AbortController();
  abortReason: 'canceled' | 'deleted' | 'shutdown' | undefined;
  readonly instances = new Map<string, ComponentInstance>();
  readonly helpers = new Set<ManagedProcess>();
  done: Promise<void> = Promise.resolve();
  /** No longer serving (superseded, failed, deleted): crashes are not restarted. */
  retired = false;

  constructor(readonly deploymentId: string, readonly appId: string, readonly buildDir: string) {}
}

/** Data folders used by platforms of this process (the lock file guards against other processes). */
const DATA_DIRS_IN_USE = new Set<string>();

function procStartTime(pid: number): Promise<string | undefined> {
  return fs.readFile(`/proc/${pid}/stat`, 'utf8').then(
    (t) => t.slice(t.lastIndexOf(')') + 2).split(' ')[19],
    () => undefined,
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeExit(info: ExitInfo | undefined): string {
  if (!info) return 'still running';
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}

function gitRevParse(dir: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
  );
}

/**
 * The local App Platform: apps, deployments and their pipeline (build → deploy → health → blue-green switch → drain),
 * rollbacks, logs and persistence. The HTTP API (`api/server.ts`) is a thin layer over it.
 */
export class LocalAppPlatform {
  readonly faults: FaultInjector;
  readonly dir: DataDir;
  readonly logs: LogStore;
  private readonly store: StateStore;
  private readonly supervisor: ProcessSupervisor;
  private readonly sources: SourceResolver;
  private meta!: PlatformMeta;
  private shimDir = '';
  python = '';
  private readonly apps = new Map<string, AppRecord>();
  private readonly ingresses = new Map<string, Ingress>();
  private readonly runtimes = new Map<string, DeploymentRuntime>();
  /** appId → the deployment whose pipeline runs now. */
  private readonly running = new Map<string, string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly views = new WeakMap<AppRecord, string>();
  private closing = false;
  private lockTaken = false;
  private readonly onHostExit = (): void => this.supervisor.signalAllNow();
  /** Base URL of the API, for log URLs and pagination links. Set once the server listens. */
  apiBase = '';
  /** Resolves when the deployments that were ACTIVE before a restart run again. */
  restored: Promise<void> = Promise.resolve();
  /** PIDs of leftovers from a previous run that `init` stopped. */
  leftoversStopped: number[] = [];

  constructor(readonly options: LocalPlatformOptions) {
    this.dir = new DataDir(path.resolve(options.dataDir));
    this.store = new StateStore(this.dir);
    this.logs = new LogStore(this.dir);
    this.supervisor = new ProcessSupervisor(this.dir);
    this.faults = new FaultInjector(options.faults ?? {});
    this.sources = new SourceResolver(options.repos ?? {}, path.resolve(options.workspace ?? process.cwd()));
  }

  get logSecret(): string {
    return this.meta.logSecret;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private get revisionLimit(): number {
    return this.options.revisionLimit ?? DEFAULT_REVISION_LIMIT;
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Loads state, cleans up after a crash, marks interrupted deployments and opens every app's stable URL. */
  async init(): Promise<void> {
    await fs.mkdir(this.dir.run, { recursive: true });
    await this.takeLock();
    process.once('exit', this.onHostExit);
    this.meta = await this.store.init();
    this.leftoversStopped = await this.supervisor.cleanupLeftovers();
    if (this.leftoversStopped.length > 0) this.log(`stopped ${this.leftoversStopped.length} process(es) left over by a previous run: ${this.leftoversStopped.join(', ')}`);
    this.python = await choosePython(this.options.python, this.dir.shims);
    this.shimDir = await writeShims(this.dir.shims, this.python);
    // Build folders of deployments that no longer run are stale after a crash; the active ones are reused.
    const apps = await this.store.loadApps();
    for (const f of this.store.setAside) this.log(`state file ${f.file} is corrupt (${f.reason}): moved to ${f.movedTo}, left out`);
    const keep = new Set(apps.map((a) => a.activeDeploymentId).filter((v): v is string => !!v));
    for (const name of await fs.readdir(this.dir.builds).catch(() => [] as string[])) {
      if (!keep.has(name)) await fs.rm(path.join(this.dir.builds, name), { recursive: true, force: true });
    }
    for (const app of apps) {
      // Restart semantics: deployments that were in flight are not resumed; they end as ERROR (PlatformRestarted).
      for (const dep of app.deployments) {
        if (isInFlight(dep.phase)) {
          abandonSteps(dep.steps, PLATFORM_RESTARTED);
          this.setPhase(app, dep, 'ERROR');
          this.logs.append(dep.id, 'DEPLOY', componentsOf(dep.spec)[0]?.spec.name ?? app.spec.name, PLATFORM_RESTARTED.message);
        }
      }
      this.apps.set(app.id, app);
      const ingress = new Ingress(app.spec.name);
      this.ingresses.set(app.id, ingress);
      const port = await ingress.listen(app.ingressPort);
      if (port !== app.ingressPort) {
        this.log(`app ${app.spec.name}: port ${app.ingressPort} is taken, its live URL moved to ${ingress.url}`);
        app.ingressPort = port;
      }
      void this.persist(app);
    }
  }

  /** Starts the deployments that were ACTIVE before the platform stopped (in the background; see `restored`). */
  restoreActive(): void {
    const tasks: Array<Promise<void>> = [];
    for (const app of this.apps.values()) {
      const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
      if (dep) tasks.push(this.restoreDeployment(app, dep));
    }
    this.restored = Promise.all(tasks).then(() => undefined);
  }

  /** Stops everything the platform started: pipelines, processes, ingresses. State stays on disk. */
  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    process.off('exit', this.onHostExit);
    const grace = (this.options.shutdownGraceSeconds ?? 5) * 1000;
    for (const rt of this.runtimes.values()) {
      rt.abortReason ??= 'shutdown';
      rt.abort.abort();
    }
    await settleWithin(Promise.all([...this.runtimes.values()].map((rt) => rt.done).concat(this.restored)), grace + 5000);
    await Promise.all([...this.runtimes.values()].map((rt) => this.stopRuntime(rt, grace)));
    await this.supervisor.stopAll(grace);
    await Promise.all([...this.ingresses.values()].map((i) => i.close().catch(() => undefined)));
    await settleWithin(Promise.all(this.background), 2000);
    for (const app of this.apps.values()) void this.persist(app);
    await this.store.flush();
    await this.logs.flush();
    if (this.lockTaken) {
      await fs.rm(this.dir.lockFile, { force: true });
      DATA_DIRS_IN_USE.delete(this.dir.root);
    }
  }

  private async takeLock(): Promise<void> {
    if (DATA_DIRS_IN_USE.has(this.dir.root)) throw new Error(`the data folder ${this.dir.root} is in use by another local App Platform (in this process)`);
    const text = await fs.readFile(this.dir.lockFile, 'utf8').catch(() => undefined);
    if (text) {
      const lock = JSON.parse(text) as { pid: number; startTime?: string };
      if (lock.pid !== process.pid && pidAlive(lock.pid) && (await procStartTime(lock.pid)) === lock.startTime) {
        throw new Error(`the data folder ${this.dir.root} is in use by another local App Platform (pid ${lock.pid})`);
      }
    }
    await fs.writeFile(this.dir.lockFile, JSON.stringify({ pid: process.pid, startTime: await procStartTime(process.pid) }));
    this.lockTaken = true;
    DATA_DIRS_IN_USE.add(this.dir.root);
  }

  /** Resolves once the app's current state is on disk: API answers that change state wait for it. */
  saved(app: AppRecord): Promise<void> {
    return this.persist(app);
  }

  /**
   * Every change of an app or of its deployments ends in `persist`, in the same turn of the event loop: that is where
   * its serialised API view is dropped.
   */
  private persist(app: AppRecord, lazy = false): Promise<void> {
    this.views.delete(app);
    if (!this.apps.has(app.id)) return Promise.resolve();
    return this.store.save(app, lazy).catch((err) => this.log(`could not save app ${app.id}: ${(err as Error).message}`));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.background.add(p);
    void p.finally(() => this.background.delete(p)).catch(() => undefined);
    return p;
  }

  // ── queries ──────────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The app as the API shows it (`appView`), serialised. Kept until the app next changes: a client polling the list
   * of 50 apps while few of them move gets most of the answer without building and serialising it again.
   */
  appJson(app: AppRecord): string {
    let json = this.views.get(app);
    if (json === undefined) {
      json = JSON.stringify(appView(app, this));
      this.views.set(app, json);
    }
    return json;
  }

  listApps(): AppRecord[] {
    return [...this.apps.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  getApp(idOrName: string, name?: string): AppRecord {
    const byId = this.apps.get(idOrName);
    if (byId) return byId;
    const wanted = name ?? idOrName;
    const byName = [...this.apps.values()].find((a) => a.spec.name === wanted);
    if (byName) return byName;
    throw notFound();
  }

  getDeployment(app: AppRecord, deploymentId: string): DeploymentRecord {
    const dep = app.deployments.find((d) => d.id === deploymentId);
    if (!dep) throw notFound();
    return dep;
  }

  /** Newest first. */
  listDeployments(app: AppRecord): DeploymentRecord[] {
    return [...app.deployments].reverse();
  }

  liveUrl(app: AppRecord): string {
    return this.ingresses.get(app.id)?.url ?? `http://127.0.0.1:${app.ingressPort}`;
  }

  inProgress(app: AppRecord): DeploymentRecord | undefined {
    const id = this.running.get(app.id);
    return app.deployments.find((d) => d.id === id && isInFlight(d.phase));
  }

  pending(app: AppRecord): DeploymentRecord | undefined {
    const id = this.running.get(app.id);
    return [...app.deployments].reverse().find((d) => d.phase === 'PENDING_BUILD' && d.id !== id);
  }

  // ── apps ─────────────────────────────────────────────────────────────────────────────────────────────────────────

  /** The checks of `propose`, `create` and `update`: 400 for invalid specs, 422 for what only the local platform lacks. */
  checkSpec(spec: unknown): AppSpec {
    if (spec === undefined) throw badRequest('error validating app spec: spec is required');
    const r = checkAppSpec(spec, { instanceSizes: INSTANCE_SIZE_SLUGS });
    if (!r.ok) throw r.unsupported ? unprocessable(r.errors.join('; ')) : badRequest(r.errors.join('; '));
    return r.spec;
  }

  nameAvailable(name: string, exceptAppId?: string): boolean {
    return ![...this.apps.values()].some((a) => a.spec.name === name && a.id !== exceptAppId);
  }

  async createApp(input: unknown): Promise<{ app: AppRecord; deployment: DeploymentRecord }> {
    const spec = structuredClone(this.checkSpec(input));
    if (!this.nameAvailable(spec.name)) throw conflict(`an app named "${spec.name}" already exists`);
    const t = now();
    const ingress = new Ingress(spec.name);
    const port = await ingress.listen(0);
    const app: AppRecord = {
      id: randomUUID(),
      ownerUuid: this.meta.ownerUuid,
      spec,
      createdAt: t,
      updatedAt: t,
      ingressPort: port,
      deployments: [],
      alerts: [],
    };
    this.syncAlerts(app);
    this.apps.set(app.id, app);
    this.ingresses.set(app.id, ingress);
    const deployment = this.newDeployment(app, spec, 'app created', 'deploy');
    return { app, deployment };
  }

  async updateApp(app: AppRecord, input: unknown): Promise<DeploymentRecord> {
    const spec = structuredClone(this.checkSpec(input));
    this.refuseWhilePinned(app);
    if (!this.nameAvailable(spec.name, app.id)) throw conflict(`an app named "${spec.name}" already exists`);
    app.spec = spec;
    app.updatedAt = now();
    this.syncAlerts(app);
    return this.newDeployment(app, spec, 'app spec updated', 'deploy');
  }

  async deleteApp(app: AppRecord): Promise<void> {
    this.apps.delete(app.id);
    const runtimes = app.deployments.map((d) => this.runtimes.get(d.id)).filter((r): r is DeploymentRuntime => !!r);
    for (const rt of runtimes) {
      rt.abortReason ??= 'deleted';
      rt.retired = true;
      rt.abort.abort();
    }
    await settleWithin(Promise.all(runtimes.map((rt) => rt.done)), 15_000);
    await Promise.all(runtimes.map((rt) => this.stopRuntime(rt, 5000)));
    for (const rt of runtimes) this.runtimes.delete(rt.deploymentId);
    await this.ingresses.get(app.id)?.close().catch(() => undefined);
    this.ingresses.delete(app.id);
    await this.store.remove(app.id);
    for (const dep of app.deployments) {
      await this.logs.removeDeployment(dep.id);
      await fs.rm(this.dir.buildDir(dep.id), { recursive: true, force: true });
    }
  }

  private syncAlerts(app: AppRecord): void {
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

  assignAlertDestinations(app: AppRecord, alertId: string, body: { emails?: string[]; slack_webhooks?: Array<{ url?: string; channel?: string }> }): AlertRecord {
    const alert = app.alerts.find((a) => a.id === alertId);
    if (!alert) throw notFound();
    alert.emails = body.emails ?? [];
    alert.slackWebhooks = body.slack_webhooks ?? [];
    void this.persist(app);
    return alert;
  }

  // ── deployments ──────────────────────────────────────────────────────────────────────────────────────────────────

  private refuseWhilePinned(app: AppRecord): void {
    if (app.pinnedDeploymentId) {
      throw conflict(
        `the app is pinned to deployment ${app.pinnedDeploymentId} by a rollback, which prevents new deployments; commit or revert the rollback first`,
      );
    }
  }

  createDeployment(app: AppRecord, forceBuild: boolean): DeploymentRecord {
    this.refuseWhilePinned(app);
    return this.newDeployment(app, app.spec, forceBuild ? 'manual (force build)' : 'manual', 'deploy', { forceBuild });
  }

  private newDeployment(
    app: AppRecord,
    spec: AppSpec,
    cause: string,
    kind: DeploymentKind,
    extra: { clonedFrom?: string; pinnedCommits?: Record<string, string>; forceBuild?: boolean } = {},
  ): DeploymentRecord {
    const t = now();
    const components = componentsOf(spec);
    const dep: DeploymentRecord = {
      id: randomUUID(),
      spec: structuredClone(spec),
      cause,
      kind,
      ...(extra.clonedFrom ? { clonedFrom: extra.clonedFrom } : {}),
      ...(extra.pinnedCommits ? { pinnedCommits: { ...extra.pinnedCommits } } : {}),
      ...(extra.forceBuild ? { forceBuild: true } : {}),
      phase: 'PENDING_BUILD',
      phaseLastUpdatedAt: t,
      createdAt: t,
      updatedAt: t,
      steps: initialSteps(components),
      commits: {},
      tierSlug: tierOf(components.map((c) => c.spec.instance_size_slug)),
    };
    app.deployments.push(dep);
    this.logs.created(dep.id);
    void this.persist(app);
    this.kick(app);
    return dep;
  }

  async cancelDeployment(app: AppRecord, dep: DeploymentRecord): Promise<DeploymentRecord> {
    if (!isInFlight(dep.phase)) throw conflict(`deployment ${dep.id} is ${dep.phase} and cannot be canceled`);
    const rt = this.runtimes.get(dep.id);
    if (rt && this.running.get(app.id) === dep.id) {
      rt.abortReason ??= 'canceled';
      rt.abort.abort();
      await settleWithin(rt.done, 15_000);
    } else {
      abandonSteps(dep.steps, CANCELED);
      this.logs.append(dep.id, 'DEPLOY', componentsOf(dep.spec)[0]?.spec.name ?? app.spec.name, 'deployment canceled before it started');
      this.setPhase(app, dep, 'CANCELED');
    }
    return dep;
  }

  private setPhase(app: AppRecord, dep: DeploymentRecord, phase: Phase): void {
    const t = now();
    dep.phase = phase;
    dep.phaseLastUpdatedAt = t;
    dep.updatedAt = t;
    // A final phase is written at once; a phase on the way there is progress.
    void this.persist(app, isInFlight(phase));
  }

  /** Progress of a step: saved lazily (LAZY_SAVE_MS). */
  private touch(app: AppRecord, dep: DeploymentRecord): void {
    dep.updatedAt = now();
    void this.persist(app, true);
  }

  /** Runs the oldest queued deployment of an app when none runs. */
  private kick(app: AppRecord): void {
    if (this.closing || this.running.has(app.id) || !this.apps.has(app.id)) return;
    const next = app.deployments.find((d) => d.phase === 'PENDING_BUILD');
    if (!next) return;
    const rt = new DeploymentRuntime(next.id, app.id, this.dir.buildDir(next.id));
    this.runtimes.set(next.id, rt);
    this.running.set(app.id, next.id);
    rt.done = this.runDeployment(app, next, rt)
      .catch((err) => this.log(`deployment ${next.id}: ${(err as Error).stack ?? err}`))
      .finally(() => {
        this.running.delete(app.id);
        this.kick(app);
      });
  }

  private async step(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, path: StepPath, fn: () => Promise<void>): Promise<void> {
    throwIfAborted(rt.abort.signal);
    startStep(dep.steps, path);
    this.touch(app, dep);
    try {
      await fn();
      throwIfAborted(rt.abort.signal);
    } catch (err) {
      if (!isAborted(err) && !rt.abort.signal.aborted) {
        finishStep(dep.steps, path, reasonOf(err));
        this.touch(app, dep);
      }
      throw err;
    }
    finishStep(dep.steps, path);
    this.touch(app, dep);
  }

  /** The pipeline: PENDING_BUILD → BUILDING → PENDING_DEPLOY → DEPLOYING → ACTIVE, or ERROR / CANCELED. */
  private async runDeployment(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime): Promise<void> {
    const signal = rt.abort.signal;
    const components = componentsOf(dep.spec);
    const first = components[0]?.spec.name ?? app.spec.name;
    this.logs.begin(dep.id, 'BUILD');
    this.logs.begin(dep.id, 'DEPLOY');
    dep.simulated = this.faults.simulate || undefined;
    try {
      this.setPhase(app, dep, 'BUILDING');
      await this.step(app, dep, rt, ['build', 'initialize'], async () => {
        for (const c of components) this.logs.append(dep.id, 'BUILD', c.spec.name, `starting build of ${c.kind} ${c.spec.name} (deployment ${dep.id}, cause: ${dep.cause})`);
        await sleep(this.faults.buildMs, signal);
      });
      for (const c of components) {
        await this.step(app, dep, rt, ['build', 'components', c.spec.name], async () => {
          await this.buildComponent(dep, rt, c, dep.pinnedCommits?.[c.spec.name]);
          if (this.faults.takeBuildFailure()) {
            this.logs.append(dep.id, 'BUILD', c.spec.name, 'build command failed (fault injection)');
            throw new StepFailure('BuildJobExitNonZero', 'Your build job failed because it returned a non-zero exit code (fault injection).');
          }
        });
      }
      this.logs.end(dep.id, 'BUILD');
      this.setPhase(app, dep, 'PENDING_DEPLOY');
      throwIfAborted(signal);
      this.setPhase(app, dep, 'DEPLOYING');
      await this.step(app, dep, rt, ['deploy', 'initialize'], async () => {
        this.logs.append(dep.id, 'DEPLOY', first, `deploying ${components.map((c) => c.spec.name).join(', ')}`);
        await sleep(this.faults.deployMs, signal);
      });
      const failHealth = this.faults.takeHealthFailure();
      for (const c of components) {
        await this.step(app, dep, rt, ['deploy', 'components', c.spec.name, 'deploy'], async () => {
          const inst = await this.startComponent(app, dep, rt, c);
          inst.unhealthy = failHealth;
        });
      }
      const waits = await Promise.allSettled(
        components.map((c) =>
          this.step(app, dep, rt, ['deploy', 'components', c.spec.name, 'wait'], () => this.waitComponent(dep, rt, rt.instances.get(c.spec.name)!, failHealth)),
        ),
      );
      const failed = waits.find((w): w is PromiseRejectedResult => w.status === 'rejected');
      if (failed) throw failed.reason;
      await this.step(app, dep, rt, ['deploy', 'finalize'], async () => this.promote(app, dep, rt));
      this.setPhase(app, dep, 'ACTIVE');
      this.logs.append(dep.id, 'DEPLOY', first, `deployment is live at ${this.liveUrl(app)}`);
    } catch (err) {
      await this.failDeployment(app, dep, rt, err);
    } finally {
      this.logs.end(dep.id, 'BUILD');
      this.logs.end(dep.id, 'DEPLOY');
    }
  }

  private async failDeployment(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, err: unknown): Promise<void> {
    const aborted = rt.abort.signal.aborted;
    const reason = !aborted ? reasonOf(err) : rt.abortReason === 'canceled' ? CANCELED : PLATFORM_STOPPED;
    const phase: Phase = aborted && rt.abortReason === 'canceled' ? 'CANCELED' : 'ERROR';
    const inBuild = dep.phase === 'BUILDING' || dep.phase === 'PENDING_BUILD';
    abandonSteps(dep.steps, reason);
    const component = componentsOf(dep.spec)[0]?.spec.name ?? app.spec.name;
    if (inBuild) this.logs.append(dep.id, 'BUILD', component, `build ${phase === 'CANCELED' ? 'canceled' : 'failed'}: ${reason.message}`);
    this.logs.append(dep.id, 'DEPLOY', component, `deployment ${phase === 'CANCELED' ? 'canceled' : 'failed'} (${reason.code}): ${reason.message}`);
    if (rt.abortReason !== 'deleted') this.setPhase(app, dep, phase);
    if (!aborted) this.log(`deployment ${dep.id} of ${app.spec.name} failed: ${reason.code}: ${reason.message}`);
    rt.retired = true;
    await this.stopRuntime(rt, 2000);
    this.logs.end(dep.id, 'RUN');
    this.runtimes.delete(dep.id);
    await this.removeBuildDir(dep, rt);
  }

  private async buildComponent(dep: DeploymentRecord, rt: DeploymentRuntime, c: Component, pinned: string | undefined): Promise<void> {
    const name = c.spec.name;
    const log = (line: string): void => this.logs.append(dep.id, 'BUILD', name, line);
    if (dep.simulated) {
      const commit = pinned ?? createHash('sha1').update(`${dep.id}/${name}`).digest('hex');
      dep.commits[name] = commit;
      log(`simulated build (no real processes): commit ${commit}`);
    } else {
      const source = await this.sources.resolve(c.spec);
      const dest = path.join(rt.buildDir, name);
      await fs.rm(dest, { recursive: true, force: true });
      await fs.mkdir(rt.buildDir, { recursive: true });
      log(`fetching ${source.display} from ${source.url}${pinned ? ` at commit ${pinned}` : ''}`);
      if (pinned) {
        await this.git(dep, rt, name, rt.buildDir, ['clone', '--quiet', '--no-checkout', '--', source.url, dest], `could not clone ${source.url}`);
        const ok = await this.run(dep, rt, name, dest, ['git', 'checkout', '--quiet', '--detach', pinned], 'BUILD');
        if (ok !== 0) {
          await this.git(dep, rt, name, dest, ['fetch', '--quiet', 'origin', pinned], `commit ${pinned} is not in ${source.url}`);
          await this.git(dep, rt, name, dest, ['checkout', '--quiet', '--detach', pinned], `could not check out commit ${pinned}`);
        }
      } else {
        const branch = source.branch ? ['--branch', source.branch, '--single-branch'] : [];
        await this.git(dep, rt, name, rt.buildDir, ['clone', '--quiet', ...branch, '--', source.url, dest], `could not check out ${source.display}`);
      }
      const commit = await gitRevParse(dest);
      dep.commits[name] = commit;
      log(`checked out commit ${commit}`);
      const srcDir = path.resolve(dest, c.spec.source_dir ?? '.');
      if (!(srcDir + path.sep).startsWith(dest + path.sep) && srcDir !== dest) throw new StepFailure('BuildJobFailed', `source_dir ${c.spec.source_dir} leaves the repository`);
      if (!(await fs.stat(srcDir).then((s) => s.isDirectory(), () => false))) {
        throw new StepFailure('BuildJobFailed', `source_dir ${c.spec.source_dir} does not exist at commit ${commit}`);
      }
      if (await fs.access(path.join(srcDir, 'requirements.txt')).then(() => true, () => false)) {
        log(`requirements.txt found: the local App Platform installs nothing; ${this.python} runs the app with the packages it has`);
      }
      if (c.spec.build_command) {
        log(`running build command: ${c.spec.build_command}`);
        const specEnvs = envOf(dep.spec, c.spec, 'BUILD', { secrets: this.options.secrets, appUrl: '' });
        const env = skillEnv({ parent: process.env, shimDir: this.shimDir, specEnvs });
        const code = await this.run(dep, rt, name, srcDir, c.spec.build_command, 'BUILD', env);
        throwIfAborted(rt.abort.signal);
        if (code !== 0) {
          throw new StepFailure('BuildJobExitNonZero', `Your build job failed because it returned a non-zero exit code (${code}). See the build logs for details.`);
        }
      }
    }
    log('build complete');
  }

  private async git(dep: DeploymentRecord, rt: DeploymentRuntime, component: string, cwd: string, args: string[], what: string): Promise<void> {
    const code = await this.run(dep, rt, component, cwd, ['git', ...args], 'BUILD');
    throwIfAborted(rt.abort.signal);
    if (code !== 0) throw new StepFailure('BuildJobFailed', `${what} (git exited with ${code}); see the build logs`);
  }

  /** Runs a helper (git, build command) in its own process group, logging its output; killed when the deployment is canceled. */
  private async run(
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    component: string,
    cwd: string,
    command: string | string[],
    logType: LogType,
    env: Record<string, string> = this.baseEnv(),
  ): Promise<number> {
    throwIfAborted(rt.abort.signal);
    const proc = this.supervisor.spawn({
      command,
      cwd,
      env: { ...env, GIT_TERMINAL_PROMPT: '0' },
      owner: `${dep.id}/${component}/build`,
      onLine: (_s, line) => this.logs.append(dep.id, logType, component, line),
    });
    rt.helpers.add(proc);
    const onAbort = (): void => void proc.stop(2000);
    rt.abort.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await proc.exited;
      return info.code ?? 128;
    } finally {
      rt.abort.signal.removeEventListener('abort', onAbort);
      rt.helpers.delete(proc);
    }
  }

  /** The environment of the platform's own git checkouts: git's settings, none of the platform's tokens (runtime/environment.ts). */
  private baseEnv(): Record<string, string> {
    return gitEnv(process.env);
  }

  private async startComponent(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, c: Component): Promise<ComponentInstance> {
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
    this.logs.begin(dep.id, 'RUN');
    if (dep.simulated) {
      inst.sim = await startSimulatedComponent({
        component: inst.name,
        deploymentId: dep.id,
        commit: dep.commits[inst.name],
        healthPath: c.spec.health_check?.http_path,
        unhealthy: () => inst.unhealthy,
      });
      inst.port = inst.sim.port;
      this.logs.append(dep.id, 'DEPLOY', inst.name, `started simulated ${inst.kind} on port ${inst.port} (no real processes)`);
      return inst;
    }
    this.spawnInstance(app, dep, rt, inst);
    return inst;
  }

  private spawnInstance(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance): void {
    const srcDir = path.resolve(rt.buildDir, inst.name, inst.spec.source_dir ?? '.');
    // An allow-list (runtime/environment.ts): the spec's envs, PORT, HOST, PATH, home and locale; no platform credentials.
    const env = skillEnv({
      parent: process.env,
      shimDir: this.shimDir,
      specEnvs: envOf(dep.spec, inst.spec, 'RUN', { secrets: this.options.secrets, appUrl: this.liveUrl(app) }),
      platform: { PORT: String(inst.port), HOST: '127.0.0.1' },
    });
    const command = inst.spec.run_command ?? '';
    this.logs.append(dep.id, 'DEPLOY', inst.name, `starting ${inst.kind} ${inst.name}: ${command} (PORT=${inst.port}, HOST=127.0.0.1)`);
    const proc = this.supervisor.spawn({
      command,
      cwd: srcDir,
      env,
      owner: `${dep.id}/${inst.name}/run`,
      onLine: (_s, line) => {
        this.logs.append(dep.id, 'RUN', inst.name, line);
        inst.recent.push(line);
        if (inst.recent.length > 500) inst.recent.shift();
      },
    });
    inst.proc = proc;
    void proc.exited.then((info) => this.onInstanceExit(app, dep, rt, inst, proc, info));
    if (inst.kind === 'service') {
      // run_command binds wherever it likes: say so when the component is reachable from other hosts.
      void exposedListeners(inst.port, () => proc.exitInfo === undefined && !rt.retired && !this.closing).then((exposed) => {
        for (const l of exposed ?? []) {
          const address = l.address.includes(':') ? `[${l.address}]` : l.address;
          this.logs.append(dep.id, 'DEPLOY', inst.name, `warning: ${inst.name} listens on ${address}:${l.port}, which other hosts can reach; `
            + 'a skill must bind $HOST (127.0.0.1), e.g. uvicorn … --host "$HOST"');
        }
      });
    }
  }

  /** A component exited on its own. While ACTIVE it is restarted (App Platform restarts crashed containers). */
  private onInstanceExit(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance, proc: ManagedProcess, info: ExitInfo): void {
    if (inst.proc !== proc || inst.stopping || rt.retired || this.closing) return;
    const how = describeExit(info);
    this.logs.append(dep.id, 'RUN', inst.name, `process exited (${how})`);
    if (dep.phase !== 'ACTIVE') return;
    this.logs.append(dep.id, 'RUN_RESTARTED', inst.name, [...inst.recent, `process exited (${how}); restarting`].join('\n'));
    inst.recent = [];
    inst.restarts++;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(inst.restarts - 1, 5));
    const timer = setTimeout(() => {
      if (!inst.stopping && !rt.retired && !this.closing && dep.phase === 'ACTIVE' && this.apps.has(app.id)) this.spawnInstance(app, dep, rt, inst);
    }, delay);
    timer.unref();
  }

  private async waitComponent(dep: DeploymentRecord, rt: DeploymentRuntime, inst: ComponentInstance, forceFail: boolean): Promise<void> {
    const log = (line: string): void => this.logs.append(dep.id, 'DEPLOY', inst.name, line);
    const alive = (): boolean => !!inst.sim || (!!inst.proc && inst.proc.exitInfo === undefined);
    if (inst.kind === 'worker') {
      await sleep(Math.min(this.options.healthChecks?.periodMs ?? 1000, 1000), rt.abort.signal);
      if (!alive()) throw new StepFailure('DeployContainerExitNonZero', `Your worker exited right after it started (${describeExit(inst.proc?.exitInfo)}).`);
      log('worker is running');
      return;
    }
    await waitHealthy({
      port: inst.port,
      plan: healthCheckOf(inst.spec),
      tuning: this.options.healthChecks,
      signal: rt.abort.signal,
      alive,
      exitDescription: () => describeExit(inst.proc?.exitInfo),
      forceFail,
      log,
    });
  }

  /** Blue-green: traffic moves to the new deployment at once; the previous one drains, then stops. */
  private promote(app: AppRecord, dep: DeploymentRecord, rt: DeploymentRuntime): void {
    const ingress = this.ingresses.get(app.id);
    if (!ingress) throw new Error('the app has no ingress');
    const ports = new Map<string, number>();
    for (const inst of rt.instances.values()) if (inst.kind === 'service') ports.set(inst.name, inst.port);
    const previous = ingress.switchTo({ deploymentId: dep.id, routes: routesOf(dep.spec), ports, inflight: 0 });
    const previousId = app.activeDeploymentId;
    app.activeDeploymentId = dep.id;
    app.lastDeploymentActiveAt = now();
    const old = app.deployments.find((d) => d.id === previousId);
    if (old && old.id !== dep.id && old.phase === 'ACTIVE') this.setPhase(app, old, 'SUPERSEDED');
    if (previous && previous.deploymentId !== dep.id) this.retire(app, previous.deploymentId, previous);
    else if (previousId && previousId !== dep.id) this.retire(app, previousId, undefined);
    for (const inst of rt.instances.values()) this.logs.append(dep.id, 'DEPLOY', inst.name, `receiving traffic at ${ingress.url}`);
  }

  private retire(app: AppRecord, deploymentId: string, target: IngressTarget | undefined): void {
    const rt = this.runtimes.get(deploymentId);
    if (!rt) return;
    rt.retired = true;
    const dep = app.deployments.find((d) => d.id === deploymentId);
    const specs = [...rt.instances.values()].map((i) => terminationOf(i.spec));
    const drainMs = Math.max(1000, ...specs.map((s) => s.drainSeconds * 1000));
    const graceMs = Math.max(1000, ...specs.map((s) => s.gracePeriodSeconds * 1000));
    const ingress = this.ingresses.get(app.id);
    void this.track(
      (async () => {
        if (target && ingress) {
          const drained = await ingress.drain(target, drainMs);
          if (!drained && dep) this.logs.append(dep.id, 'DEPLOY', componentsOf(dep.spec)[0]?.spec.name ?? app.spec.name, `drain timed out with ${target.inflight} request(s) in flight`);
        }
        await this.stopRuntime(rt, graceMs);
        this.logs.end(deploymentId, 'RUN');
        if (this.runtimes.get(deploymentId) === rt) this.runtimes.delete(deploymentId);
        await this.removeBuildDir(dep, rt);
      })(),
    );
  }

  /** A simulated deployment has no build folder (nothing is checked out), so there is nothing to look up. */
  private async removeBuildDir(dep: DeploymentRecord | undefined, rt: DeploymentRuntime): Promise<void> {
    if (dep?.simulated) return;
    await fs.rm(rt.buildDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async stopRuntime(rt: DeploymentRuntime, graceMs: number): Promise<void> {
    const tasks: Array<Promise<void>> = [];
    for (const inst of rt.instances.values()) {
      inst.stopping = true;
      if (inst.proc) tasks.push(inst.proc.stop(graceMs));
      if (inst.sim) tasks.push(inst.sim.stop().catch(() => undefined));
    }
    for (const helper of rt.helpers) tasks.push(helper.stop(Math.min(graceMs, 2000)));
    await Promise.all(tasks);
  }

  /** After a restart of the platform: the deployment that was ACTIVE runs again (new processes, same stable URL). */
  private async restoreDeployment(app: AppRecord, dep: DeploymentRecord): Promise<void> {
    const ingress = this.ingresses.get(app.id);
    if (!ingress) return;
    ingress.hold();
    const rt = new DeploymentRuntime(dep.id, app.id, this.dir.buildDir(dep.id));
    this.runtimes.set(dep.id, rt);
    const components = componentsOf(dep.spec);
    const first = components[0]?.spec.name ?? app.spec.name;
    this.logs.append(dep.id, 'DEPLOY', first, 'the local App Platform restarted: starting this active deployment again');
    try {
      if (!dep.simulated) {
        for (const c of components) {
          const dir = path.join(rt.buildDir, c.spec.name);
          if (!(await fs.stat(dir).then(() => true, () => false))) {
            this.logs.append(dep.id, 'DEPLOY', c.spec.name, `build folder missing: checking out commit ${dep.commits[c.spec.name]} again`);
            await this.buildComponent(dep, rt, c, dep.commits[c.spec.name]);
          }
        }
      }
      for (const c of components) await this.startComponent(app, dep, rt, c);
      const waits = await Promise.allSettled(components.map((c) => this.waitComponent(dep, rt, rt.instances.get(c.spec.name)!, false)));
      const failed = waits.find((w): w is PromiseRejectedResult => w.status === 'rejected');
      if (failed) this.logs.append(dep.id, 'DEPLOY', first, `after the restart a component is not healthy: ${reasonOf(failed.reason).message}`);
    } catch (err) {
      this.logs.append(dep.id, 'DEPLOY', first, `could not start the active deployment again: ${reasonOf(err).message}`);
      this.log(`app ${app.spec.name}: could not restore deployment ${dep.id}: ${reasonOf(err).message}`);
    }
    if (this.closing) return;
    const ports = new Map<string, number>();
    for (const inst of rt.instances.values()) if (inst.kind === 'service') ports.set(inst.name, inst.port);
    if (ports.size > 0) ingress.switchTo({ deploymentId: dep.id, routes: routesOf(dep.spec), ports, inflight: 0 });
    else ingress.release();
  }

  // ── rollback ─────────────────────────────────────────────────────────────────────────────────────────────────────

  validateRollback(app: AppRecord, deploymentId: unknown): RollbackValidation {
    if (typeof deploymentId !== 'string' || deploymentId === '') throw badRequest('deployment_id is required');
    const target = this.getDeployment(app, deploymentId);
    return validateRollback(app, target, this.revisionLimit, tierOf(componentsOf(app.spec).map((c) => c.spec.instance_size_slug)));
  }

  rollback(app: AppRecord, deploymentId: unknown, skipPin: boolean): DeploymentRecord {
    const v = this.validateRollback(app, deploymentId);
    if (!v.valid && v.error) throw v.error.code === 'app_pinned' ? conflict(v.error.message) : badRequest(`${v.error.code}: ${v.error.message}`);
    const target = this.getDeployment(app, deploymentId as string);
    const base = { deploymentId: app.activeDeploymentId, spec: app.spec };
    const dep = this.newDeployment(app, target.spec, `rollback to deployment ${target.id}`, 'rollback', {
      clonedFrom: target.id,
      pinnedCommits: target.commits,
    });
    app.spec = structuredClone(target.spec);
    app.updatedAt = now();
    if (!skipPin) {
      app.rollbackBase = base;
      app.pinnedDeploymentId = dep.id;
    }
    void this.persist(app);
    return dep;
  }

  commitRollback(app: AppRecord): void {
    if (!app.pinnedDeploymentId) throw conflict('the app has no rollback to commit (it is not pinned)');
    app.pinnedDeploymentId = undefined;
    app.rollbackBase = undefined;
    void this.persist(app);
  }

  revertRollback(app: AppRecord): DeploymentRecord {
    if (!app.pinnedDeploymentId || !app.rollbackBase) throw conflict('the app has no rollback to revert (it is not pinned)');
    const base = app.rollbackBase;
    const rollbackId = app.pinnedDeploymentId;
    const before = base.deploymentId ? app.deployments.find((d) => d.id === base.deploymentId) : undefined;
    app.pinnedDeploymentId = undefined;
    app.rollbackBase = undefined;
    app.spec = structuredClone(base.spec);
    app.updatedAt = now();
    return this.newDeployment(app, base.spec, `revert of the rollback ${rollbackId}`, 'revert', before ? { clonedFrom: before.id, pinnedCommits: before.commits } : {});
  }

  // ── health ───────────────────────────────────────────────────────────────────────────────────────────────────────

  async appHealth(app: AppRecord): Promise<Array<Record<string, unknown>>> {
    const dep = app.deployments.find((d) => d.id === app.activeDeploymentId);
    const rt = dep ? this.runtimes.get(dep.id) : undefined;
    return Promise.all(
      componentsOf(dep?.spec ?? app.spec).map(async (c) => {
        const inst = rt?.instances.get(c.spec.name);
        if (!dep || !inst) return { name: c.spec.name, state: dep ? 'UNHEALTHY' : 'UNKNOWN', replicas_desired: 1, replicas_ready: 0 };
        const running = !!inst.sim || (!!inst.proc && inst.proc.exitInfo === undefined);
        const hc = healthCheckOf(c.spec);
        const healthy = running && (c.kind === 'worker' || (await probe(inst.port, hc.httpPath, Math.min(hc.timeoutSeconds * 1000, 2000))).ok);
        const out: Record<string, unknown> = { name: c.spec.name, state: healthy ? 'HEALTHY' : 'UNHEALTHY', replicas_desired: 1, replicas_ready: healthy ? 1 : 0 };
        const rss = inst.proc && running ? await residentBytes(inst.proc.pid) : undefined;
        const limit = Number(instanceSize(c.spec.instance_size_slug)?.memory_bytes ?? 0);
        if (rss !== undefined && limit > 0) out.memory_usage_percent = Math.round((rss / limit) * 10000) / 100;
        return out;
      }),
    );
  }
}

async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status?.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}
