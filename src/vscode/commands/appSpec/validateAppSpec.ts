import * as vscode from 'vscode';
import type { Finding } from '../../../core/appspec';
import { lintDocument } from '../../appSpecDiagnostics';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { refused, type CommandRefusal } from '../support/refusal';

/** The app spec a command was invoked on: a URI, a tree item's resource, or the active YAML editor's document. */
function specUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const resource = arg && typeof arg === 'object' && 'resourceUri' in arg ? (arg as vscode.TreeItem).resourceUri : undefined;
  if (resource) return resource;
  const doc = vscode.window.activeTextEditor?.document;
  return doc?.languageId === 'yaml' ? doc.uri : undefined;
}

/** From the palette with no YAML editor: one of the skills' app specs, chosen. */
async function chooseSpec(ctx: CommandContext): Promise<vscode.Uri | undefined> {
  const specs = ctx.stores().flatMap((s) => (s.model?.skills ?? []).filter((v) => v.skill.appSpecExists));
  const items = specs.map((v) => ({
    label: vscode.workspace.asRelativePath(v.skill.appSpecPath),
    description: v.skill.name,
    path: v.skill.appSpecPath,
  }));
  if (items.length === 0) return undefined;
  const chosen = await pickOne(ctx, items, { title: 'Validate which app spec?', placeHolder: 'The app specs of the skills' });
  return chosen && vscode.Uri.file(chosen.path);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `odoobo.validateAppSpec`: lints an app spec and shows its findings as diagnostics. */
export async function validateAppSpec(ctx: CommandContext, arg?: unknown): Promise<Finding[] | CommandRefusal> {
  const uri = specUri(arg) ?? (arg === undefined ? await chooseSpec(ctx) : undefined);
  if (!uri) {
    void vscode.window.showInformationMessage('Open an app spec (infra/*.yaml) to validate it, or pick one of the skills\' app specs.');
    return refused('no app spec chosen', 'cancelled');
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
