import { listWorktrees, type ListWorktreesOptions, type Worktree, type WorktreeEntry } from '../worktrees';
import { runWithLockRetry } from '../runner';
import { checkpoint, dirExists, openRepo, readWorktreeEntries, withRepoMutex, type FlowOptions, type RepoContext } from './repo';

/** What the tree shows: path, branch, HEAD, dirty, ahead/behind, locked, prunable, missing folder (main first). */
export function listSkillWorktrees(repoDir: string, options: ListWorktreesOptions = {}): Promise<Worktree[]> {
  return listWorktrees(repoDir, options);
}

export interface PruneResult {
  /** The stale entries git dropped (their folders were gone). */
  readonly pruned: WorktreeEntry[];
  /** Stale entries git kept because they are locked (`git worktree unlock` them first). */
  readonly keptLocked: WorktreeEntry[];
}

/** `git worktree prune`: drops entries whose folder was deleted by hand; locked ones stay. */
export async function pruneWorktrees(repoDir: string, options: FlowOptions = {}): Promise<PruneResult> {
  const ctx = await openRepo(repoDir, { ...options, status: false });
  checkpoint(ctx);
  return pruneStale(ctx);
}

export async function pruneStale(ctx: RepoContext): Promise<PruneResult> {
  return withRepoMutex(ctx, async () => {
    const before = await readWorktreeEntries(ctx);
    await runWithLockRetry(ctx.run, ctx.mainWorktree, ['worktree', 'prune']);
    const after = new Set((await readWorktreeEntries(ctx)).map((e) => e.path));
    const pruned = before.filter((e) => !after.has(e.path));
    const keptLocked: WorktreeEntry[] = [];
    for (const e of before) if (after.has(e.path) && e.locked && !(await dirExists(e.path))) keptLocked.push(e);
    return { pruned, keptLocked };
  });
}
