import type { PlanResult } from '../../../core/deploy';
import type { CommandContext } from '../context';
import type { CommandRefusal } from '../support/refusal';
import { byStore, skillRefs } from '../support/skillRefs';
import { deployChosen } from './deployChosen';
import { runPlans } from './runPlans';

/** `odoobo.deploy`: the skills of a tree item, the tree's selection or names; from the palette, the ones chosen. */
export async function deploy(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<PlanResult[] | CommandRefusal> {
  const refs = skillRefs(ctx, arg, selection);
  return refs.length ? runPlans(ctx, byStore(refs)) : deployChosen(ctx);
}
