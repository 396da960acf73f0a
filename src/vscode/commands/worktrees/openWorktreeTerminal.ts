import * as vscode from 'vscode';
import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../support/refusal';
import { worktreePathOrAsk } from './worktreePath';

/** `odoobo.openWorktreeTerminal`: a terminal named skill/<name> in the worktree's folder. */
export async function openWorktreeTerminal(ctx: CommandContext, arg?: unknown): Promise<string | CommandRefusal> {
  const w = await worktreePathOrAsk(ctx, arg, 'Open a terminal in the worktree of which skill?');
  if (!w) return refused('this skill has no worktree folder');
  vscode.window.createTerminal({ name: `skill/${w.skill}`, cwd: w.path }).show();
  return w.path;
}
