import * as vscode from 'vscode';
import { localRuns } from '../../localRun/localRuns';
import { oneSkill } from '../../localRun/skillArg';
import type { CommandContext } from '../context';

/** `odoobo.stopLocalRun`: stops the skill's local run (this window's or the CLI's) and every process it started. */
export async function stopLocalRun(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const runs = localRuns(ctx.extension);
  const ref = await oneSkill(ctx, arg, 'Stop Local Run', async (r) => !!(await runs.find(r.store, r.name)));
  if (!ref) return false;
  const stopped = await runs.stop(ref.store, ref.name);
  void vscode.commands.executeCommand('odoobo.refresh');
  if (!stopped) void vscode.window.showInformationMessage(`${ref.name} is not running locally.`);
  return stopped;
}
