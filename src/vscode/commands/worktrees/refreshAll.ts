import type { CommandContext } from '../context';

/** Re-reads every store after a git change; one folder's failure does not hide the others' new state. */
export async function refreshAll(ctx: Pick<CommandContext, 'stores'>): Promise<void> {
  await Promise.all(ctx.stores().map((s) => s.refresh().catch(() => undefined)));
}
