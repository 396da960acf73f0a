import * as vscode from 'vscode';
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { findingFor } from './appSpecDiagnostics';

/** An edit that replaces the whole document with `doc` re-serialised by `yaml` (comments and order are kept). */
function rewrite(document: vscode.TextDocument, mutate: (doc: Document) => void): vscode.WorkspaceEdit | undefined {
  const doc = parseDocument(document.getText(), { keepSourceTokens: true });
  if (doc.errors.length) return undefined;
  mutate(doc);
  const edit = new vscode.WorkspaceEdit();
  const all = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
  edit.replace(document.uri, all, doc.toString({ lineWidth: 0 }));
  return edit;
}

function action(title: string, diagnostic: vscode.Diagnostic, edit: vscode.WorkspaceEdit | undefined, preferred = false): vscode.CodeAction | undefined {
  if (!edit) return undefined;
  const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  a.diagnostics = [diagnostic];
  a.edit = edit;
  a.isPreferred = preferred;
  return a;
}

/** Quick fixes for the linter's findings: secret → `type: SECRET`, placeholder → a value, add `health_check`, nearest valid value. */
export class AppSpecQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: (vscode.CodeAction | undefined)[] = [];
    for (const d of context.diagnostics) {
      const finding = findingFor(document.uri, d);
      if (!finding?.fix) continue;
      const fix = finding.fix;
      switch (fix.kind) {
        case 'make-secret':
          actions.push(
            action(
              'Make this env a SECRET (and remove its plaintext value from the file)',
              d,
              rewrite(document, (doc) => {
                const env = doc.getIn(fix.envPath, true);
                if (!isMap(env)) return;
                env.delete('value');
                env.set('type', 'SECRET');
              }),
              true,
            ),
          );
          break;
        case 'replace-placeholder': {
          const a = new vscode.CodeAction('Replace the placeholder with a value…', vscode.CodeActionKind.QuickFix);
          a.diagnostics = [d];
          a.command = { command: 'odoobo.replacePlaceholder', title: 'Replace placeholder', arguments: [document.uri, d.range] };
          actions.push(a);
          break;
        }
        case 'add-health-check':
          actions.push(
            action(
              'Add a health_check (GET /health)',
              d,
              rewrite(document, (doc) => {
                const service = doc.getIn(fix.servicePath, true);
                if (isMap(service)) service.set('health_check', doc.createNode({ http_path: '/health', initial_delay_seconds: 5, period_seconds: 10, timeout_seconds: 3, success_threshold: 1, failure_threshold: 3 }));
              }),
              true,
            ),
          );
          break;
        case 'replace-value':
        case 'rename-field':
          fix.suggestions.slice(0, 3).forEach((s, i) => {
            const edit = new vscode.WorkspaceEdit();
            edit.replace(document.uri, d.range, s);
            actions.push(action(`Change to "${s}"`, d, edit, i === 0));
          });
          break;
        case 'remove-field':
          if (finding.path) {
            const p = finding.path;
            actions.push(action(`Remove "${String(p[p.length - 1])}"`, d, rewrite(document, (doc) => void doc.deleteIn(p))));
          }
          break;
        default:
          break;
      }
    }
    return actions.filter((a): a is vscode.CodeAction => !!a);
  }
}

/** The command behind "Replace the placeholder with a value…": asks for the value, keeps YAML quoting right. */
export async function replacePlaceholder(uri: vscode.Uri, range: vscode.Range, value?: string): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(uri);
  const current = document.getText(range);
  const answer = value ?? (await vscode.window.showInputBox({ title: 'Replace placeholder', prompt: `Value for ${current}`, ignoreFocusOut: true }));
  if (answer === undefined) return false;
  // When the placeholder is the whole value, quote if YAML would read the bare text as something else (a number,
  // a boolean, a mapping…); inside a longer string it is replaced as it is.
  const line = document.lineAt(range.start.line).text;
  const wholeValue = /(^|[:-]\s+)$/.test(line.slice(0, range.start.character)) && line.slice(range.end.character).trim() === '';
  const probe = parseDocument(`v: ${answer}`);
  const node = isMap(probe.contents) ? probe.contents.get('v', true) : undefined;
  const plain = probe.errors.length === 0 && isScalar(node) && (node as { value: unknown }).value === answer;
  const safe = !wholeValue || plain ? answer : JSON.stringify(answer);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, range, safe);
  return vscode.workspace.applyEdit(edit);
}
