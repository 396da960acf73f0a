import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../shared/refusal';
import { skillRefs } from '../shared/skillRefs';

/** `odoobo.cancelDeploy`: the named skills' deployments, or every one in flight; true when one was cancelled. */
export function cancelDeploy(ctx: CommandContext, arg?: unknown): boolean | CommandRefusal {
  const names = skillRefs(ctx, arg).map((r) => r.name);
  const inFlight = names.length ? names : [...ctx.deployments.all.keys()].filter((s) => ctx.deployments.isDeploying(s));
  if (inFlight.length === 0) return refused('nothing is being deployed');
  return inFlight.map((s) => ctx.deployments.cancel(s)).some(Boolean);
}
