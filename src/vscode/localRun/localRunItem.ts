import * as vscode from 'vscode';
import { localRunsDir, readRunRecord, type LocalRunRecord } from '../../core/localRun/registry';

/** A skill's running local run under it in the Skills tree: its URL, who started it, Invoke… and Stop inline. */
export class LocalRunItem extends vscode.TreeItem {
  readonly kind = 'localrun' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly skillName: string, readonly record: LocalRunRecord) {
    super(record.url, vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#skill:${skillName}/localrun`;
    this.description = `running locally${record.owner === 'cli' ? ' (odoobo run)' : ''}`;
    this.iconPath = new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'));
    this.contextValue = 'localrun';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(vm-running) **${skillName}** runs locally at ${record.url}\n\n`);
    const started = new Date(record.startedAt).toLocaleString();
    md.appendText(`from ${record.worktree}\nprocess group ${record.pid}, started ${started} by ${record.owner}`);
    this.tooltip = md;
    this.command = { command: 'vscode.open', title: 'Open Docs', arguments: [vscode.Uri.parse(`${record.url}/docs`)] };
  }
}

/** The skill's local run as a tree item, when one runs (from the registry, so the CLI's runs show too). */
export async function localRunChildren(folder: vscode.WorkspaceFolder, skillName: string): Promise<LocalRunItem[]> {
  const runsDir = await localRunsDir(folder.uri.fsPath);
  const record = runsDir ? await readRunRecord(runsDir, skillName) : undefined;
  return record ? [new LocalRunItem(folder, skillName, record)] : [];
}
