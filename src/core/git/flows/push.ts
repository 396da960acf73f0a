import { GitFlowError } from './errors';
import { GitCommandError, runWithLockRetry } from '../runner';
import { isAncestor, type RepoContext } from './repo';

/** `behind`: origin has commits the local branch has not (nothing pushed; sync first). */
export type PushOutcome = 'pushed' | 'up-to-date' | 'behind' | 'skipped' | 'no-origin';

/**
 * Pushes `refs/heads/<branch>` to the same name on origin (never forced). Skips the network when the remote-tracking
 * ref already equals `head`. Runs outside the repository mutex: pushes of different branches run in parallel.
 */
export async function pushBranch(
  ctx: RepoContext,
  skill: string | undefined,
  branch: string,
  head: string,
  remoteSha?: string,
): Promise<PushOutcome> {
  if (!ctx.hasOrigin) return 'no-origin';
  if (remoteSha === head) return 'up-to-date';
  if (remoteSha && (await isAncestor(ctx, head, remoteSha))) return 'behind';
  const refspec = `refs/heads/${branch}:refs/heads/${branch}`;
  ctx.progress(skill, 'push', `pushing ${branch} to origin`);
  let out: string;
  try {
    out = await runWithLockRetry(ctx.run, ctx.mainWorktree, ['push', '--porcelain', 'origin', refspec]);
  } catch (e) {
    if (e instanceof GitCommandError) {
      const rejected = e.stdout.split('\n').find((l) => l.startsWith('!\t'));
      if (rejected) {
        throw new GitFlowError('PUSH_REJECTED', `origin rejected the push of ${branch}: ${rejected.split('\t').slice(2).join(' ')}.`, {
          skill,
          cause: e,
        });
      }
      throw new GitFlowError('PUSH_FAILED', `Pushing ${branch} to origin failed: ${e.gitMessage}`, { skill, cause: e });
    }
    throw e;
  }
  const line = out.split('\n').find((l) => l.includes(`\t${refspec}\t`));
  return line?.startsWith('=') ? 'up-to-date' : 'pushed';
}
