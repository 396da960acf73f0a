import * as vscode from 'vscode';
import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../shared/refusal';
import { worktreePath } from './worktreePath';

/** `odoobo.openWorktreeTerminal`: a terminal named skill/<name> in the worktree's folder. */
export function openWorktreeTerminal(ctx: CommandContext, arg?: unknown): string | CommandRefusal {
  const w = worktreePath(ctx, arg);
  if (!w) return refused('this skill has no worktree folder');
  vscode.window.createTerminal({ name: `skill/${w.skill}`, cwd: w.path }).show();
  return w.path;
}
