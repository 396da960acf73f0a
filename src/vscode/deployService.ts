import * as vscode from 'vscode';
import type { AppPlatformClient } from '../core/do';
import type { Deployment } from '../core/do/schemas';
import {
  checkSkillRollback,
  commitOf,
  DeployTimings,
  listInFlight,
  listRollbackTargets,
  MeteredBudget,
  planDeploy,
  resumeInFlight,
  rollbackSkill,
  type DeployCommonOptions,
  type DeployEvent,
  type PlanResult,
  type PostDeployCheck,
  type RollbackCheck,
  type RollbackResult,
  type RollbackTarget,
  type ResumeResult,
} from '../core/deploy';
import { runSmokeSuite, type SmokeResult } from '../core/smoke';
import { StatusStore } from '../core/status';
import { skillEnvStatus } from '../core/status/schema';
import { countByEnvironment, type EnvironmentCount } from '../core/status/environmentCounts';
import { editorEnvironments, environmentSetting, skillAppName } from './environments';
import { previousServesAfter, stateFromRecords, type SkillDeployState, type SkillPhase } from './tree/deployState';
import { connectTarget } from '../core/target';
import { settings, type Target } from './config';
import { extensionAlerts } from './insights/alerts';
import { TOKEN_SECRET_KEY } from './secrets';
import type { LocalPlatformManager } from './localPlatform';
import type { SkillsStore } from './skillsStore';
import { Disposable } from './util/disposable';

export type { SkillDeployState } from './tree/deployState';

interface Connection {
  readonly client: AppPlatformClient;
  readonly budget: import('../core/do').RequestBudget;
  readonly target: Target;
  close(): Promise<void>;
}

