/** The one way odoobo runs git: an argument array through simple-git, a typed failure, and retries for lock races. */
import { spawnSync } from 'node:child_process';
import { simpleGit } from 'simple-git';

export interface GitRunOptions {
  /** Written to git's stdin (e.g. a message for `git interpret-trailers`). */
  readonly input?: string;
}

/** Runs one git command (an argument array, never a shell string) in `cwd` and resolves with its stdout. */
export type GitRunner = (cwd: string, args: readonly string[], options?: GitRunOptions) => Promise<string>;

/** A git command that exited non-zero, with everything it printed. */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly cwd: string,
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${exitCode}) in ${cwd}: ${(stderr || stdout).trim() || 'no output'}`);
  }

  /** Git's own message, first lines only. */
  get gitMessage(): string {
    return (this.stderr || this.stdout).trim().split('\n').slice(0, 6).join(' ');
  }
}

// simple-git refuses guarded variables passed explicitly (GIT_*, EDITOR, PAGER, …): pass the rest, plus our own.
const GUARDED = new Set(['editor', 'pager', 'prefix', 'ssh_askpass', 'visual']);
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const key = k.toLowerCase();
    if (!key.startsWith('git_') && !GUARDED.has(key)) env[k] = v;
  }
  // Never wait for a password on a terminal nobody sees; stable English messages for logs.
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/** The default runner: simple-git, one instance per command (so its exit code and output can be captured). */
export const simpleGitRunner: GitRunner = async (cwd, args, options = {}) => {
  let failure: { exitCode: number; stdout: string; stderr: string } | undefined;
  const git = simpleGit({
    baseDir: cwd,
    trimmed: false,
    allowEnvironment: ['GIT_TERMINAL_PROMPT'],
    input: options.input === undefined ? undefined : () => options.input,
    // simple-git treats "non-zero exit with empty stderr" as success; every non-zero exit is a failure here.
    errors: (error, result) => {
      if (result.exitCode === 0) return error;
      failure = {
        exitCode: result.exitCode,
        stdout: Buffer.concat(result.stdOut).toString('utf8'),
        stderr: Buffer.concat(result.stdErr).toString('utf8'),
      };
      return error ?? Buffer.concat([...result.stdOut, ...result.stdErr]);
    },
  });
  git.env(childEnv());
  try {
    return await git.raw([...args]);
  } catch (e) {
    if (failure) throw new GitCommandError(cwd, args, failure.exitCode, failure.stdout, failure.stderr);
    throw new GitCommandError(cwd, args, -1, '', (e as Error).message);
  }
};

/**
 * Runs one short read synchronously, with the same environment and failure as the runner above, and a time limit.
 * Only for the tree's first paint (`git worktree list`, ~5–10 ms): in the extension host every await waits for a turn
 * of an event loop that other extensions keep busy while the window starts (activation rows of `npm run bench`).
 * A timeout is a GitCommandError with exit code -1 and `timedOut`.
 */
export function runGitSync(cwd: string, args: readonly string[], timeoutMs: number): string {
  const r = spawnSync('git', [...args], { cwd, env: childEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true });
  if (r.error || r.status !== 0) {
    const timedOut = r.error !== undefined && 'code' in r.error && r.error.code === 'ETIMEDOUT';
    const err = new GitCommandError(cwd, args, r.status ?? -1, r.stdout ?? '', r.stderr || (r.error?.message ?? ''));
    throw Object.assign(err, { timedOut });
  }
  return r.stdout;
}

const versions = new WeakMap<GitRunner, Promise<number[]>>();

/** `git version` as numbers, e.g. [2, 39, 5]; cached per runner. */
export function gitVersion(run: GitRunner, cwd: string): Promise<number[]> {
  let v = versions.get(run);
  if (!v) {
    v = run(cwd, ['version']).then((out) => (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(out) ?? []).slice(1).map((n) => Number(n ?? 0)));
    versions.set(run, v);
  }
  return v;
}

export async function gitAtLeast(run: GitRunner, cwd: string, major: number, minor: number): Promise<boolean> {
  const [a = 0, b = 0] = await gitVersion(run, cwd);
  return a > major || (a === major && b >= minor);
}

/** Whether a failure is another git process holding one of git's lock files (worth a short retry). */
export function isLockContention(e: unknown): boolean {
  if (!(e instanceof GitCommandError)) return false;
  const held =
    /Unable to create '[^']*\.lock'|could not lock config file|cannot lock ref|Another git process seems to be running|unable to lock/i;
  return held.test(e.stderr);
}

/**
 * Whether a failed read saw a worktree that another git process is creating or removing right now (git writes
 * `.git/worktrees/<id>/` file by file): `failed to read .git/worktrees/<id>/commondir`.
 */
export function isWorktreeMetadataRace(e: unknown): boolean {
  return e instanceof GitCommandError && /worktrees\/[^\s/]+\/(commondir|gitdir|HEAD)|failed to read .*worktrees/i.test(e.stderr);
}

/** Runs a read that lists worktrees, retrying while another git process is half-way through adding or removing one. */
export async function runWorktreeRead(run: GitRunner, cwd: string, args: readonly string[], attempts = 8): Promise<string> {
  for (let i = 1; ; i++) {
    try {
      return await run(cwd, args);
    } catch (e) {
      if (i >= attempts || !isWorktreeMetadataRace(e)) throw e;
      await new Promise((r) => setTimeout(r, 10 * 2 ** Math.min(i, 5) * (0.5 + Math.random())));
    }
  }
}

/** Runs a git command, retrying a few times while another git process holds one of the repository's lock files. */
export async function runWithLockRetry(run: GitRunner, cwd: string, args: readonly string[], attempts = 6): Promise<string> {
  for (let i = 1; ; i++) {
    try {
      return await run(cwd, args);
    } catch (e) {
      if (i >= attempts || !isLockContention(e)) throw e;
      await new Promise((r) => setTimeout(r, 40 * 2 ** i * (0.5 + Math.random())));
    }
  }
}
