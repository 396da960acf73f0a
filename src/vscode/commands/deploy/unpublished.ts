import * as vscode from 'vscode';
import { describeUnpublished, findUnpublishedWork, pushSkillBranches, type UnpublishedWork } from '../../../core/git/flows';
import type { SkillsStore } from '../../skillsStore';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { confirm } from '../support/prompts';
import { cancelled, type CommandRefusal } from '../support/refusal';

type Group = { store: SkillsStore; names: string[] };

export const PUSH_AND_DEPLOY = 'Push and Deploy';
export const DEPLOY_PUSHED = 'Deploy Pushed';

/**
 * Before a deploy: App Platform builds origin's skill/<name>, so unpushed commits and uncommitted changes would not be
 * deployed. Says so and asks: push first, deploy what origin has, or cancel. Answers the groups left to deploy.
 */
export async function settleUnpublished(ctx: CommandContext, groups: Group[]): Promise<Group[] | CommandRefusal> {
  const found: { group: Group; work: UnpublishedWork[] }[] = [];
  for (const group of groups) {
    try {
      const work = await findUnpublishedWork(group.store.folder.uri.fsPath, group.names);
      if (work.length) found.push({ group, work });
    } catch (e) {
      // The question is advice: a repository git cannot read here still deploys (the pipeline reports real failures).
      ctx.log.warn(`could not check ${group.names.join(', ')} for unpushed work: ${(e as Error).message}`);
    }
  }
  if (found.length === 0) return groups;
  const lines = found.flatMap((f) => f.work.map((w) => `• ${describeUnpublished(w)}`));
  const anyUncommitted = found.some((f) => f.work.some((w) => w.uncommitted));
  const question =
    `App Platform builds the branch on origin, so this would not be deployed:\n${lines.join('\n')}\n\n` +
    `${PUSH_AND_DEPLOY} pushes the branches first${anyUncommitted ? ' (uncommitted changes are not pushed: commit them first)' : ''}; ` +
    `${DEPLOY_PUSHED} deploys what origin has.`;
  const answer = await confirm(ctx, question, PUSH_AND_DEPLOY, DEPLOY_PUSHED);
  if (answer === undefined) return cancelled('deploy');
  if (answer === DEPLOY_PUSHED) return groups;

  const failed = new Set<string>();
  await withCancellableProgress('Pushing skill branches to origin', async () => {
    for (const f of found) {
      const toPush = f.work.filter((w) => w.unpushed).map((w) => w.skill);
      if (toPush.length === 0) continue;
      for (const o of await pushSkillBranches(f.group.store.folder.uri.fsPath, toPush)) {
        if (!o.error) continue;
        failed.add(o.skill);
        ctx.log.error(`push of ${o.branch} failed: ${o.error.message}`);
        void vscode.window.showErrorMessage(`${o.skill} was not deployed: pushing ${o.branch} failed: ${o.error.message}`);
      }
    }
  });
  const left = groups.map((g) => ({ store: g.store, names: g.names.filter((n) => !failed.has(n)) })).filter((g) => g.names.length);
  return left;
}
