/**
 * What App Platform would not build: commits on a skill's branch that origin does not have, and uncommitted changes in
 * its worktree. The deploy builds origin's `skill/<name>`, so the editor and the CLI ask this before deploying.
 */
import { branchForSkill } from '../../skills/names';
import { GitCommandError, simpleGitRunner, type GitRunner } from '../runner';
import { listWorktrees } from '../worktrees';
import { GitFlowError } from './errors';
import { pushBranch, type PushOutcome } from './push';
import { assertSkillNames, openRepo, toFlowError } from './repo';

export interface UnpublishedWork {
  readonly skill: string;
  readonly branch: string;
  /** The worktree that has the branch checked out, if any. */
  readonly worktreePath?: string;
  /** Changed or untracked files in that worktree. */
  readonly uncommitted: number;
  /** Commits on the local branch that origin's branch of the same name does not have. */
  readonly unpushed: number;
  /** Origin has no branch of that name (every local commit counts as unpushed). */
  readonly notOnOrigin: boolean;
}

async function revParse(run: GitRunner, cwd: string, ref: string): Promise<string | undefined> {
  try {
    return (await run(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
  } catch (e) {
    if (e instanceof GitCommandError) return undefined;
    throw e;
  }
}

/**
 * The skills among `skills` whose branch has unpushed commits or whose worktree has uncommitted changes; none when the
 * repository has no origin (nothing to push to). Reads the remote-tracking refs as they are: no fetch.
 */
export async function findUnpublishedWork(
  repoDir: string,
  skills: readonly string[],
  options: { runner?: GitRunner } = {},
): Promise<UnpublishedWork[]> {
  const run = options.runner ?? simpleGitRunner;
  const names = assertSkillNames(skills);
  const remotes = await run(repoDir, ['remote']);
  if (!remotes.split('\n').some((r) => r.trim() === 'origin')) return [];
  const branches = new Map(names.map((n) => [branchForSkill(n), n]));
  const worktrees = await listWorktrees(repoDir, { statusFor: (w) => branches.has(w.branchRef?.replace(/^refs\/heads\//, '') ?? '') });
  const found: UnpublishedWork[] = [];
  for (const [branch, skill] of branches) {
    const wt = worktrees.find((w) => w.branch === branch && w.exists);
    const local = await revParse(run, repoDir, `refs/heads/${branch}`);
    let unpushed = 0;
    let notOnOrigin = false;
    if (local) {
      const remote = await revParse(run, repoDir, `refs/remotes/origin/${branch}`);
      notOnOrigin = !remote;
      const range = remote ? [local, `^${remote}`] : [local, '--not', '--remotes=origin'];
      unpushed = Number((await run(repoDir, ['rev-list', '--count', ...range])).trim()) || 0;
    }
    const uncommitted = wt?.changedFiles ?? 0;
    if (unpushed || uncommitted) found.push({ skill, branch, worktreePath: wt?.path, uncommitted, unpushed, notOnOrigin });
  }
  return found;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `pr-review: 1 commit not on origin/skill/pr-review, 2 uncommitted files (the deploy builds origin's branch)`. */
export function describeUnpublished(w: UnpublishedWork): string {
  const parts: string[] = [];
  const noBranch = w.notOnOrigin ? ' (origin has no such branch)' : '';
  if (w.unpushed) parts.push(`${plural(w.unpushed, 'commit')} not on origin/${w.branch}${noBranch}`);
  if (w.uncommitted) parts.push(`${plural(w.uncommitted, 'uncommitted file')}${w.worktreePath ? ` in ${w.worktreePath}` : ''}`);
  return `${w.skill}: ${parts.join(', ')}`;
}

export interface PushSkillOutcome {
  readonly skill: string;
  readonly branch: string;
  readonly outcome?: PushOutcome;
  readonly error?: GitFlowError;
}

/**
 * Pushes each skill's branch to origin (never forced), in parallel; a failure is that skill's outcome, not a throw.
 * Uncommitted changes are not committed: only what is committed can be pushed.
 */
export async function pushSkillBranches(
  repoDir: string,
  skills: readonly string[],
  options: { runner?: GitRunner } = {},
): Promise<PushSkillOutcome[]> {
  const ctx = await openRepo(repoDir, { runner: options.runner, status: false });
  return Promise.all(
    assertSkillNames(skills).map(async (skill): Promise<PushSkillOutcome> => {
      const branch = branchForSkill(skill);
      try {
        const head = await revParse(ctx.run, ctx.mainWorktree, `refs/heads/${branch}`);
        if (!head) throw new GitFlowError('PUSH_FAILED', `there is no local branch ${branch} to push.`, { skill });
        const noOrigin = `the repository has no remote named origin to push ${branch} to.`;
        if (!ctx.hasOrigin) throw new GitFlowError('PUSH_FAILED', noOrigin, { skill });
        const remote = await revParse(ctx.run, ctx.mainWorktree, `refs/remotes/origin/${branch}`);
        // `behind`: nothing of ours to push; the deploy builds origin's newer branch.
        return { skill, branch, outcome: await pushBranch(ctx, skill, branch, head, remote) };
      } catch (e) {
        return { skill, branch, error: toFlowError(e, skill, `push ${branch}`) };
      }
    }),
  );
}
