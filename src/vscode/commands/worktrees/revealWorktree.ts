import * as vscode from 'vscode';
import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../support/refusal';
import { worktreePathOrAsk } from './worktreePath';

/** `odoobo.revealWorktree`: the worktree's folder in the system's file manager. */
export async function revealWorktree(ctx: CommandContext, arg?: unknown): Promise<string | CommandRefusal> {
  const w = await worktreePathOrAsk(ctx, arg, 'Reveal the worktree of which skill?');
  if (!w) return refused('this skill has no worktree folder');
  await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(w.path));
  return w.path;
}
