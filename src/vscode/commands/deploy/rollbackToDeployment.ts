import type { RollbackResult } from '../../../core/deploy';
import type { CommandContext } from '../context';
import type { CommandRefusal } from '../support/refusal';
import { rollback } from './rollback';

/** `odoobo.rollbackToDeployment`: "Roll Back to This One" on a deployment row; the same handler as Roll Back Skill. */
export function rollbackToDeployment(ctx: CommandContext, arg?: unknown): Promise<RollbackResult | CommandRefusal> {
  return rollback(ctx, arg);
}
