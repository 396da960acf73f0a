import { GitFlowError } from './errors';
import { tryGit } from '../git';
import { simpleGitRunner, type GitRunner } from '../runner';

export interface MainBranch {
  /** Short name, e.g. `main`. */
  readonly name: string;
  /** Where the name came from. */
  readonly source: 'override' | 'origin/HEAD' | 'init.defaultBranch' | 'fallback';
}

const BRANCH_NAME = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9._/-]{1,200}(?<![/.])$/;

async function refExists(run: GitRunner, cwd: string, ref: string): Promise<boolean> {
  return (await tryGit(run, cwd, ['rev-parse', '--verify', `${ref}^{commit}`])) !== undefined;
}

/**
 * The repository's main branch: the override when given, else what `origin/HEAD` points at, else `init.defaultBranch`
 * when such a branch exists (locally or on origin), else `main`.
 */
export async function detectMainBranch(repoDir: string, options: { override?: string; runner?: GitRunner } = {}): Promise<MainBranch> {
  const run = options.runner ?? simpleGitRunner;
  if (options.override !== undefined && options.override !== '') {
    const name = options.override.replace(/^refs\/heads\//, '');
    if (!BRANCH_NAME.test(name)) {
      throw new GitFlowError('INVALID_BRANCH_NAME', `"${options.override}" is not a valid main branch name.`);
    }
    return { name, source: 'override' };
  }
  const originHead = await tryGit(run, repoDir, ['symbolic-ref', 'refs/remotes/origin/HEAD']);
  if (originHead?.startsWith('refs/remotes/origin/')) {
    const name = originHead.slice('refs/remotes/origin/'.length);
    if (BRANCH_NAME.test(name)) return { name, source: 'origin/HEAD' };
  }
  const configured = await tryGit(run, repoDir, ['config', '--get', '--default=', 'init.defaultBranch']);
  if (configured && BRANCH_NAME.test(configured)) {
    if (
      (await refExists(run, repoDir, `refs/heads/${configured}`)) ||
      (await refExists(run, repoDir, `refs/remotes/origin/${configured}`))
    ) {
      return { name: configured, source: 'init.defaultBranch' };
    }
  }
  return { name: 'main', source: 'fallback' };
}
