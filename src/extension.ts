import * as vscode from 'vscode';
import { performance } from 'node:perf_hooks';
import { COMMAND_IDS } from './vscode/commands/commandIds';
import { registerCommands } from './vscode/commands/registerCommands';
import type { PromptScript } from './vscode/commands/support/prompts';
import type { WalkthroughProgress } from './vscode/commands/support/walkthroughContext';
import { SkillsStore } from './vscode/skillsStore';
import { LocalPlatformManager } from './vscode/localPlatform';
import { AppSpecDiagnostics } from './vscode/appSpecDiagnostics';
import { AppSpecQuickFixes } from './vscode/appSpecQuickFixes';
import { DeployService } from './vscode/deployService';
import { DeployStatusBar } from './vscode/statusBar';
import { SkillsTreeProvider } from './vscode/tree/skillsTree';
import { AppHistoryLoader } from './core/deploy/appHistory';
import { AppDetailsCache } from './vscode/appDetails';
import { TOKEN_SECRET_KEY } from './vscode/secrets';
import { SkillLogs } from './vscode/logs/skillLogs';
import { SmokeTests } from './vscode/testing/smokeTests';
import { DashboardController } from './vscode/dashboard/dashboardPanel';
import { openWalkthroughOnFirstStart } from './vscode/walkthrough';

const moduleLoadedAt = performance.now();

/** Milliseconds from this module's evaluation to `activate` returning, and to the first model being shown. */
export interface ActivationTimes {
  readonly activateMs: number;
  readonly firstModelMs?: number;
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
  // Filled in as activation ends and as the first model is shown; the API hands out this same object.
  const activation: { activateMs: number; firstModelMs?: number } = { activateMs: 0 };
  const log = vscode.window.createOutputChannel('Odoobo Skills', { log: true });
  context.subscriptions.push(log);

  const stores = new Map<string, SkillsStore>();
  const allStores = () => [...stores.values()];
  // The repository's local platform, shared with the CLI (its data folder is under the git common directory).
  const localPlatform = new LocalPlatformManager(
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath,
    () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    log,
  );
  const deployments = new DeployService(context, localPlatform, log);
  context.subscriptions.push(localPlatform, deployments);
  const logs = new SkillLogs(deployments);
  const smokeTests = new SmokeTests(deployments, allStores);
  const statusBar = new DeployStatusBar(deployments, allStores);
  context.subscriptions.push(logs, smokeTests, statusBar);
  // One read of a skill's app and deployments serves the tree and the dashboard.
  const history = new AppHistoryLoader(() => deployments.connect());
  const dashboard = new DashboardController({ extensionUri: context.extensionUri, deployments, stores: allStores, log, history });
  context.subscriptions.push(dashboard, dashboard.registerSerializer());
  const hasToken = async () => !!(await context.secrets.get(TOKEN_SECRET_KEY));
  const apps = new AppDetailsCache(deployments, history, localPlatform, hasToken);
  const tree = new SkillsTreeProvider(allStores, (skill) => deployments.state(skill), apps);
  context.subscriptions.push(apps, deployments.onDidChange(() => tree.changed()));
  const treeView = vscode.window.createTreeView('odoobo.skills', {
    treeDataProvider: tree,
    showCollapseAll: true,
    canSelectMany: true,
  });
  apps.setVisible(treeView.visible);
  context.subscriptions.push(tree, treeView, treeView.onDidChangeVisibility((e) => apps.setVisible(e.visible)));

  const updateContext = () => {
    const hasSkills = allStores().some((s) => (s.model?.skills.length ?? 0) + (s.model?.problems.length ?? 0) > 0);
    void vscode.commands.executeCommand('setContext', 'odoobo.hasSkills', hasSkills);
  };
  const addFolder = (folder: vscode.WorkspaceFolder): Promise<unknown> => {
    const store = new SkillsStore(folder, log);
    stores.set(folder.uri.toString(), store);
    store.onDidChange(() => {
      tree.changed();
      updateContext();
      statusBar.update();
      smokeTests.sync();
      dashboard.changed();
    });
    return store
      .refresh()
      .then(() => deployments.load(store))
      .then(() => {
        // In the background: a deployment left in flight (a reloaded window, a killed CLI) is monitored to its end.
        if (!vscode.workspace.isTrusted) return;
        void deployments.resume(store).catch((e) => log.warn(`could not resume in-flight deployments: ${(e as Error).message}`));
      })
      .catch(() => undefined);
  };
  const ready = Promise.all((vscode.workspace.workspaceFolders ?? []).map(addFolder)).then(() => {
    updateContext();
    activation.firstModelMs = performance.now() - moduleLoadedAt;
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
      smokeTests.sync();
    }),
    { dispose: () => stores.forEach((s) => s.dispose()) },
  );

  const diagnostics = vscode.languages.createDiagnosticCollection('odoobo');
  context.subscriptions.push(
    diagnostics,
    new AppSpecDiagnostics(diagnostics),
    vscode.languages.registerCodeActionsProvider({ language: 'yaml', scheme: 'file' }, new AppSpecQuickFixes(), {
      providedCodeActionKinds: AppSpecQuickFixes.kinds,
    }),
  );

  let prompts: PromptScript | undefined;
  const walkthrough = registerCommands({
    deployments,
    extension: context,
    diagnostics,
    stores: allStores,
    log,
    dashboard,
    logs,
    apps,
    get prompts() {
      return prompts;
    },
  });

  void openWalkthroughOnFirstStart(context, log);
  activation.activateMs = performance.now() - moduleLoadedAt;
  return {
    activation,
    localPlatform,
    deployments,
    statusBar,
    apps,
    dashboard,
    logs,
    smokeTests,
    stores: allStores,
    tree,
    commandIds: COMMAND_IDS,
    ready,
    setPromptScript: (s) => (prompts = s),
    walkthrough,
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
