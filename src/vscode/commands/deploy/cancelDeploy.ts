import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs } from '../support/skillRefs';

/** `odoobo.cancelDeploy`: the named skills' deployments; from the palette, the ones chosen among those in flight. */
export async function cancelDeploy(ctx: CommandContext, arg?: unknown): Promise<boolean | CommandRefusal> {
  let names = skillRefs(ctx, arg).map((r) => r.name);
  if (names.length === 0) {
    const inFlight = (r: { name: string }) => ctx.deployments.isDeploying(r.name);
    if (![...ctx.deployments.all.keys()].some((name) => inFlight({ name }))) return refused('nothing is being deployed');
    names = (await chooseSkills(ctx, 'Cancel the deployment of which skills?', inFlight)).map((r) => r.name);
    if (names.length === 0) return refused('no skill chosen', 'cancelled');
  }
  return names.map((s) => ctx.deployments.cancel(s)).some(Boolean);
}
