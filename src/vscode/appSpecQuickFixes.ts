import * as vscode from 'vscode';
import { findingFor } from './appSpecDiagnostics';

function action(
  title: string,
  diagnostic: vscode.Diagnostic,
  edit: vscode.WorkspaceEdit | undefined,
  preferred = false,
): vscode.CodeAction | undefined {
  if (!edit) return undefined;
  const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  a.diagnostics = [diagnostic];
  a.edit = edit;
  a.isPreferred = preferred;
  return a;
}

/** Quick fixes for the linter's findings: the edits each finding carries (see core/appspec/fixes), and a placeholder's value. */
export class AppSpecQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: (vscode.CodeAction | undefined)[] = [];
    for (const d of context.diagnostics) {
      const finding = findingFor(document.uri, d);
      if (!finding) continue;
      if (finding.fix?.kind === 'replace-placeholder') {
        const a = new vscode.CodeAction('Replace the placeholder with a value…', vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.command = { command: 'odoobo.replacePlaceholder', title: 'Replace placeholder', arguments: [document.uri, d.range] };
        actions.push(a);
      }
      // The linter computed the edits (core/appspec/fixes): offsets into the text it linted, which is this document's.
      for (const fix of finding.fixes ?? []) {
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) {
          edit.replace(document.uri, new vscode.Range(document.positionAt(e.start), document.positionAt(e.end)), e.newText);
        }
        actions.push(action(fix.title, d, edit, fix.preferred));
      }
    }
    return actions.filter((a): a is vscode.CodeAction => !!a);
  }
}
