import * as vscode from 'vscode';
import { AppHistoryLoader } from '../../core/deploy/appHistory';
import { AppDetailsCache } from '../appDetails';
import { AppSpecDiagnostics } from '../appSpecDiagnostics';
import { AppSpecQuickFixes } from '../appSpecQuickFixes';
import type { CommandId } from '../commands/commandIds';
import type { CommandContext } from '../commands/context';
import { HANDLERS } from '../commands/handlers';
import type { PromptScript } from '../commands/support/prompts';
import { walkthrough, type WalkthroughProgress } from '../commands/support/walkthroughContext';
import { DashboardController } from '../dashboard/dashboardPanel';
import { DeployService } from '../deployService';
import { LocalPlatformManager } from '../localPlatform';
import { SkillLogs } from '../logs/skillLogs';
import { TOKEN_SECRET_KEY } from '../secrets';
import type { SkillsStore } from '../skillsStore';
import { DeployStatusBar } from '../statusBar';
import { SmokeTests } from '../testing/smokeTests';

/** What activation already created and hands in: one of each, whichever bundle uses it. */
export interface Shared {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly stores: () => readonly SkillsStore[];
  /** Fires when any folder's model changed (and when folders come and go). */
  readonly onStoresChanged: vscode.Event<void>;
  /** The tree calls this when the app details changed. */
  readonly treeChanged: () => void;
  readonly treeVisible: () => boolean;
  readonly onTreeVisibility: vscode.Event<boolean>;
  readonly prompts: () => PromptScript | undefined;
}

/** Everything that need not exist before the first paint: the deploy path, the dashboard, diagnostics, the commands. */
export interface Deferred {
  readonly localPlatform: LocalPlatformManager;
  readonly deployments: DeployService;
  readonly statusBar: DeployStatusBar;
  readonly apps: AppDetailsCache;
  readonly logs: SkillLogs;
  readonly smokeTests: SmokeTests;
  readonly dashboard: DashboardController;
  readonly walkthrough: WalkthroughProgress;
  /** Runs a command's handler (trust and error reporting are the caller's). */
  run(id: CommandId, args: unknown[]): unknown;
}

/** Creates the deferred objects in dependency order; called once, by the first use of any of them. */
export function createDeferred(shared: Shared): Deferred {
  const { extension: context, log, stores } = shared;
  const subs = context.subscriptions;
  // The repository's local platform, shared with the CLI (its data folder is under the git common directory).
  const localPlatform = new LocalPlatformManager(
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath,
    () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    log,
  );
  const deployments = new DeployService(context, localPlatform, log);
  subs.push(localPlatform, deployments);
  const logs = new SkillLogs(deployments);
  const smokeTests = new SmokeTests(deployments, stores);
  const statusBar = new DeployStatusBar(deployments, stores);
  subs.push(logs, smokeTests, statusBar);
  // One read of a skill's app and deployments serves the tree and the dashboard.
  const history = new AppHistoryLoader(() => deployments.connect());
  const dashboard = new DashboardController({ extensionUri: context.extensionUri, deployments, stores, log, history });
  subs.push(dashboard);
  const hasToken = async () => !!(await context.secrets.get(TOKEN_SECRET_KEY));
  const apps = new AppDetailsCache(deployments, history, localPlatform, hasToken);
  apps.setVisible(shared.treeVisible());
  subs.push(
    apps,
    apps.onDidChange(() => shared.treeChanged()),
    deployments.onDidChange(() => shared.treeChanged()),
    shared.onTreeVisibility((visible) => apps.setVisible(visible)),
    shared.onStoresChanged(() => {
      statusBar.update();
      smokeTests.sync();
      dashboard.changed();
    }),
  );

  const diagnostics = vscode.languages.createDiagnosticCollection('odoobo');
  subs.push(
    diagnostics,
    new AppSpecDiagnostics(diagnostics),
    vscode.languages.registerCodeActionsProvider({ language: 'yaml', scheme: 'file' }, new AppSpecQuickFixes(), {
      providedCodeActionKinds: AppSpecQuickFixes.kinds,
    }),
  );

  const ctx: CommandContext = {
    deployments,
    extension: context,
    diagnostics,
    stores,
    log,
    dashboard,
    logs,
    apps,
    get prompts() {
      return shared.prompts();
    },
  };
  subs.push(walkthrough.track(ctx));
  return {
    localPlatform,
    deployments,
    statusBar,
    apps,
    logs,
    smokeTests,
    dashboard,
    walkthrough,
    run: (id, args) => HANDLERS[id](ctx, ...args),
  };
}
