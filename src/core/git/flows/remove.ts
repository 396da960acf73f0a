import { branchForSkill } from '../../skills/names';
import type { HeldLock } from '../../status/lockFile';
import { formatFiles, GitFlowError, refusal, type FlowProblem } from './errors';
import { runWithLockRetry } from '../runner';
import { pruneStale } from './list';
import {
  assertSkillNames,
  checkpoint,
  dirExists,
  ignoredFiles,
  isAncestor,
  openRepo,
  operationInProgress,
  readRefs,
  readWorktreeEntries,
  toFlowError,
  withRepoMutex,
  withSkillLock,
  worktreeChanges,
  type FlowOptions,
  type RepoContext,
} from './repo';

export interface RemoveOptions extends FlowOptions {
  /** The user confirmed: remove even with uncommitted, unpushed or git-ignored files, or when locked. */
  readonly force?: boolean;
  /** Also delete branch `skill/<name>`, only when it is merged into the main branch (`git branch -d`, never `-D`). */
  readonly deleteBranch?: boolean;
}

export interface RemoveResult {
  readonly skill: string;
  readonly branch: string;
  /** The worktree's folder, when there was a worktree. */
  readonly path?: string;
  /** A worktree was removed (or its stale entry pruned because its folder was already gone). */
  readonly removed: boolean;
  readonly forced: boolean;
  /** Paths of the stale worktree entries pruned along the way. */
  readonly pruned: string[];
  readonly branchDeleted: boolean;
  /** Why the branch was kept when deletion was asked for. */
  readonly branchKept?: string;
  /** The status file could not be updated (the worktree is removed). */
  readonly statusWarning?: string;
}

/**
 * Removes the skill's worktree. Refuses (unless forced) uncommitted changes, git-ignored files (`.env`, `.venv/`),
 * commits that are neither on the main branch nor on any remote, an operation in progress, or a locked worktree,
 * listing every problem. Prunes stale entries; deletes the branch only when asked and merged into main.
 */
export async function removeWorktree(repoDir: string, skill: string, options: RemoveOptions = {}): Promise<RemoveResult> {
  assertSkillNames([skill]);
  const ctx = await openRepo(repoDir, options);
  return withSkillLock(ctx, skill, 'remove worktree', (lock) => removeLocked(ctx, skill, options, lock));
}

/** The commits on `head` that are on no remote and not on the main branch: what deleting the branch would lose. */
export async function unsafeCommitCount(ctx: RepoContext, head: string): Promise<number> {
  const mainRef = `refs/heads/${ctx.mainBranch.name}`;
  const hasMain = (await readRefs(ctx, [mainRef])).has(mainRef);
  const out = await ctx.run(ctx.mainWorktree, ['rev-list', '--count', head, '--not', ...(hasMain ? [mainRef] : []), '--remotes']);
  return Number(out.trim());
}

