import { branchForSkill } from '../../skills/names';
import type { HeldLock } from '../../status/lockFile';
import { GitFlowError, refusal, type FlowProblem } from './errors';
import { gitAtLeast, runWithLockRetry } from '../runner';
import { tryGit } from '../git';
import { pushBranch, type PushOutcome } from './push';
import {
  assertSkillNames,
  checkpoint,
  conflictedFiles,
  dirExists,
  isAncestor,
  openRepo,
  operationInProgress,
  previewMerge,
  readRefs,
  readWorktreeEntries,
  restorePseudoRefs,
  snapshotPseudoRefs,
  toFlowError,
  withRepoMutex,
  withSkillLock,
  worktreeChanges,
  type FlowOptions,
  type RepoContext,
} from './repo';

export interface SyncOptions extends FlowOptions {
  /** Merge main into the skill branch (default) or rebase the skill branch onto main. */
  readonly mode?: 'merge' | 'rebase';
  /** Fetch origin first (default true when origin exists). */
  readonly fetch?: boolean;
  /** What to bring in; default `origin/<main>` when it exists, else the local main branch. */
  readonly onto?: string;
  /** Push the skill branch afterwards (not after a rebase that rewrote pushed commits: that needs a force push). */
  readonly push?: boolean;
  /** Check for conflicts in memory first (`git merge-tree`, git ≥ 2.38; default on). Off: try, then abort. */
  readonly preflight?: boolean;
}

export interface SyncResult {
  readonly skill: string;
  readonly branch: string;
  readonly path: string;
  readonly mode: 'merge' | 'rebase';
  /** The ref brought in, e.g. `origin/main`. */
  readonly onto: string;
  readonly ontoCommit: string;
  readonly status: 'up-to-date' | 'fast-forwarded' | 'merged' | 'rebased';
  readonly before: string;
  readonly after: string;
  readonly fetched: boolean;
  /** The rebase rewrote commits that are on the upstream: pushing needs `--force-with-lease` (never done here). */
  readonly needsForcePush: boolean;
  readonly push?: PushOutcome;
}

/**
 * Brings main into a skill branch, in its worktree. Refuses a dirty worktree up front (never stashes). On conflict it
 * aborts, leaves the worktree as it was (HEAD, index, files, ORIG_HEAD) and names the conflicted files.
 */
export async function syncSkill(repoDir: string, skill: string, options: SyncOptions = {}): Promise<SyncResult> {
  assertSkillNames([skill]);
  const ctx = await openRepo(repoDir, options);
  return withSkillLock(ctx, skill, 'sync', (lock) => syncLocked(ctx, skill, options, lock));
}

