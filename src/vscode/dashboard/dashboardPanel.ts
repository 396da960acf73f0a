import * as vscode from 'vscode';
import type { AppHistoryLoader } from '../../core/deploy/appHistory';
import { StatusStore, type SkillTestResult } from '../../core/status';
import { skillEnvStatus } from '../../core/status/schema';
import type { CommandId } from '../commands/commandIds';
import { settings } from '../config';
import type { DeployService } from '../deployService';
import { editorEnvironments, skillAppName, type EditorEnvironments } from '../environments';
import type { SkillsStore } from '../skillsStore';
import { Disposable } from '../util/disposable';
import { dashboardHtml, newNonce } from './html';
import { historyEntry, rowOf } from './model';
import { healthMonitor } from '../operate/health';
import {
  DASHBOARD_VIEW_TYPE,
  parseWebviewMessage,
  readUiState,
  type ActionKind,
  type EnvironmentInfo,
  type HostMessage,
  type SkillRow,
  type UiState,
} from './protocol';

/** Row updates within this window go out as one message. */
const COALESCE_MS = 50;
/** Messages kept for tests. */
const KEEP_POSTED = 200;

export type CommandExecutor = (command: CommandId, ...args: unknown[]) => Thenable<unknown>;

/** The dashboard's actions are the extension's commands, called with the skill's name. */
const ACTION_COMMANDS: Record<Exclude<ActionKind, 'openUrl'>, CommandId> = {
  deploy: 'odoobo.deploy',
  cancel: 'odoobo.cancelDeploy',
  test: 'odoobo.test',
  rollback: 'odoobo.rollback',
  logs: 'odoobo.showLogs',
};

export interface DashboardDeps {
  readonly extensionUri: vscode.Uri;
  readonly deployments: DeployService;
  readonly stores: () => readonly SkillsStore[];
  readonly log: vscode.LogOutputChannel;
  /** The window's reads of apps and deployments, shared with the Skills tree. */
  readonly history: AppHistoryLoader;
}

/**
 * The deployment dashboard: one webview panel (restored after a reload by the serializer), fed rows from the deploy
 * service and histories from App Platform. The webview keeps its own UI state (no retainContextWhenHidden) and says
 * `ready` each time it (re)loads; only then is state posted.
 */
export class DashboardController extends Disposable implements vscode.WebviewPanelSerializer {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private ready = false;
  private ui: UiState = { expanded: [], scrollY: 0 };
  private readonly history: AppHistoryLoader;
  private readonly pending = new Set<string>();
  private pendingAll = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTests = new Map<string, SkillTestResult>();
  /** The status file of each workspace folder's repository (finding it runs git once). */
  private readonly statusStores = new Map<string, Promise<StatusStore>>();
  /** Per skill, `phase|deploymentId` when its history was last sent: a change refreshes the history shown. */
  private readonly historyKeys = new Map<string, string>();
  private readonly historyAt = new Map<string, number>();
  private execute: CommandExecutor = (command, ...args) => vscode.commands.executeCommand(command, ...args);
  /** For tests: the messages posted to the webview (the last 200) and why messages from it were rejected. */
  readonly posted: HostMessage[] = [];
  readonly rejected: string[] = [];
  private postedTotal = 0;