/** The remove flow, for a caller that already holds the skill's lock (merge's cleanup). */
export async function removeLocked(
  ctx: RepoContext,
  skill: string,
  options: Pick<RemoveOptions, 'force' | 'deleteBranch'>,
  lock: HeldLock,
): Promise<RemoveResult> {
  const branch = branchForSkill(skill);
  const ref = `refs/heads/${branch}`;
  const force = options.force ?? false;
  checkpoint(ctx, skill, lock);
  const entries = await readWorktreeEntries(ctx);
  const wt = entries.find((e) => e.branchRef === ref);
  if (wt && wt === entries[0]) {
    throw new GitFlowError('CANNOT_REMOVE_MAIN_WORKTREE', `${branch} is checked out in the main worktree ${wt.path}.`, {
      skill,
      path: wt.path,
    });
  }
  let removed = false;
  if (wt) {
    const exists = await dirExists(wt.path);
    const problems: FlowProblem[] = [];
    if (wt.locked)
      problems.push({
        code: 'WORKTREE_LOCKED',
        message: `The worktree ${wt.path} is locked${wt.lockedReason ? ` (${wt.lockedReason})` : ''}.`,
      });
    if (exists) {
      const op = await operationInProgress(ctx, wt.path);
      if (op) problems.push({ code: 'OPERATION_IN_PROGRESS', message: `${op} is in progress in ${wt.path}.` });
      const changes = await worktreeChanges(ctx, wt.path);
      if (changes.length) {
        problems.push({
          code: 'DIRTY_WORKTREE',
          message: `${wt.path} has ${changes.length} uncommitted change${changes.length === 1 ? '' : 's'}.`,
          files: changes,
        });
      }
      const ignored = await ignoredFiles(ctx, wt.path);
      if (ignored.length) {
        const n = ignored.length;
        problems.push({
          code: 'IGNORED_FILES',
          message: `${wt.path} has ${n} git-ignored file${n === 1 ? '' : 's'} that removing it would delete: ${formatFiles(ignored)}.`,
          files: ignored,
        });
      }
      const unsafe = wt.head ? await unsafeCommitCount(ctx, wt.head) : 0;
      if (unsafe > 0) {
        problems.push({
          code: 'UNPUSHED_WORK',
          message:
            `${branch} has ${unsafe} commit${unsafe === 1 ? '' : 's'} that ${unsafe === 1 ? 'is' : 'are'} on no remote and not on ` +
            `${ctx.mainBranch.name}.`,
        });
      }
    }
    if (problems.length && !force) throw refusal(problems, { skill, path: wt.path });
    checkpoint(ctx, skill, lock);
    ctx.progress(skill, 'remove', `removing the worktree ${wt.path}${force ? ' (forced)' : ''}`);
    await withRepoMutex(ctx, async () => {
      if (exists) {
        const forceArgs = force ? (wt.locked ? ['--force', '--force'] : ['--force']) : [];
        await ctx.run(ctx.mainWorktree, ['worktree', 'remove', ...forceArgs, wt.path]);
      } else if (wt.locked) {
        await ctx.run(ctx.mainWorktree, ['worktree', 'unlock', wt.path]);
      }
    });
    removed = true;
  }
  checkpoint(ctx, skill, lock);
  const { pruned } = await pruneStale(ctx);

  let branchDeleted = false;
  let branchKept: string | undefined;
  if (options.deleteBranch) {
    const mainRef = `refs/heads/${ctx.mainBranch.name}`;
    const refs = await readRefs(ctx, [ref, mainRef]);
    const stillCheckedOut = (await readWorktreeEntries(ctx)).find((e) => e.branchRef === ref);
    if (!refs.has(ref)) branchKept = `${branch} does not exist`;
    else if (stillCheckedOut) branchKept = `${branch} is checked out in ${stillCheckedOut.path}`;
    else if (!refs.has(mainRef) || !(await isAncestor(ctx, ref, mainRef)))
      branchKept = `${branch} is not merged into ${ctx.mainBranch.name}`;
    else {
      checkpoint(ctx, skill, lock);
      try {
        await withRepoMutex(ctx, () => runWithLockRetry(ctx.run, ctx.mainWorktree, ['branch', '-d', branch]));
        branchDeleted = true;
      } catch (e) {
        branchKept = toFlowError(e, skill).message;
      }
    }
  }

  let statusWarning: string | undefined;
  if (removed && ctx.status) {
    try {
      const current = (await ctx.status.read()).skills[skill]?.worktree;
      if (current !== null) await ctx.status.recordWorktree(skill, null);
    } catch (e) {
      statusWarning = toFlowError(e, skill).message;
    }
  }
  ctx.progress(skill, 'done', removed ? `removed ${wt?.path}` : 'no worktree to remove');
  return {
    skill,
    branch,
    path: wt?.path,
    removed,
    forced: force && removed,
    pruned: pruned.map((e) => e.path),
    branchDeleted,
    branchKept,
    statusWarning,
  };
}
