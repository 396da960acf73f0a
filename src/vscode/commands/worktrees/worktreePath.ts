import { WorktreeItem } from '../../tree/items';
import type { CommandContext } from '../context';
import { chooseSkills, skillRefs, worktreeOfRef } from '../support/skillRefs';

/** The worktree folder a command was invoked on (a worktree item, a skill item or a name), when it exists on disk. */
export function worktreePath(ctx: CommandContext, arg: unknown): { skill: string; path: string } | undefined {
  if (arg instanceof WorktreeItem) return arg.worktree.exists ? { skill: arg.skillName, path: arg.worktree.path } : undefined;
  const [ref] = skillRefs(ctx, arg);
  const w = ref ? worktreeOfRef(ref) : undefined;
  return w?.exists ? { skill: ref.name, path: w.path } : undefined;
}

/** As `worktreePath`; from the palette (no argument), the worktree of a skill chosen among those that have one. */
export async function worktreePathOrAsk(
  ctx: CommandContext,
  arg: unknown,
  title: string,
): Promise<{ skill: string; path: string } | undefined> {
  if (arg !== undefined) return worktreePath(ctx, arg);
  const [ref] = await chooseSkills(ctx, title, (r) => !!worktreeOfRef(r)?.exists);
  return ref ? worktreePath(ctx, ref.name) : undefined;
}
