import type * as vscode from 'vscode';
import type { PlanResult } from '../../../core/deploy';
import type { CommandContext } from '../context';
import { pickMany } from '../support/prompts';
import { refused, type CommandRefusal } from '../support/refusal';
import { byStore, skillRefs } from '../support/skillRefs';
import { runPlans } from './runPlans';

const LAST_CHOICE_KEY = 'odoobo.lastDeployChoice';

/** `odoobo.deployChosen`: a multi-select of every skill, the last choice preselected. */
export async function deployChosen(ctx: CommandContext): Promise<PlanResult[] | CommandRefusal> {
  const last = new Set(ctx.extension.workspaceState.get<string[]>(LAST_CHOICE_KEY, []));
  type Item = vscode.QuickPickItem & { id: string };
  const items: Item[] = ctx.stores().flatMap((s) =>
    (s.model?.skills ?? []).map((v) => ({
      id: v.skill.name,
      label: v.skill.name,
      description: ctx.deployments.state(v.skill.name)?.phase ?? 'not deployed',
      detail: v.skill.manifest.description,
      picked: last.has(v.skill.name),
    })),
  );
  const chosen = await pickMany(ctx, items, { title: 'Deploy skills', placeHolder: 'Choose the skills to deploy in parallel' });
  const names = (chosen ?? []).map((i) => i.id);
  if (names.length === 0) return refused('no skill chosen', 'cancelled');
  await ctx.extension.workspaceState.update(LAST_CHOICE_KEY, names);
  return runPlans(ctx, byStore(skillRefs(ctx, names)));
}
