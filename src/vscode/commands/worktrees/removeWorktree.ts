import * as vscode from 'vscode';
import { GitFlowError, removeWorktree as removeFlow, type RemoveResult } from '../../../core/git/flows';
import type { CommandContext } from '../context';
import { confirm } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs, worktreeOfRef } from '../support/skillRefs';
import { refreshAll } from './refreshAll';

/** Problems that removing would lose work over: the person may still force it. */
const LOSES_WORK = new Set(['DIRTY_WORKTREE', 'IGNORED_FILES', 'UNPUSHED_WORK', 'WORKTREE_LOCKED', 'OPERATION_IN_PROGRESS']);

/** `odoobo.removeWorktree`: removes a skill's worktree (and, when asked, its merged branch). */
export async function removeWorktree(ctx: CommandContext, arg?: unknown): Promise<RemoveResult | CommandRefusal> {
  let [ref] = skillRefs(ctx, arg);
  ref ??= (await chooseSkills(ctx, 'Remove worktree', (r) => !!worktreeOfRef(r)))[0];
  if (!ref) return refused('no skill chosen', 'cancelled');
  const root = ref.store.folder.uri.fsPath;
  const answer = await confirm(
    ctx,
    `Remove the worktree of ${ref.name}? Uncommitted or unpushed work and git-ignored files (.env, .venv/) stop the removal.`,
    'Remove Worktree',
    'Remove Worktree and Merged Branch',
  );
  if (!answer) return cancelled('remove');
  const deleteBranch = answer === 'Remove Worktree and Merged Branch';
  try {
    const result = await removeFlow(root, ref.name, { deleteBranch });
    await refreshAll(ctx);
    const branch = result.branchDeleted ? ' and its merged branch' : result.branchKept ? ` (branch kept: ${result.branchKept})` : '';
    void vscode.window.showInformationMessage(`Removed the worktree of ${ref.name}${branch}.`);
    return result;
  } catch (e) {
    if (!(e instanceof GitFlowError) || !LOSES_WORK.has(e.code)) throw e;
    const lose = e.problems.map((p) => `• ${p.message}`).join('\n');
    const question = `${ref.name}: removing this worktree would lose work:\n${lose}\n\nRemove anyway? This cannot be undone.`;
    if ((await confirm(ctx, question, 'Remove Anyway')) !== 'Remove Anyway') return refused(e.message);
    const result = await removeFlow(root, ref.name, { force: true, deleteBranch });
    await refreshAll(ctx);
    return result;
  }
}
