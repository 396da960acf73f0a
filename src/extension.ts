import * as vscode from 'vscode';
import { performance } from 'node:perf_hooks';
import { COMMAND_IDS } from './vscode/commands/commandIds';
import { registerCommands } from './vscode/commands/registerCommands';
import type { PromptScript } from './vscode/commands/support/prompts';
import type { WalkthroughProgress } from './vscode/commands/support/walkthroughContext';
import { SkillsStore } from './vscode/skillsStore';
import type { LocalPlatformManager } from './vscode/localPlatform';
import type { DeployService } from './vscode/deployService';
import type { DeployStatusBar } from './vscode/statusBar';
import { SkillsTreeProvider } from './vscode/tree/skillsTree';
import type { AppDetailsCache } from './vscode/appDetails';
import type { SkillLogs } from './vscode/logs/skillLogs';
import type { SmokeTests } from './vscode/testing/smokeTests';
import type { DashboardController } from './vscode/dashboard/dashboardPanel';
import { DASHBOARD_VIEW_TYPE } from './vscode/dashboard/protocol';
import { loadLazy } from './vscode/lazy/load';
import type { Deferred, createDeferred } from './vscode/lazy/deferred';
import { openWalkthroughOnFirstStart } from './vscode/walkthrough';
import { SKILL_DEBUG_TYPE, skillDebugProvider } from './vscode/localRun/debugProvider';
import { HealthMonitor, setHealthMonitor } from './vscode/operate/health';
import { startEarlyModels, takeEarlyModel, type EarlyModel } from './vscode/earlyModels';

const moduleLoadedAt = performance.now();
const loopAtModuleLoad = performance.eventLoopUtilization();
// Git and the manifests are read while the host prepares the extension's context, before it calls activate.
startEarlyModels();

/**
 * Milliseconds from this module's evaluation to `activate` returning, to the first model being shown (skills and
 * worktrees), and to every folder's model being complete (dirty, ahead/behind, deploy state).
 */
export interface ActivationTimes {
  /** When the host called `activate` (it loads the module and the extension's context in parallel, then calls it). */
  readonly activateStartMs: number;
  readonly activateMs: number;
  /** The host's event-loop utilization from module load to the first model (0 idle … 1 busy throughout). */
  readonly firstModelLoopBusy?: number;
  /** When every folder's first model was built (before activate when started early), and when the tree had it. */
  readonly firstModelBuiltMs?: number;
  readonly firstModelMs?: number;
  readonly completeModelMs?: number;
  /** Whether the lazy bundle (deploy path, dashboard, diagnostics, command handlers) was loaded when activate returned. */
  readonly lazyLoadedAtActivate: boolean;
}

/** What the extension exposes to its integration tests (and to other extensions, read-only). */
export interface OdooboApi {
  readonly stores: () => readonly SkillsStore[];
  readonly tree: SkillsTreeProvider;
  readonly commandIds: readonly string[];
  /** Resolves when every folder's first refresh is done. */
  readonly ready: Promise<void>;
  readonly activation: ActivationTimes;
  /** The repository's local App Platform (shared with the CLI), found or started on demand. */
  readonly localPlatform: LocalPlatformManager;
  readonly deployments: DeployService;
  readonly statusBar: DeployStatusBar;
  /** Each skill's app and recent deployments, as the tree shows them. */
  readonly apps: AppDetailsCache;
  /** The "Odoobo: <skill>" log channels. */
  readonly logs: SkillLogs;
  /** The "Skill smoke tests" test controller. */
  readonly smokeTests: SmokeTests;
  /** The deployment dashboard (webview panel). */
  readonly dashboard: DashboardController;
  /** Scripts prompt answers (tests only). */
  setPromptScript(script: PromptScript | undefined): void;
  /** The walkthrough steps whose context key is set (tests read it). */
  readonly walkthrough: WalkthroughProgress;
}

