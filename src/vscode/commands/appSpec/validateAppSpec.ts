import * as vscode from 'vscode';
import type { Finding } from '../../../core/appspec';
import { lintDocument } from '../../appSpecDiagnostics';
import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../shared/refusal';

/** The app spec a command was invoked on: a URI, a tree item's resource, or the active editor's document. */
function specUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const resource = arg && typeof arg === 'object' && 'resourceUri' in arg ? (arg as vscode.TreeItem).resourceUri : undefined;
  if (resource) return resource;
  return vscode.window.activeTextEditor?.document.uri;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `odoobo.validateAppSpec`: lints an app spec and shows its findings as diagnostics. */
export async function validateAppSpec(ctx: CommandContext, arg?: unknown): Promise<Finding[] | CommandRefusal> {
  const uri = specUri(arg);
  if (!uri) {
    void vscode.window.showInformationMessage('Open an app spec (infra/*.yaml) to validate it.');
    return refused('no app spec open');
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const findings = await lintDocument(ctx.diagnostics, doc);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const name = vscode.workspace.asRelativePath(uri);
  if (errors + warnings === 0) void vscode.window.showInformationMessage(`${name}: no problems found.`);
  else {
    void vscode.window
      .showWarningMessage(`${name}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.`, 'Show Problems')
      .then((a) => (a ? vscode.commands.executeCommand('workbench.actions.view.problems') : undefined));
  }
  return findings;
}
