import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadSkills } from '../../skills/loadSkills';
import { branchForSkill } from '../../skills/names';
import type { HeldLock } from '../../status/lockFile';
import { mapLimit } from '../../util/concurrency';
import type { WorktreeEntry } from '../worktrees';
import { GitFlowError } from './errors';
import { runWithLockRetry } from '../runner';
import type { MainBranch } from './mainBranch';
import { pushBranch, type PushOutcome } from './push';
import {
  assertSkillNames,
  checkpoint,
  dirExists,
  openRepo,
  readRefs,
  readWorktreeEntries,
  toFlowError,
  withRepoMutex,
  withSkillLock,
  type FlowOptions,
  type RepoContext,
} from './repo';
import { resolveWorktreeRoot } from './worktreeRoot';

export interface SetupOptions extends FlowOptions {
  /** The skills to set up; default: every skill with a manifest in the main worktree. */
  readonly skills?: readonly string[];
  /** `odoobo.worktreeRoot`; default: the sibling folder `<repo>-worktrees`. */
  readonly worktreeRoot?: string;
  /** Allow a root in the system temporary folder (tests only). */
  readonly allowTempRoot?: boolean;
  /** Push each branch to origin with upstream tracking (default true). */
  readonly push?: boolean;
  /** Skills set up at the same time (default 8). */
  readonly concurrency?: number;
  readonly skillsLocation?: string;
}

export interface SetupOutcome {
  readonly skill: string;
  /** `created`: something was created; `reused`: everything existed already; `failed`: see `error`. */
  readonly status: 'created' | 'reused' | 'failed';
  readonly branch: string;
  readonly branchAction?: 'created' | 'created-from-origin' | 'reused';
  /** Where the worktree is (an existing one is reported where it is, even outside the root). */
  readonly path?: string;
  readonly worktreeAction?: 'created' | 'recreated' | 'reused';
  readonly head?: string;
  readonly push?: PushOutcome;
  /** e.g. `origin/skill/alpha`. */
  readonly upstream?: string;
  readonly upstreamAction?: 'set' | 'reused';
  readonly error?: GitFlowError;
}

export interface SetupReport {
  readonly root: string;
  readonly mainBranch: MainBranch;
  readonly outcomes: SetupOutcome[];
  /** The status file could not be updated (the worktrees are fine). */
  readonly statusWarning?: string;
}

/**
 * Sets up branch `skill/<name>` (from the main branch), its worktree `<root>/<name>` and its upstream on origin, for
 * each skill. Idempotent: what exists is reused and reported. Skills run in parallel; the git commands that change the
 * repository's metadata are serialised per repository, pushes are not.
 */
export async function setupWorktrees(repoDir: string, options: SetupOptions = {}): Promise<SetupReport> {
  const requested = options.skills ? assertSkillNames(options.skills) : undefined;
  const ctx = await openRepo(repoDir, options);
  const root = await resolveWorktreeRoot(ctx.mainWorktree, ctx.commonDir, options);
  const skills = requested ?? (await loadSkills(ctx.mainWorktree, options.skillsLocation)).skills.map((s) => s.name);
  const outcomes = await mapLimit(skills, options.concurrency ?? 8, async (skill): Promise<SetupOutcome> => {
    try {
      return await withSkillLock(ctx, skill, 'set up worktree', (lock) => setupOne(ctx, root, skill, options.push ?? true, lock));
    } catch (e) {
      const error = toFlowError(e, skill, 'set up worktree');
      ctx.progress(skill, 'failed', error.message);
      return { skill, status: 'failed', branch: branchForSkill(skill), error };
    }
  });
  let statusWarning: string | undefined;
  const done = outcomes.filter((o) => o.status !== 'failed' && o.path);
  if (ctx.status && done.length) {
    try {
      const current = await ctx.status.read();
      const changed = done.filter((o) => {
        const w = current.skills[o.skill]?.worktree;
        return !w || w.path !== o.path || w.branch !== o.branch;
      });
      if (changed.length) {
        const at = new Date().toISOString();
        await ctx.status.update((draft) => {
          for (const o of changed)
            draft.skills[o.skill] = { ...draft.skills[o.skill], worktree: { path: o.path!, branch: o.branch, updatedAt: at } };
        });
      }
    } catch (e) {
      statusWarning = toFlowError(e).message;
    }
  }
  return { root, mainBranch: ctx.mainBranch, outcomes, statusWarning };
}