export function activate(context: vscode.ExtensionContext): OdooboApi {
  // Filled in as activation ends and as the models are shown; the API hands out this same object.
  const activation: { -readonly [K in keyof ActivationTimes]: ActivationTimes[K] } = {
    activateStartMs: performance.now() - moduleLoadedAt,
    activateMs: 0,
    lazyLoadedAtActivate: false,
  };
  const firstModelShown = () => {
    if (activation.firstModelMs !== undefined) return;
    activation.firstModelMs = performance.now() - moduleLoadedAt;
    activation.firstModelLoopBusy = performance.eventLoopUtilization(loopAtModuleLoad).utilization;
    const built = earlyModels.map((m) => m.firstPaintAt());
    activation.firstModelBuiltMs =
      built.length > 0 && built.every((t) => t !== undefined) ? Math.max(...built) - moduleLoadedAt : activation.firstModelMs;
  };
  const log = vscode.window.createOutputChannel('Odoobo Skills', { log: true });
  context.subscriptions.push(log);

  const stores = new Map<string, SkillsStore>();
  const earlyModels: EarlyModel[] = [];
  const allStores = () => [...stores.values()];
  const storesChanged = new vscode.EventEmitter<void>();
  const treeVisibility = new vscode.EventEmitter<boolean>();
  let prompts: PromptScript | undefined;
  // The deploy path, the dashboard, diagnostics and the command handlers: dist/lazy/deferred.js, created on first use.
  let deferred: Deferred | undefined;
  const lazy = (): Deferred =>
    (deferred ??= loadLazy<{ createDeferred: typeof createDeferred }>('deferred').createDeferred({
      extension: context,
      log,
      stores: allStores,
      onStoresChanged: storesChanged.event,
      treeChanged: () => tree.changed(),
      treeVisible: () => treeView.visible,
      onTreeVisibility: treeVisibility.event,
      prompts: () => prompts,
    }));
  const tree = new SkillsTreeProvider(allStores, (skill) => deferred?.deployments.state(skill), () => lazy().apps);
  const treeView = vscode.window.createTreeView('odoobo.skills', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
  context.subscriptions.push(tree, treeView, storesChanged, treeVisibility, treeView.onDidChangeVisibility((e) => treeVisibility.fire(e.visible)));

  const updateContext = () => {
    const hasSkills = allStores().some((s) => (s.model?.skills.length ?? 0) + (s.model?.problems.length ?? 0) > 0);
    void vscode.commands.executeCommand('setContext', 'odoobo.hasSkills', hasSkills);
  };
  const addFolder = (folder: vscode.WorkspaceFolder): Promise<unknown> => {
    const early = takeEarlyModel(folder);
    if (early) earlyModels.push(early);
    const store = new SkillsStore(folder, log, early);
    stores.set(folder.uri.toString(), store);
    store.onDidChange(() => {
      tree.changed();
      updateContext();
      storesChanged.fire();
    });
    // The first paint (skills and worktrees) fires onDidChange before the refresh resolves with the complete model.
    return store
      .refresh()
      .then(() => lazy().deployments.load(store))
      .then(() => {
        // In the background: a deployment left in flight (a reloaded window, a killed CLI) is monitored to its end.
        if (!vscode.workspace.isTrusted) return;
        void lazy().deployments.resume(store).catch((e) => log.warn(`could not resume in-flight deployments: ${(e as Error).message}`));
      })
      .catch(() => undefined);
  };
  const folders = vscode.workspace.workspaceFolders ?? [];
  const added = folders.map(addFolder);
  const painted = (s: SkillsStore) => new Promise<void>((resolve) => {
    const sub = s.onDidChange(() => (sub.dispose(), resolve()));
  });
  void Promise.all(allStores().map(painted)).then(firstModelShown);
  const ready = Promise.all(added).then(() => {
    // The status bar and the Testing view come with the lazy bundle: loaded now even if a folder failed to load.
    lazy();
    updateContext();
    firstModelShown();
    activation.completeModelMs = performance.now() - moduleLoadedAt;
  });
  context.subscriptions.push(
    vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const f of e.removed) {
        stores.get(f.uri.toString())?.dispose();
        stores.delete(f.uri.toString());
      }
      // addFolder reports its own failures; the tree updates as each folder loads.
      for (const f of e.added) void addFolder(f);
      tree.changed();
      updateContext();
      storesChanged.fire();
    }),
    { dispose: () => stores.forEach((s) => s.dispose()) },
    // A dashboard restored with the window loads the lazy bundle then, not before.
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => lazy().dashboard.deserializeWebviewPanel(panel, state),
    }),
  );
  registerCommands(context, log, (id, args) => lazy().run(id, args));
  const health = new HealthMonitor(() => lazy().deployments.connect());
  setHealthMonitor(health);
  context.subscriptions.push(health, health.onDidChange(() => tree.changed()), { dispose: () => setHealthMonitor(undefined) });
  context.subscriptions.push(vscode.debug.registerDebugConfigurationProvider(SKILL_DEBUG_TYPE, skillDebugProvider()));

  void openWalkthroughOnFirstStart(context, log);
  activation.activateMs = performance.now() - moduleLoadedAt;
  activation.lazyLoadedAtActivate = deferred !== undefined;
  return {
    activation,
    get localPlatform() {
      return lazy().localPlatform;
    },
    get deployments() {
      return lazy().deployments;
    },
    get statusBar() {
      return lazy().statusBar;
    },
    get apps() {
      return lazy().apps;
    },
    get dashboard() {
      return lazy().dashboard;
    },
    get logs() {
      return lazy().logs;
    },
    get smokeTests() {
      return lazy().smokeTests;
    },
    stores: allStores,
    tree,
    commandIds: COMMAND_IDS,
    ready,
    setPromptScript: (s) => (prompts = s),
    get walkthrough() {
      return lazy().walkthrough;
    },
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
