import * as vscode from 'vscode';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { worktreePath } from './worktreePath';

/** `odoobo.openWorktreeInNewWindow`: the named worktree, or one chosen among those on disk, in a new window. */
export async function openWorktreeInNewWindow(ctx: CommandContext, arg?: unknown): Promise<string | CommandRefusal> {
  let target = worktreePath(ctx, arg)?.path;
  if (!target) {
    const items = ctx.stores().flatMap((s) =>
      (s.model?.skills ?? []).flatMap((v) =>
        v.worktree?.exists ? [{ label: v.skill.name, description: v.worktree.branch, detail: v.worktree.path, id: v.worktree.path }] : [],
      ),
    );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('No skill has a worktree yet. Run "Odoobo: Set Up Worktrees" first.');
      return refused('no worktrees');
    }
    target = (await pickOne(ctx, items, { title: 'Open worktree in new window' }))?.id;
  }
  if (!target) return cancelled('Open worktree');
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(target), { forceNewWindow: true });
  return target;
}
