/** Edits of an app spec made where the user sees them: in its editor, as one undoable edit, then saved. */
import * as vscode from 'vscode';

/** The spec's current text: the open editor's (unsaved changes included), else the file's. */
export async function specText(file: string): Promise<string> {
  return (await vscode.workspace.openTextDocument(vscode.Uri.file(file))).getText();
}

/**
 * Replaces `original` by `text` in the file's editor (shown beside), changing only the lines that differ, and saves.
 * Refuses (false) when the document changed since `original` was read.
 */
export async function editSpecVisibly(file: string, original: string, text: string): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  if (doc.getText() !== original) return false;
  let start = 0;
  while (start < original.length && start < text.length && original[start] === text[start]) start++;
  let end = 0;
  const room = Math.min(original.length, text.length) - start;
  while (end < room && original[original.length - 1 - end] === text[text.length - 1 - end]) end++;
  const range = new vscode.Range(doc.positionAt(start), doc.positionAt(original.length - end));
  const editor = await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true });
  const ok = await editor.edit((b) => b.replace(range, text.slice(start, text.length - end)));
  if (!ok) return false;
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  editor.selection = new vscode.Selection(range.start, doc.positionAt(start + (text.length - end - start)));
  return doc.save();
}
