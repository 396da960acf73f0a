import * as path from 'node:path';
import { appView } from './api/views';
import type { LocalPlatformOptions } from './config';
import { SourceResolver } from './deploy/sources';
import { FaultInjector } from './faults';
import type { Ingress } from './ingress/ingress';
import { LogStore } from './logs/logStore';
import type { DeploymentRuntime } from './runtime/deploymentRuntime';
import { ProcessSupervisor } from './runtime/processes';
import { isInFlight, type AppRecord, type DeploymentRecord, type Phase } from './state/model';
import { DataDir, StateStore, type PlatformMeta } from './state/store';
import { now, settleWithin } from './util/abort';

/**
 * What every room of the platform shares: its options, the data folder and its stores, the apps in memory, their
 * ingresses and running deployments, and the one way a change reaches the disk (`persist`).
 */
export class PlatformContext {
  readonly dir: DataDir;
  readonly store: StateStore;
  readonly logs: LogStore;
  readonly supervisor: ProcessSupervisor;
  readonly faults: FaultInjector;
  readonly sources: SourceResolver;
  readonly apps = new Map<string, AppRecord>();
  readonly ingresses = new Map<string, Ingress>();
  readonly runtimes = new Map<string, DeploymentRuntime>();
  /** appId → the deployment whose pipeline runs now. */
  readonly running = new Map<string, string>();
  meta!: PlatformMeta;
  shimDir = '';
  python = '';
  /** Set when the platform starts to stop: nothing new starts, crashed components are not restarted. */
  closing = false;
  private readonly background = new Set<Promise<unknown>>();
  private readonly views = new WeakMap<AppRecord, string>();

  constructor(readonly options: LocalPlatformOptions) {
    this.dir = new DataDir(path.resolve(options.dataDir));
    this.store = new StateStore(this.dir);
    this.logs = new LogStore(this.dir);
    this.supervisor = new ProcessSupervisor(this.dir);
    this.faults = new FaultInjector(options.faults ?? {});
    this.sources = new SourceResolver(options.repos ?? {}, path.resolve(options.workspace ?? process.cwd()));
  }

  log(line: string): void {
    this.options.log?.(line);
  }

  /**
   * Every change of an app or of its deployments ends in `persist`, in the same turn of the event loop: that is where
   * its serialised API view is dropped.
   */
  persist(app: AppRecord, lazy = false): Promise<void> {
    this.views.delete(app);
    if (!this.apps.has(app.id)) return Promise.resolve();
    return this.store.save(app, lazy).catch((err) => this.log(`could not save app ${app.id}: ${(err as Error).message}`));
  }

  setPhase(app: AppRecord, dep: DeploymentRecord, phase: Phase): void {
    const t = now();
    dep.phase = phase;
    dep.phaseLastUpdatedAt = t;
    dep.updatedAt = t;
    // A final phase is written at once; a phase on the way there is progress.
    void this.persist(app, isInFlight(phase));
  }

  /** Progress of a step: saved lazily (LAZY_SAVE_MS). */
  touch(app: AppRecord, dep: DeploymentRecord): void {
    dep.updatedAt = now();
    void this.persist(app, true);
  }

  /** Work that outlives the request that started it (a drain); shutdown waits for it a little. */
  track<T>(p: Promise<T>): Promise<T> {
    this.background.add(p);
    void p.finally(() => this.background.delete(p)).catch(() => undefined);
    return p;
  }

  settleBackground(ms: number): Promise<boolean> {
    return settleWithin(Promise.all(this.background), ms);
  }

  // ── what the API shows ────────────────────────────────────

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
}
