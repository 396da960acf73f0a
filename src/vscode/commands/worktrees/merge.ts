import * as vscode from 'vscode';
import { checkMergePreconditions, mergeSkills, type MergeResult } from '../../../core/git/flows';
import { settings } from '../../config';
import type { CommandContext } from '../context';
import { confirm } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs, worktreeOfRef } from '../support/skillRefs';
import { refreshAll } from './refreshAll';
import { walkthrough } from '../support/walkthroughContext';

/** `odoobo.merge`: merges each skill's branch into main once its deployment meets the preconditions. */
export async function merge(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<MergeResult[] | CommandRefusal> {
  let refs = skillRefs(ctx, arg, selection);
  if (refs.length === 0) refs = await chooseSkills(ctx, 'Merge skills to main', (r) => !!worktreeOfRef(r));
  if (refs.length === 0) return refused('no skill chosen', 'cancelled');
  const target = settings().target;
  const results: MergeResult[] = [];
  for (const ref of refs) {
    const root = ref.store.folder.uri.fsPath;
    const pre = await checkMergePreconditions(root, ref.name, { target });
    if (pre.unmet.length) {
      void vscode.window.showErrorMessage(`${ref.name} cannot be merged: ${pre.unmet.map((p) => `${p.code}: ${p.message}`).join(' ')}`);
      results.push({ skill: ref.name, status: 'refused', unmet: pre.unmet, checks: pre.checks });
      continue;
    }
    const d = pre.deployment!;
    const answer = await confirm(
      ctx,
      `Merge skill/${ref.name} into main with --no-ff? ` +
        `Deployment ${d.deploymentId} (${d.phase}, ${d.commit.slice(0, 12)}) on ${d.target} is recorded in the merge commit.`,
      'Merge',
      'Merge and Push',
      'Merge, Push and Remove Worktree',
    );
    if (!answer) return cancelled('merge');
    const push = answer !== 'Merge';
    const [result] = await mergeSkills(root, [ref.name], { target, push, cleanup: answer === 'Merge, Push and Remove Worktree' });
    results.push(result);
    if (result.status === 'merged') {
      walkthrough.mark('merged');
      void vscode.window.showInformationMessage(`Merged ${ref.name} into ${result.mainBranch} (${result.mergeCommit.slice(0, 12)}).`);
    } else if (result.status === 'failed') void vscode.window.showErrorMessage(result.error.message);
  }
  await refreshAll(ctx);
  return results;
}
