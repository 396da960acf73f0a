import type { PlanResult } from '../../../core/deploy';
import type { CommandContext } from '../context';
import type { CommandRefusal } from '../support/refusal';
import { allSkillRefs, byStore } from '../support/skillRefs';
import { runPlans } from './runPlans';

/** `odoobo.deployAll`: every skill of every workspace folder. */
export function deployAll(ctx: CommandContext): Promise<PlanResult[] | CommandRefusal> {
  return runPlans(ctx, byStore(allSkillRefs(ctx)));
}
