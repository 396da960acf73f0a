import type { WebSocket } from 'ws';
import type { LocalPlatformOptions } from './config';
import { PlatformContext } from './context';
import { BlueGreen } from './deploy/blueGreen';
import { Builder } from './deploy/build';
import type { RollbackValidation } from './deploy/rollbackValidation';
import { DeploymentRunner } from './deploy/runner';
import type { FaultInjector } from './faults';
import { Lifecycle } from './lifecycle';
import type { LogStore } from './logs/logStore';
import { AlertNotifier } from './operations/alerts';
import { Apps, type AlertDestinations } from './operations/apps';
import { Deployments } from './operations/deployments';
import { ExecSessions } from './operations/exec';
import { Restarts } from './operations/restart';
import { Instances, type InstanceView } from './runtime/instances';
import type { AppSpec } from './spec/appSpec';
import type { AlertRecord, AppRecord, DeploymentRecord } from './state/model';
import type { DataDir, StateStore } from './state/store';

/**
 * The local App Platform: apps, deployments and their pipeline (build → deploy → health → blue-green switch → drain),
 * rollbacks, logs and persistence. The HTTP API (`api/server.ts`) is a thin layer over this front, which only wires
 * the rooms (`context.ts`, `lifecycle.ts`, `operations/`, `deploy/`, `runtime/`) and hands each call to one of them.
 */
export class LocalAppPlatform {
  /** Base URL of the API, for log URLs and pagination links. Set once the server listens. */
  apiBase = '';
  private readonly ctx: PlatformContext;
  private readonly lifecycle: Lifecycle;
  private readonly apps: Apps;
  private readonly deployments: Deployments;
  private readonly instances: Instances;
  private readonly restarts: Restarts;
  private readonly exec: ExecSessions;

  constructor(readonly options: LocalPlatformOptions) {
    const ctx = new PlatformContext(options);
    const builder = new Builder(ctx);
    const alerts = new AlertNotifier(ctx);
    const instances = new Instances(ctx, alerts);
    const runner = new DeploymentRunner(ctx, { builder, instances, blueGreen: new BlueGreen(ctx), alerts });
    this.ctx = ctx;
    this.instances = instances;
    this.restarts = new Restarts(ctx, instances);
    this.exec = new ExecSessions(ctx, instances);
    this.lifecycle = new Lifecycle(ctx, { builder, instances });
    this.deployments = new Deployments(ctx, runner);
    this.apps = new Apps(ctx, this.deployments);
  }

  get faults(): FaultInjector {
    return this.ctx.faults;
  }

  get dir(): DataDir {
    return this.ctx.dir;
  }

  get logs(): LogStore {
    return this.ctx.logs;
  }

  /** The interpreter behind the python/uvicorn shims (chosen in `init`). */
  get python(): string {
    return this.ctx.python;
  }

  get logSecret(): string {
    return this.ctx.meta.logSecret;
  }

  /** Resolves when the deployments that were ACTIVE before a restart run again. */
  get restored(): Promise<void> {
    return this.lifecycle.restored;
  }

  /** The state files: tests flush it to compare them with the apps in memory. */
  get store(): StateStore {
    return this.ctx.store;
  }

  // ── lifecycle ───────────────────────────────────────

  init(): Promise<void> {
    return this.lifecycle.init();
  }

  restoreActive(): void {
    this.lifecycle.restoreActive();
  }

  shutdown(): Promise<void> {
    return this.lifecycle.shutdown();
  }

  /** Resolves once the app's current state is on disk: API answers that change state wait for it. */
  saved(app: AppRecord): Promise<void> {
    return this.ctx.persist(app);
  }

  // ── queries ────────────────────────────────────────

  appJson(app: AppRecord): string {
    return this.ctx.appJson(app);
  }

  listApps(): AppRecord[] {
    return this.apps.list();
  }

  getApp(idOrName: string, name?: string): AppRecord {
    return this.apps.get(idOrName, name);
  }

  getDeployment(app: AppRecord, deploymentId: string): DeploymentRecord {
    return this.deployments.get(app, deploymentId);
  }

  /** Newest first. */
  listDeployments(app: AppRecord): DeploymentRecord[] {
    return this.deployments.list(app);
  }

  liveUrl(app: AppRecord): string {
    return this.ctx.liveUrl(app);
  }

  inProgress(app: AppRecord): DeploymentRecord | undefined {
    return this.ctx.inProgress(app);
  }

  pending(app: AppRecord): DeploymentRecord | undefined {
    return this.ctx.pending(app);
  }

  appHealth(app: AppRecord): Promise<Array<Record<string, unknown>>> {
    return this.instances.appHealth(app);
  }

  listInstances(app: AppRecord): Promise<InstanceView[]> {
    return this.instances.list(app);
  }

  // ── operate ──────────────────────────────────────

  restart(app: AppRecord, components: readonly string[] | undefined): DeploymentRecord {
    return this.restarts.restart(app, components);
  }

  execUrl(app: AppRecord, deploymentId: string | undefined, component: string, instance: string | undefined): string {
    return this.exec.url(this.apiBase, app, deploymentId, component, instance);
  }

  execAllowed(sessionId: string, token: unknown): boolean {
    return this.exec.allows(sessionId, token);
  }

  attachExec(sessionId: string, socket: WebSocket): void {
    this.exec.attach(sessionId, socket);
  }

  // ── apps ─────────────────────────────────────────

  checkSpec(spec: unknown): AppSpec {
    return this.apps.checkSpec(spec);
  }

  nameAvailable(name: string, exceptAppId?: string): boolean {
    return this.apps.nameAvailable(name, exceptAppId);
  }

  createApp(input: unknown): Promise<{ app: AppRecord; deployment: DeploymentRecord }> {
    return this.apps.create(input);
  }

  async updateApp(app: AppRecord, input: unknown): Promise<DeploymentRecord> {
    return this.apps.update(app, input);
  }

  deleteApp(app: AppRecord): Promise<void> {
    return this.apps.delete(app);
  }

  assignAlertDestinations(app: AppRecord, alertId: string, body: AlertDestinations): AlertRecord {
    return this.apps.assignAlertDestinations(app, alertId, body);
  }

  // ── deployments ──────────────────────────────────────

  createDeployment(app: AppRecord, forceBuild: boolean): DeploymentRecord {
    return this.deployments.create(app, forceBuild);
  }

  cancelDeployment(app: AppRecord, dep: DeploymentRecord): Promise<DeploymentRecord> {
    return this.deployments.cancel(app, dep);
  }

  validateRollback(app: AppRecord, deploymentId: unknown): RollbackValidation {
    return this.deployments.validateRollback(app, deploymentId);
  }

  rollback(app: AppRecord, deploymentId: unknown, skipPin: boolean): DeploymentRecord {
    return this.deployments.rollback(app, deploymentId, skipPin);
  }

  commitRollback(app: AppRecord): void {
    this.deployments.commitRollback(app);
  }

  revertRollback(app: AppRecord): DeploymentRecord {
    return this.deployments.revertRollback(app);
  }
}