  constructor(private readonly deps: DashboardDeps) {
    super();
    this.history = deps.history;
    this._register(deps.deployments.onDidChange((skill) => this.changed(skill)));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        const watched = ['odoobo.target', 'odoobo.apiUrl', 'odoobo.environment'];
        if (!watched.some((k) => e.affectsConfiguration(k))) return;
        this.history.invalidate();
        this.changed();
      }),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed()));
    // CPU, memory and replicas of the apps the tree shows (the monitor polls them), drawn in the health column.
    const monitor = healthMonitor();
    if (monitor) this._register(monitor.onDidChange(() => this.changed()));
    this._register({
      dispose: () => {
        clearTimeout(this.flushTimer);
        this.panel?.dispose();
      },
    });
  }

  /** Registers the serializer that brings the panel back after VS Code reloads. */
  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, this);
  }

  get currentPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  /** How many messages were posted in all (tests find the new ones in `posted` with it). */
  get postedCount(): number {
    return this.postedTotal;
  }

  /** The UI state as the host knows it (restored state, then the webview's selections). */
  get uiState(): UiState {
    return this.ui;
  }

  /** Opens the dashboard, or reveals it. */
  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Deployments', vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(panel);
    return panel;
  }

  /** The serializer's half: the panel VS Code restored, with the state the webview last saved. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    this.attach(panel, readUiState(state));
  }

  /** Tests replace how actions run their commands; the returned disposable restores it. */
  setCommandExecutor(executor: CommandExecutor): vscode.Disposable {
    const previous = this.execute;
    this.execute = executor;
    return { dispose: () => (this.execute = previous) };
  }

  /** A skill's state changed (undefined: several); rows go out at most once per COALESCE_MS. */
  changed(skill?: string): void {
    if (skill === undefined) this.pendingAll = true;
    else this.pending.add(skill);
    this.flushTimer ??= setTimeout(() => this.flush(), COALESCE_MS);
  }

  /** Every message from the webview comes through here: validated, and dropped with a log line when invalid. */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) return this.reject(`invalid message dropped: ${parsed.error}`);
    const m = parsed.message;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        return this.postState();
      case 'select':
        if (m.skill !== null && !this.skillNames().includes(m.skill)) return this.reject(`selection of an unknown skill ${m.skill}`);
        this.ui = { ...this.ui, selected: m.skill ?? undefined };
        return;
      case 'requestHistory':
        if (!this.skillNames().includes(m.skill)) return this.reject(`history of an unknown skill ${m.skill}`);
        return this.sendHistory(m.skill, m.refresh);
      case 'action':
        return this.act(m.kind, m.skill);
      case 'chooseEnvironment':
        return this.chooseEnvironment(m.environment);
    }
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview')],
    };
  }

  private attach(panel: vscode.WebviewPanel, ui?: UiState): void {
    if (this.panel && this.panel !== panel) this.panel.dispose();
    this.detach();
    this.panel = panel;
    this.ready = false;
    if (ui) this.ui = ui;
    panel.title = 'Deployments';
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'activity-icon.svg');
    panel.webview.options = this.webviewOptions();
    this.panelSubscriptions = [
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      // Without retainContextWhenHidden a hidden webview is gone; it says `ready` again when shown.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        this.detach();
        this.panel = undefined;
        this.ready = false;
      }),
    ];
    panel.webview.html = this.html(panel.webview);
  }

  private detach(): void {
    for (const d of this.panelSubscriptions.splice(0)) d.dispose();
  }

  private html(webview: vscode.Webview): string {
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview', name)).toString();
    return dashboardHtml(
      { cspSource: webview.cspSource, script: asset('dashboard.js'), styles: asset('dashboard.css'), codicons: asset('codicon.css') },
      newNonce(),
    );
  }

  private reject(reason: string): void {
    this.deps.log.warn(`dashboard: ${reason}`);
    this.rejected.push(reason);
    if (this.rejected.length > KEEP_POSTED) this.rejected.shift();
  }

  private post(message: HostMessage): void {
    if (!this.panel || !this.ready) return;
    this.posted.push(message);
    this.postedTotal++;
    if (this.posted.length > KEEP_POSTED) this.posted.shift();
    void this.panel.webview.postMessage(message);
  }

  private skillNames(): string[] {
    const names = this.deps.stores().flatMap((s) => (s.model?.skills ?? []).map((v) => v.skill.name));
    return [...new Set(names)].sort();
  }

  private rows(only?: ReadonlySet<string>): SkillRow[] {
    const trusted = vscode.workspace.isTrusted;
    const { deployments } = this.deps;
    return this.skillNames()
      .filter((skill) => !only || only.has(skill))
      .map((skill) =>
        rowOf({
          skill,
          state: deployments.state(skill),
          running: deployments.isDeploying(skill),
          lastTest: this.lastTests.get(skill),
          trusted,
          health: healthMonitor()?.history(skill),
        }),
      );
  }

  /** The status file's last smoke test per skill on the current target (shown until this session runs one). */
  private async loadLastTests(): Promise<void> {
    const target = settings().target;
    const tests = new Map<string, SkillTestResult>();
    for (const store of this.deps.stores()) {
      try {
        const dir = store.folder.uri.fsPath;
        let status = this.statusStores.get(dir);
        if (!status) this.statusStores.set(dir, (status = StatusStore.forRepository(dir)));
        const file = await (await status).read();
        const { envs, current } = await editorEnvironments(dir, this.deps.log);
        for (const [skill, s] of Object.entries(file.skills)) {
          const lastTest = skillEnvStatus(s, current.name, envs.defaultName).lastTest;
          if (lastTest && (lastTest.target ?? target) === target) tests.set(skill, lastTest);
        }
      } catch (e) {
        this.statusStores.delete(store.folder.uri.fsPath);
        this.deps.log.debug(`dashboard: no status file for ${store.folder.name}: ${(e as Error).message}`);
      }
    }
    this.lastTests = tests;
  }

  /** The editor's environments, of the first repository with skills (undefined: none, or an invalid environments.yaml). */
  private async environments(): Promise<EditorEnvironments | undefined> {
    const store = this.deps.stores().find((s) => s.model?.root);
    if (!store?.model) return undefined;
    return editorEnvironments(store.model.root, this.deps.log).catch((e: unknown) => {
      this.deps.log.debug(`dashboard: no environments: ${(e as Error).message}`);
      return undefined;
    });
  }

  private async postState(): Promise<void> {
    await this.loadLastTests();
    const envs = await this.environments();
    const environment: EnvironmentInfo | undefined = envs && {
      current: envs.current.name,
      all: envs.usable.map((e) => e.name),
      requiresApproval: envs.current.requiresApproval,
    };
    const trusted = vscode.workspace.isTrusted;
    const target = settings().target;
    this.post({ type: 'state', target, trusted, rows: this.rows(), ui: this.ui, ...(environment ? { environment } : {}) });
  }

  /** The header's switch: the command writes odoobo.environment; its configuration change posts the new state. */
  private async chooseEnvironment(name: string | undefined): Promise<void> {
    if (name !== undefined && !(await this.environments())?.usable.some((e) => e.name === name))
      return this.reject(`choice of an unknown environment ${name}`);
    this.deps.log.info(`dashboard: odoobo.chooseEnvironment ${name ?? ''}`.trimEnd());
    Promise.resolve(this.execute('odoobo.chooseEnvironment', ...(name ? [name] : []))).then(undefined, (e: unknown) =>
      this.deps.log.error(`dashboard: odoobo.chooseEnvironment failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  private flush(): void {
    this.flushTimer = undefined;
    const all = this.pendingAll;
    const skills = new Set(this.pending);
    this.pendingAll = false;
    this.pending.clear();
    // Not ready: the webview is loading or hidden, and its next `ready` gets everything.
    if (!this.panel || !this.ready) return;
    if (all) void this.postState();
    else this.post({ type: 'rows', rows: this.rows(skills) });
    this.followSelected(all ? undefined : skills);
  }

  private historyKey(skill: string): string {
    const s = this.deps.deployments.state(skill);
    return `${s?.phase ?? 'none'}|${s?.deploymentId ?? ''}`;
  }

  /** Refreshes the shown history when its skill's deployment changed, and while it deploys at the poll interval. */
  private followSelected(changed: ReadonlySet<string> | undefined): void {
    const skill = this.ui.selected;
    if (!skill || (changed && !changed.has(skill))) return;
    const moved = this.historyKeys.get(skill) !== this.historyKey(skill);
    const due =
      this.deps.deployments.state(skill)?.phase === 'deploying' &&
      Date.now() - (this.historyAt.get(skill) ?? 0) >= settings().pollIntervalSeconds * 1000;
    if (moved || due) void this.sendHistory(skill, true);
  }

  private async sendHistory(skill: string, refresh = false): Promise<void> {
    const target = settings().target;
    this.historyKeys.set(skill, this.historyKey(skill));
    this.historyAt.set(skill, Date.now());
    const envs = await this.environments();
    // The editor's environment's app (pr-review-staging), as the tree reads it.
    const appName = envs ? skillAppName(envs.current, skill) : skill;
    if (refresh || !this.history.cached(target, skill, appName)) this.post({ type: 'history', skill, status: 'loading', entries: [] });
    const r = await this.history.load(target, skill, { refresh, appName });
    // A panel closed meanwhile gets nothing (post needs a ready panel); the read stays cached for the tree.
    this.post({
      type: 'history',
      skill,
      status: r.error ? 'error' : 'loaded',
      entries: r.deployments.map(historyEntry),
      ...(r.error ? { error: r.error } : {}),
      fetchedAt: r.fetchedAt,
    });
  }

  private act(kind: ActionKind, skill: string): void {
    if (!this.skillNames().includes(skill)) return this.reject(`${kind} of an unknown skill ${skill}`);
    if (kind === 'openUrl') {
      // Only the skill's own live URL: the webview names a skill, never a URL.
      const url = this.deps.deployments.state(skill)?.liveUrl;
      if (!url || !/^https?:\/\//.test(url)) return this.reject(`${skill} has no live URL to open`);
      void vscode.env.openExternal(vscode.Uri.parse(url));
      return;
    }
    const command = ACTION_COMMANDS[kind];
    this.deps.log.info(`dashboard: ${command} ${skill}`);
    Promise.resolve(this.execute(command, skill)).then(undefined, (e: unknown) =>
      this.deps.log.error(`dashboard: ${command} ${skill} failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
}