/** Runs the core's deployment procedure for the extension and keeps each skill's state; no deploy logic lives here. */
export class DeployService extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<string | undefined>());
  /** Fires with the skill whose state changed (undefined: several). */
  readonly onDidChange = this._onDidChange.event;
  private readonly states = new Map<string, SkillDeployState>();
  private readonly running = new Map<string, AbortController>();
  /** Learned deployment durations per target: they pace polling across plans. */
  private readonly timings = new Map<Target, DeployTimings>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    /** The repository's shared local platform (the Stop command reaches it here). */
    readonly localPlatform: LocalPlatformManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({ dispose: () => this.running.forEach((c) => c.abort()) });
  }

  private readonly appNames = new Map<string, string>();

  /** The skill's app in the editor's environment (its own name until the status file was read, as without environments). */
  appName(skill: string): string {
    return this.appNames.get(skill) ?? skill;
  }

  /** Per environment, what the status file last recorded on the current target (the status bar's tooltip). */
  environmentCounts: readonly EnvironmentCount[] = [];

  state(skill: string): SkillDeployState | undefined {
    return this.states.get(skill);
  }

  get all(): ReadonlyMap<string, SkillDeployState> {
    return this.states;
  }

  isDeploying(skill: string): boolean {
    return this.running.has(skill);
  }

  /** Reads each skill's last recorded deployment on the current target from the status file. */
  async load(store: SkillsStore): Promise<void> {
    const target = settings().target;
    try {
      const file = await (await StatusStore.forRepository(store.folder.uri.fsPath)).read();
      const { envs, current } = await editorEnvironments(store.folder.uri.fsPath, this.log);
      this.environmentCounts = countByEnvironment(file, envs, target);
      // Another environment may have been chosen: what this one has not recorded is not shown.
      for (const v of store.model?.skills ?? []) {
        this.appNames.set(v.skill.name, skillAppName(current, v.skill.name));
        if (!this.running.has(v.skill.name)) this.states.delete(v.skill.name);
      }
      for (const [skill, status] of Object.entries(file.skills ?? {})) {
        if (this.running.has(skill)) continue;
        const s = skillEnvStatus(status, current.name, envs.defaultName);
        const d = s.deployments?.[target] ?? (s.lastDeployment?.target === target ? s.lastDeployment : undefined);
        const state = stateFromRecords(d, s.lastDeployAttempt?.target === target ? s.lastDeployAttempt : undefined);
        if (state) this.states.set(skill, state);
      }
      this._onDidChange.fire(undefined);
    } catch (e) {
      this.log.debug(`no deployment state yet: ${(e as Error).message}`);
    }
  }

  /**
   * Picks up deployments that a closed window or a killed CLI left in flight on the current target (recorded in the
   * repository's git folder), and monitors them through the rest of the procedure. The embedded platform stops with
   * the window that started it, so there is nothing of its own to pick up; DigitalOcean's deployments run on.
   */
  async resume(store: SkillsStore): Promise<ResumeResult | undefined> {
    const s = settings(store.folder);
    if (s.target === 'local' && !s.apiUrl) return undefined;
    if (s.target === 'digitalocean' && !(await this.context.secrets.get(TOKEN_SECRET_KEY))) return undefined;
    const connection = await this.connect().catch(() => undefined);
    if (!connection) return undefined;
    const controller = new AbortController();
    const skills: string[] = [];
    try {
      const records = await listInFlight({ repoRoot: store.folder.uri.fsPath, client: connection.client, target: connection.target });
      for (const r of records) if (!this.running.has(r.skill)) skills.push(r.skill);
      if (skills.length === 0) return undefined;
      for (const sk of skills) this.running.set(sk, controller);
      this.log.info(`resuming the deployment of ${skills.join(', ')} left in flight on ${connection.target}`);
      const result = await resumeInFlight({
        ...this.planOptions(store, connection, controller.signal),
        alerts: await extensionAlerts(this.context.secrets, store.folder.uri.fsPath),
        skills,
        concurrency: s.concurrency,
        onEvent: (e) => this.onEvent(e),
      });
      for (const r of result.results)
        this.log.info(`${r.skill} (resumed): ${r.status}${r.error ? ` — ${r.error.code}: ${r.error.message}` : ''}`);
      for (const k of result.skipped) this.log.info(`${k.skill}: not resumed (${k.reason})`);
      return result;
    } finally {
      for (const sk of skills) if (this.running.get(sk) === controller) this.running.delete(sk);
      await connection.close();
      this._onDidChange.fire(undefined);
    }
  }

  /**
   * A client for the chosen target, through the core's connectTarget (as the CLI): the window's local platform (started
   * on demand), a local platform at odoobo.apiUrl (ODOOBO_LOCAL_TOKEN), or DigitalOcean with the stored token.
   */
  async connect(): Promise<Connection> {
    const s = settings();
    const digitalOceanToken = s.target === 'digitalocean' ? await this.context.secrets.get(TOKEN_SECRET_KEY) : undefined;
    if (s.target === 'digitalocean' && !digitalOceanToken) {
      throw new Error('No DigitalOcean token is stored. Run "Odoobo: Set DigitalOcean Token", or choose the local target.');
    }
    const budget = new MeteredBudget({ limit: 250, windowMs: 60_000 });
    const t = await connectTarget({
      target: s.target,
      apiUrl: s.apiUrl,
      env: process.env,
      cwd: process.cwd(),
      digitalOceanToken,
      localPlatform: () => this.localPlatform.ensure(),
      apiUrlName: 'odoobo.apiUrl',
      client: { budget, userAgent: 'odoobo-skills' },
    });
    this.noteEndpoint(t.target, t.apiUrl);
    return { client: t.client, budget, target: t.target, close: t.close };
  }

  /** The App Platform the last connection reached (for the status bar: which target its counts are about). */
  get endpoint(): { readonly target: Target; readonly apiUrl: string } | undefined {
    return this._endpoint;
  }

  private _endpoint: { readonly target: Target; readonly apiUrl: string } | undefined;
  // Its own event: onDidChange(undefined) makes the app details forget every skill.
  private readonly _onDidChangeEndpoint = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeEndpoint = this._onDidChangeEndpoint.event;

  private noteEndpoint(target: Target, apiUrl: string): void {
    if (this._endpoint?.target === target && this._endpoint.apiUrl === apiUrl) return;
    this._endpoint = { target, apiUrl };
    this._onDidChangeEndpoint.fire();
  }

  /**
   * `at` is when the deployment state last changed; a smoke-test result alone (`keepAt`) does not change it. Any
   * other change clears `servingPrevious` unless it says it again: it describes one finished attempt.
   */
  private set(skill: string, state: Omit<SkillDeployState, 'at'>, keepAt = false): void {
    const before = this.states.get(skill);
    const servingPrevious = 'servingPrevious' in state ? state.servingPrevious : keepAt ? before?.servingPrevious : undefined;
    this.states.set(skill, { ...before, ...state, servingPrevious, at: keepAt && before ? before.at : Date.now() });
    this._onDidChange.fire(skill);
  }

  private onEvent(e: DeployEvent, report?: (skill: string, message: string) => void): void {
    switch (e.type) {
      case 'deploy-started':
        this.set(e.skill, { phase: 'deploying', detail: e.resumed ? 'resumed' : 'starting', result: undefined });
        break;
      case 'step-started':
        this.set(e.skill, { phase: 'deploying', detail: e.step });
        report?.(e.skill, e.step);
        break;
      case 'deployment-progress':
        this.set(e.skill, { phase: 'deploying', detail: e.summary, deploymentId: e.deploymentId });
        report?.(e.skill, e.summary);
        break;
      case 'deploy-finished': {
        const r = e.result;
        const phase: SkillPhase = r.status === 'succeeded' ? 'active' : r.status === 'canceled' ? 'canceled' : 'failed';
        const servingPrevious = previousServesAfter(r);
        // While the previous deployment serves, the live URL and commit are still what they were.
        const before = this.states.get(e.skill);
        const serving = servingPrevious
          ? { liveUrl: r.liveUrl ?? before?.liveUrl, commit: before?.commit ?? r.commit }
          : { liveUrl: r.liveUrl, commit: r.commit };
        this.set(e.skill, {
          phase,
          detail: r.error ? `${r.error.code} at ${r.error.step}` : undefined,
          deploymentId: r.deploymentId,
          ...serving,
          servingPrevious,
          result: r,
        });
        break;
      }
      default:
        break;
    }
  }

  /** The smoke suite as the procedure's step 8. */
  private postDeploy(store: SkillsStore): PostDeployCheck {
    return async ({ skill, liveUrl, signal }) => {
      const manifest = store.model?.skills.find((v) => v.skill.name === skill)?.skill.manifest;
      if (!manifest) return { ok: true, message: 'no manifest: smoke suite skipped' };
      const result = await runSmokeSuite({ skill, manifest, baseUrl: liveUrl, signal });
      this.set(skill, { phase: 'deploying', detail: 'post-deploy checks', smoke: result });
      const failed = result.checks.find((c) => c.status !== 'passed');
      return failed
        ? { ok: false, code: failed.code, message: `${failed.name}: ${failed.message}`, checks: result.checks }
        : { ok: true, message: `${result.checks.length} smoke checks passed`, checks: result.checks };
    };
  }

  /** Deploys `skills` in parallel (odoobo.concurrency) through the whole procedure; cancelling cancels on the server. */
  async deploy(
    store: SkillsStore,
    skills: readonly string[],
    options: { forceBuild?: boolean; signal?: AbortSignal; report?: (skill: string, message: string) => void } = {},
  ): Promise<PlanResult> {
    const busy = skills.filter((s) => this.running.has(s));
    if (busy.length) throw new Error(`Already deploying ${busy.join(', ')}: wait for it or cancel it first.`);
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    for (const s of skills) this.running.set(s, controller);
    const s = settings(store.folder);
    let connection: Connection | undefined;
    try {
      connection = await this.connect();
      this.log.info(`deploying ${skills.join(', ')} to ${connection.target}`);
      const result = await planDeploy({
        ...this.planOptions(store, connection, controller.signal),
        skills,
        concurrency: s.concurrency,
        forceBuild: options.forceBuild,
        alerts: await extensionAlerts(this.context.secrets, store.folder.uri.fsPath),
        onEvent: (e) => this.onEvent(e, options.report),
      });
      for (const r of result.results)
        this.log.info(
          `${r.skill}: ` +
          `${r.status}${r.error ? ` — ${r.error.code} at ${r.error.step}: ${r.error.message}` : ''}${r.liveUrl ? ` (${r.liveUrl})` : ''}`,
        );
      return result;
    } finally {
      for (const sk of skills) if (this.running.get(sk) === controller) this.running.delete(sk);
      await connection?.close();
      this._onDidChange.fire(undefined);
    }
  }

  /** What a plan and a resume share: the folder's repository and settings, the connection, learned timings, step 8. */
  private planOptions(store: SkillsStore, connection: Connection, signal: AbortSignal): DeployCommonOptions {
    const s = settings(store.folder);
    return {
      repoRoot: store.folder.uri.fsPath,
      client: connection.client,
      budget: connection.budget,
      timings: this.timingsFor(connection.target),
      target: connection.target,
      timeoutMs: s.deployTimeoutSeconds * 1000,
      skillsLocation: s.skillsLocation,
      postDeploy: this.postDeploy(store),
      // The editor's environment (odoobo.environment); unset: the repository's default, as a plain `odoobo deploy`.
      ...(environmentSetting(store.folder.uri) ? { environment: environmentSetting(store.folder.uri) } : {}),
      signal,
    };
  }

  private timingsFor(target: Target): DeployTimings {
    let t = this.timings.get(target);
    if (!t) this.timings.set(target, (t = new DeployTimings()));
    return t;
  }

  /** Cancels the deploy that includes `skill` (on the server too, through the procedure). */
  cancel(skill: string): boolean {
    const c = this.running.get(skill);
    c?.abort();
    return !!c;
  }

  /** Runs the smoke suite against the skill's live app on the current target, and records the result. */
  async test(store: SkillsStore, skill: string, signal?: AbortSignal): Promise<SmokeResult> {
    const manifest = store.model?.skills.find((v) => v.skill.name === skill)?.skill.manifest;
    if (!manifest) throw new Error(`${skill} has no valid manifest.`);
    // The editor's environment's app, and its record: promotion's source-smoke-passed gate reads that environment's lastTest.
    const { envs, current } = await editorEnvironments(store.folder.uri.fsPath, this.log);
    const appName = skillAppName(current, skill);
    const connection = await this.connect();
    try {
      const app = await connection.client.findAppByName(appName, { signal });
      const liveUrl = app?.live_url;
      if (!app || !liveUrl)
        throw new Error(`${skill} is not deployed on ${connection.target} (no app named ${appName} with a live URL). Deploy it first.`);
      const result = await runSmokeSuite({ skill, manifest, baseUrl: liveUrl, signal });
      const status = await StatusStore.forRepository(store.folder.uri.fsPath);
      const passed = result.checks.filter((c) => c.status === 'passed').length;
      const test = {
        status: result.passed ? ('passed' as const) : ('failed' as const),
        commit: commitOf(app.active_deployment as Deployment | undefined, skill),
        target: connection.target,
        passed,
        failed: result.checks.length - passed,
        summary: result.checks.map((c) => `${c.name}: ${c.status}`).join(', '),
        at: new Date().toISOString(),
      };
      await status.recordTest(skill, test, { environment: { name: current.name, isDefault: current.name === envs.defaultName } });
      this.set(skill, { phase: this.states.get(skill)?.phase ?? 'active', smoke: result, liveUrl }, true);
      return result;
    } finally {
      await connection.close();
    }
  }

  async rollbackTargets(store: SkillsStore, skill: string): Promise<RollbackTarget[]> {
    const connection = await this.connect();
    try {
      return await listRollbackTargets({ repoRoot: store.folder.uri.fsPath, client: connection.client, target: connection.target, skill });
    } finally {
      await connection.close();
    }
  }

  async checkRollback(store: SkillsStore, skill: string, deploymentId: string): Promise<RollbackCheck> {
    const connection = await this.connect();
    try {
      return await checkSkillRollback({
        repoRoot: store.folder.uri.fsPath,
        client: connection.client,
        target: connection.target,
        skill,
        deploymentId,
      });
    } finally {
      await connection.close();
    }
  }

  async rollback(store: SkillsStore, skill: string, deploymentId: string, signal?: AbortSignal): Promise<RollbackResult> {
    const connection = await this.connect();
    this.set(skill, { phase: 'deploying', detail: `rolling back to ${deploymentId.slice(0, 8)}` });
    try {
      const r = await rollbackSkill({
        repoRoot: store.folder.uri.fsPath,
        client: connection.client,
        target: connection.target,
        skill,
        deploymentId,
        acceptWarnings: true,
        commit: true,
        alerts: await extensionAlerts(this.context.secrets, store.folder.uri.fsPath),
        signal,
      });
      this.set(skill, {
        phase: r.status === 'succeeded' ? 'active' : 'failed',
        detail: r.error ? `${r.error.code}` : undefined,
        deploymentId: r.rollbackDeploymentId,
        liveUrl: r.liveUrl,
        commit: r.commit,
      });
      return r;
    } finally {
      await connection.close();
    }
  }
}

