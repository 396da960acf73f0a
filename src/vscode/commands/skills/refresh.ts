import type { CommandContext } from '../context';

/** `odoobo.refresh`: re-reads every workspace folder's skills, worktrees and specs. */
export async function refresh(ctx: CommandContext): Promise<void> {
  await Promise.all(ctx.stores().map((s) => s.refresh()));
}