async function syncLocked(ctx: RepoContext, skill: string, options: SyncOptions, lock: HeldLock): Promise<SyncResult> {
  const mode = options.mode ?? 'merge';
  const branch = branchForSkill(skill);
  const ref = `refs/heads/${branch}`;
  checkpoint(ctx, skill, lock);
  const wt = (await readWorktreeEntries(ctx)).find((e) => e.branchRef === ref);
  if (!wt) throw new GitFlowError('NO_WORKTREE', `No worktree has ${branch} checked out.`, { skill });
  if (!(await dirExists(wt.path)))
    throw new GitFlowError('WORKTREE_MISSING', `The worktree folder ${wt.path} is missing.`, { skill, path: wt.path });
  const problems: FlowProblem[] = [];
  const op = await operationInProgress(ctx, wt.path);
  if (op) problems.push({ code: 'OPERATION_IN_PROGRESS', message: `${op} is in progress in ${wt.path}.` });
  const changes = await worktreeChanges(ctx, wt.path);
  if (changes.length) {
    problems.push({
      code: 'DIRTY_WORKTREE',
      message: `${wt.path} has ${changes.length} uncommitted change${changes.length === 1 ? '' : 's'}; sync never stashes them.`,
      files: changes,
    });
  }
  if (problems.length) throw refusal(problems, { skill, path: wt.path });

  let fetched = false;
  if (ctx.hasOrigin && options.fetch !== false) {
    checkpoint(ctx, skill, lock);
    ctx.progress(skill, 'fetch', 'fetching origin');
    await withRepoMutex(ctx, () => runWithLockRetry(ctx.run, ctx.mainWorktree, ['fetch', '--no-write-fetch-head', 'origin']));
    fetched = true;
  }
  const ontoRef = await resolveOnto(ctx, options.onto, skill);
  const onto = ontoRef.replace(/^refs\/(heads|remotes)\//, '');
  const refs = await readRefs(ctx, [ref]);
  const before = refs.get(ref)!.sha;
  const ontoCommit = (await ctx.run(ctx.mainWorktree, ['rev-parse', '--verify', `${ontoRef}^{commit}`])).trim();
  const base = { skill, branch, path: wt.path, mode, onto, ontoCommit, before, fetched };
  if (await isAncestor(ctx, ontoCommit, before)) return { ...base, status: 'up-to-date', after: before, needsForcePush: false };

  checkpoint(ctx, skill, lock);
  if (mode === 'merge' && options.preflight !== false) {
    const preview = await previewMerge(ctx, before, ontoCommit);
    if (preview && !preview.clean) {
      throw new GitFlowError(
        'MERGE_CONFLICT',
        `Merging ${onto} into ${branch} would conflict in ${preview.files.length} file${preview.files.length === 1 ? '' : 's'}; nothing ` +
        `was changed.`,
        { skill, path: wt.path, files: preview.files },
      );
    }
  }
  const pseudo = await snapshotPseudoRefs(ctx, wt.path);
  checkpoint(ctx, skill, lock);
  ctx.progress(skill, mode, mode === 'merge' ? `merging ${onto} into ${branch}` : `rebasing ${branch} onto ${onto}`);
  await withRepoMutex(ctx, async () => {
    const args = mode === 'merge'
      ? ['merge', '--no-edit', '--no-autostash', ontoRef]
      : ['rebase', '--no-autostash', ...((await gitAtLeast(ctx.run, wt.path, 2, 38)) ? ['--no-update-refs'] : []), ontoRef];
    try {
      await ctx.run(wt.path, args);
    } catch (e) {
      const files = await conflictedFiles(ctx, wt.path).catch(() => []);
      const abort = mode === 'merge' ? ['merge', '--abort'] : ['rebase', '--abort'];
      if (await operationInProgress(ctx, wt.path)) await ctx.run(wt.path, abort);
      await restorePseudoRefs(ctx, wt.path, pseudo);
      const now = (await tryGit(ctx.run, wt.path, ['rev-parse', 'HEAD'])) ?? '';
      if (now !== before) {
        throw new GitFlowError(
          'GIT_FAILED',
          `After aborting, ${branch} is at ${now} instead of ${before}: check ${wt.path} (git reflog shows every step).`,
          { skill, path: wt.path, cause: e },
        );
      }
      if (files.length) {
        const code = mode === 'merge' ? 'MERGE_CONFLICT' : 'REBASE_CONFLICT';
        throw new GitFlowError(
          code,
          `${mode === 'merge' ? 'Merging' : 'Rebasing onto'} ${onto} conflicts in ${files.length} file${files.length === 1 ? '' : 's'}; ` +
          `it was aborted and the worktree is as before.`,
          { skill, path: wt.path, files, cause: e },
        );
      }
      throw toFlowError(e, skill, `${mode} ${onto}`);
    }
  });
  const after = (await readRefs(ctx, [ref])).get(ref)!;
  const upstreamSha = after.upstream ? (await readRefs(ctx, [after.upstream])).get(after.upstream)?.sha : undefined;
  const needsForcePush = mode === 'rebase' && upstreamSha !== undefined && !(await isAncestor(ctx, upstreamSha, after.sha));
  let push: PushOutcome | undefined;
  if (options.push && !needsForcePush) {
    checkpoint(ctx, skill, lock);
    push = await pushBranch(ctx, skill, branch, after.sha, after.upstream === `refs/remotes/origin/${branch}` ? upstreamSha : undefined);
  }
  const status = mode === 'rebase' ? 'rebased' : after.sha === ontoCommit ? 'fast-forwarded' : 'merged';
  ctx.progress(skill, 'done', `${status} ${branch} with ${onto}`);
  return { ...base, status, after: after.sha, needsForcePush, push };
}

async function resolveOnto(ctx: RepoContext, onto: string | undefined, skill: string): Promise<string> {
  const candidates = onto
    ? [onto.startsWith('refs/') ? onto : `refs/heads/${onto}`, `refs/remotes/${onto}`]
    : [...(ctx.hasOrigin ? [`refs/remotes/origin/${ctx.mainBranch.name}`] : []), `refs/heads/${ctx.mainBranch.name}`];
  if (onto !== undefined && (onto.startsWith('-') || /\s/.test(onto))) {
    throw new GitFlowError('INVALID_BRANCH_NAME', `"${onto}" is not a branch to sync with.`, { skill });
  }
  const found = await readRefs(ctx, candidates);
  const ref = candidates.find((c) => found.has(c));
  if (!ref)
    throw new GitFlowError(
      'BRANCH_NOT_FOUND',
      `Nothing to sync with: ${candidates.map((c) => c.replace(/^refs\/(heads|remotes)\//, '')).join(' / ')} not found.`,
      { skill },
    );
  return ref;
}