async function setupOne(ctx: RepoContext, root: string, skill: string, push: boolean, lock: HeldLock): Promise<SetupOutcome> {
  const branch = branchForSkill(skill);
  const ref = `refs/heads/${branch}`;
  const remoteRef = `refs/remotes/origin/${branch}`;
  const mainRef = `refs/heads/${ctx.mainBranch.name}`;
  const originMainRef = `refs/remotes/origin/${ctx.mainBranch.name}`;
  checkpoint(ctx, skill, lock);

  // 1. Where the branch comes from when it does not exist yet: origin's copy of it, else the main branch.
  let refs = await readRefs(ctx, [ref, remoteRef, mainRef, originMainRef]);
  let createFrom: string | undefined;
  if (!refs.has(ref)) {
    createFrom = refs.has(remoteRef) ? remoteRef : refs.has(mainRef) ? mainRef : refs.has(originMainRef) ? originMainRef : undefined;
    if (!createFrom) {
      throw new GitFlowError('BRANCH_NOT_FOUND', `Neither ${branch} nor the main branch ${ctx.mainBranch.name} exists to create it from.`, {
        skill,
      });
    }
  }
  const branchAction: SetupOutcome['branchAction'] = !createFrom ? 'reused' : createFrom === remoteRef ? 'created-from-origin' : 'created';

  // 2. The worktree (and the branch with it: `worktree add -b`, one serialised git command).
  const target = path.join(root, skill);
  const entries = await readWorktreeEntries(ctx);
  const onBranch = createFrom ? undefined : entries.find((e) => e.branchRef === ref);
  if (onBranch && onBranch === entries[0]) {
    throw new GitFlowError('BRANCH_CHECKED_OUT_ELSEWHERE', `${branch} is checked out in the main worktree ${onBranch.path}.`, {
      skill,
      path: onBranch.path,
    });
  }
  let worktreePath: string;
  let worktreeAction: SetupOutcome['worktreeAction'];
  if (onBranch && (await dirExists(onBranch.path))) {
    worktreePath = onBranch.path;
    worktreeAction = 'reused';
  } else {
    // A registered worktree whose folder was deleted by hand (ours, or whatever sits at the target path) is pruned first.
    const atTarget = entries.find((e) => path.resolve(e.path) === path.resolve(target));
    const stale = [onBranch, atTarget].filter((e): e is WorktreeEntry => e !== undefined);
    for (const e of stale) {
      if (await dirExists(e.path)) {
        throw new GitFlowError(
          'WORKTREE_PATH_TAKEN',
          `${target} is already the worktree of ${e.branchRef?.replace('refs/heads/', '') ?? 'a detached HEAD'}.`,
          { skill, path: target },
        );
      }
      if (e.locked)
        throw new GitFlowError(
          'WORKTREE_LOCKED',
          `The worktree ${e.path} is locked${e.lockedReason ? ` (${e.lockedReason})` : ''} and its folder is missing.`,
          { skill, path: e.path },
        );
    }
    await assertFreeFolder(target, skill);
    checkpoint(ctx, skill, lock);
    await fs.mkdir(root, { recursive: true });
    ctx.progress(skill, 'worktree', createFrom
      ? `creating ${branch} from ${createFrom.replace(/^refs\/(heads|remotes)\//, '')} and its worktree ${target}`
      : `adding the worktree ${target}`);
    await withRepoMutex(ctx, async () => {
      if (stale.length) await runWithLockRetry(ctx.run, ctx.mainWorktree, ['worktree', 'prune']);
      await ctx.run(ctx.mainWorktree, [
        'worktree',
        'add',
        ...(createFrom ? ['--no-track', '-b', branch, target, createFrom] : [target, branch]),
      ]);
    });
    worktreePath = target;
    worktreeAction = onBranch ? 'recreated' : 'created';
  }

  // 3. Push and upstream.
  refs = await readRefs(ctx, [ref, remoteRef]);
  const head = refs.get(ref)?.sha;
  let pushOutcome: PushOutcome = 'skipped';
  let upstream: string | undefined = refs.get(ref)?.upstream;
  let upstreamAction: SetupOutcome['upstreamAction'];
  if (push && !ctx.hasOrigin) pushOutcome = 'no-origin';
  else if (push && head) {
    checkpoint(ctx, skill, lock);
    pushOutcome = await pushBranch(ctx, skill, branch, head, refs.get(remoteRef)?.sha);
    if (upstream === remoteRef) upstreamAction = 'reused';
    else {
      checkpoint(ctx, skill, lock);
      await withRepoMutex(ctx, () => runWithLockRetry(ctx.run, ctx.mainWorktree, ['branch', `--set-upstream-to=origin/${branch}`, branch]));
      upstream = remoteRef;
      upstreamAction = 'set';
    }
  }
  const created = branchAction !== 'reused' || worktreeAction !== 'reused';
  ctx.progress(skill, 'done', `${created ? 'set up' : 'already set up'} at ${worktreePath}${pushOutcome === 'pushed' ? ', pushed' : ''}`);
  return {
    skill,
    status: created ? 'created' : 'reused',
    branch,
    branchAction,
    path: worktreePath,
    worktreeAction,
    head,
    push: pushOutcome,
    upstream: upstream?.replace(/^refs\/remotes\//, ''),
    upstreamAction,
  };
}

/** git accepts a missing or empty folder for a new worktree; anything else is someone's files. */
async function assertFreeFolder(target: string, skill: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new GitFlowError('WORKTREE_PATH_TAKEN', `${target} is a file.`, { skill, path: target });
    throw e;
  }
  if (names.length)
    throw new GitFlowError('WORKTREE_PATH_TAKEN', `${target} exists and is not empty.`, { skill, path: target, files: names.slice(0, 20) });
}
