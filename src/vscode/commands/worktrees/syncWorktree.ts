import * as vscode from 'vscode';
import { syncSkill, type SyncResult } from '../../../core/git/flows';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs, worktreeOfRef } from '../support/skillRefs';
import { refreshAll } from './refreshAll';

/** `odoobo.syncWorktree`: merges main into skill/<name>, or rebases it onto main, as the person chooses. */
export async function syncWorktree(ctx: CommandContext, arg?: unknown): Promise<SyncResult | CommandRefusal> {
  let [ref] = skillRefs(ctx, arg);
  ref ??= (await chooseSkills(ctx, 'Sync with main', (r) => !!worktreeOfRef(r)))[0];
  if (!ref) return refused('no skill chosen', 'cancelled');
  type Item = vscode.QuickPickItem & { id: 'merge' | 'rebase' };
  const modes: Item[] = [
    { id: 'merge', label: `Merge main into skill/${ref.name}`, detail: 'Keeps history; safe for pushed branches.' },
    {
      id: 'rebase',
      label: `Rebase skill/${ref.name} onto main`,
      detail: 'Linear history; pushed commits then need a force push (never done for you).',
    },
  ];
  const mode = await pickOne(ctx, modes, { title: `Sync ${ref.name} with main` });
  if (!mode) return cancelled('sync');
  const result = await withCancellableProgress(`Syncing ${ref.name} with main`, (signal, report) =>
    syncSkill(ref.store.folder.uri.fsPath, ref.name, { mode: mode.id, signal, onProgress: (p) => report(p.message) }),
  );
  await refreshAll(ctx);
  const force = result.needsForcePush ? ' — the rebase rewrote pushed commits: push with --force-with-lease when you are sure' : '';
  void vscode.window.showInformationMessage(`${ref.name}: ${result.status} with ${result.onto}${force}.`);
  return result;
}
