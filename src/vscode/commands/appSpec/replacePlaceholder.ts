import * as vscode from 'vscode';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { CommandContext } from '../context';
import { input } from '../support/prompts';

/** `odoobo.replacePlaceholder`, behind the quick fix "Replace the placeholder with a value…": keeps YAML quoting right. */
export async function replacePlaceholder(ctx: CommandContext, uri: vscode.Uri, range: vscode.Range, value?: string): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(uri);
  const current = document.getText(range);
  const answer = value ?? (await input(ctx, { title: 'Replace placeholder', prompt: `Value for ${current}`, ignoreFocusOut: true }));
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
