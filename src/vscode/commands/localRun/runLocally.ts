import * as vscode from 'vscode';
import { localRuns } from '../../localRun/localRuns';
import { oneSkill } from '../../localRun/skillArg';
import type { CommandContext } from '../context';

/** `odoobo.runLocally`: starts the skill from its worktree's working files, reloading on change; the tree shows its URL. */
export async function runLocally(ctx: CommandContext, arg?: unknown): Promise<{ skill: string; url: string; port: number } | undefined> {
  const ref = await oneSkill(ctx, arg, 'Run Locally');
  if (!ref) return undefined;
  const runs = localRuns(ctx.extension);
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Starting ${ref.name} locally…` },
    () => runs.start(ref.store, ref.name),
  );
  void vscode.commands.executeCommand('odoobo.refresh');
  const notes = run.notes.length ? ` (${run.notes.length} note${run.notes.length === 1 ? '' : 's'} in its log)` : '';
  void vscode.window.showInformationMessage(`${ref.name} runs at ${run.url}${notes}`, 'Invoke…', 'Open Docs').then((a) => {
    if (a === 'Invoke…') void vscode.commands.executeCommand('odoobo.invoke', ref.name);
    if (a === 'Open Docs') void vscode.env.openExternal(vscode.Uri.parse(`${run.url}/docs`));
  });
  return { skill: ref.name, url: run.url, port: run.port };
}
