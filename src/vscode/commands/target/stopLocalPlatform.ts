import * as vscode from 'vscode';
import type { StopResult } from '../../../core/localPlatform';
import type { CommandContext } from '../context';

/** `odoobo.stopLocalPlatform`: stops the repository's local App Platform (shared with the CLI) and every app it runs. */
export async function stopLocalPlatform(ctx: CommandContext): Promise<StopResult> {
  const r = await ctx.deployments.localPlatform.stop();
  const text = r.wasRunning ? `Stopped the local App Platform (pid ${r.pid}) and the skills it ran.` : 'No local App Platform was running.';
  if (r.remaining.length) void vscode.window.showWarningMessage(`${text} Processes still running: ${r.remaining.join(', ')}.`);
  else void vscode.window.showInformationMessage(text);
  return r;
}
