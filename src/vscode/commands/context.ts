import type * as vscode from 'vscode';
import type { AppDetailsCache } from '../appDetails';
import type { DashboardController } from '../dashboard/dashboardPanel';
import type { DeployService } from '../deployService';
import type { SkillLogs } from '../logs/skillLogs';
import type { SkillsStore } from '../skillsStore';
import type { PromptHost } from './support/prompts';

/** What every command handler may use; extension.ts builds it once, after everything it names. */
export interface CommandContext extends PromptHost {
  readonly extension: vscode.ExtensionContext;
  readonly stores: () => readonly SkillsStore[];
  readonly log: vscode.LogOutputChannel;
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly deployments: DeployService;
  /** The tree's app details (live URLs of skills deployed before this window opened). */
  readonly apps: AppDetailsCache;
  /** The "Odoobo: <skill>" log channels. */
  readonly logs: SkillLogs;
  readonly dashboard: DashboardController;
}
