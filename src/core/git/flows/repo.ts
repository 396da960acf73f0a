import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseWorktreePorcelain, type WorktreeEntry } from '../worktrees';
import { InvalidSkillNameError, skillNameProblem } from '../../skills/names';
import { StatusError } from '../../status/errors';
import { acquireLock, type HeldLock } from '../../status/lockFile';
import { odooboDir, StatusStore } from '../../status/statusStore';
import { GitFlowError, type GitFlowErrorCode } from './errors';
import { GitCommandError, gitAtLeast, runWorktreeRead, simpleGitRunner, type GitRunner } from '../runner';
import { gitCommonDir, tryGit } from '../git';
import { detectMainBranch, type MainBranch } from './mainBranch';
import { repositoryMutex } from './mutex';

/** One step of a flow, for progress output. */
export interface FlowProgress {
  readonly skill?: string;
  readonly step: string;
  readonly message: string;
}

/** Options every flow takes. */
export interface FlowOptions {
  /** Checked between steps, never in the middle of a git write. */
  readonly signal?: AbortSignal;
  /** The main branch's name; detected when not given (origin/HEAD, init.defaultBranch, `main`). */
  readonly mainBranch?: string;
  /** How long to wait for another flow on the same skill (default 120 s). */
  readonly lockTimeoutMs?: number;
  readonly onProgress?: (p: FlowProgress) => void;
  /** Where outcomes are recorded; default: the repository's status file; `false`: not recorded. */
  readonly status?: StatusStore | false;
  /** Runs git; tests pass a spy. Default: simple-git. */
  readonly runner?: GitRunner;
}

export interface RepoContext {
  readonly run: GitRunner;
  /** The main worktree's folder (the first one `git worktree list` shows). */
  readonly mainWorktree: string;
  readonly commonDir: string;
  readonly mainBranch: MainBranch;
  readonly hasOrigin: boolean;
  readonly locksDir: string;
  readonly status?: StatusStore;
  readonly signal?: AbortSignal;
  readonly lockTimeoutMs: number;
  progress(skill: string | undefined, step: string, message: string): void;
}

/** Throws INVALID_SKILL_NAME listing every invalid name; call before anything reaches git or the file system. */
export function assertSkillNames(names: readonly string[]): string[] {
  const bad = names.map((n) => [n, skillNameProblem(n)] as const).filter(([, p]) => p !== undefined);
  if (bad.length) {
    throw new GitFlowError(
      'INVALID_SKILL_NAME',
      `Invalid skill name${bad.length > 1 ? 's' : ''}: ${bad.map(([n, p]) => `${JSON.stringify(n)} (${p})`).join(', ')}.`,
    );
  }
  return [...new Set(names)];
}

/** Resolves the repository that contains `dir` (any of its worktrees) once per flow. */
export async function openRepo(dir: string, options: FlowOptions = {}): Promise<RepoContext> {
  const run = options.runner ?? simpleGitRunner;
  checkAborted(options.signal);
  const commonDir = await gitCommonDir(dir);
  if (!commonDir) throw new GitFlowError('NOT_A_REPOSITORY', `${dir} is not inside a git repository.`, { path: dir });
  const [porcelain, remotes, mainBranch] = await Promise.all([
    runWorktreeRead(run, dir, ['worktree', 'list', '--porcelain', '-z']),
    run(dir, ['remote']),
    detectMainBranch(dir, { override: options.mainBranch, runner: run }),
  ]);
  const main = parseWorktreePorcelain(porcelain)[0];
  if (!main || main.bare) throw new GitFlowError('BARE_REPOSITORY', `${dir} belongs to a bare repository.`, { path: dir });
  const status = options.status === false ? undefined : options.status ?? new StatusStore(commonDir);
  return {
    run,
    mainWorktree: path.normalize(main.path),
    commonDir,
    mainBranch,
    hasOrigin: remotes.split('\n').some((r) => r.trim() === 'origin'),
    locksDir: path.join(odooboDir(commonDir), 'locks'),
    status,
    signal: options.signal,
    lockTimeoutMs: options.lockTimeoutMs ?? 120_000,
    progress: (skill, step, message) => options.onProgress?.({ skill, step, message }),
  };
}

export function checkAborted(signal: AbortSignal | undefined, skill?: string): void {
  if (signal?.aborted) throw new GitFlowError('ABORTED', 'Canceled.', { skill });
}

/** Between two steps: canceled? still holding the skill's lock? */
export function checkpoint(ctx: RepoContext, skill?: string, lock?: HeldLock): void {
  checkAborted(ctx.signal, skill);
  if (lock?.lost) throw new GitFlowError('LOCKED', `The lock ${lock.file} was taken over by another process.`, { skill, path: lock.file });
}

/** Any failure as a GitFlowError naming the skill. */
export function toFlowError(e: unknown, skill?: string, where?: string): GitFlowError {
  if (e instanceof GitFlowError) return e;
  if (e instanceof InvalidSkillNameError) return new GitFlowError('INVALID_SKILL_NAME', e.message, { cause: e });
  if (e instanceof StatusError) {
    const code: GitFlowErrorCode = e.code === 'ABORTED' ? 'ABORTED' : e.code === 'STATUS_FILE_CORRUPT' ? 'STATUS_FILE_CORRUPT' : 'LOCKED';
    return new GitFlowError(code, e.message.replace(` ${e.mitigation}`, ''), { skill, path: e.details.file, cause: e });
  }
  if (e instanceof GitCommandError) {
    return new GitFlowError('GIT_FAILED', `${where ? `${where}: ` : ''}git ${e.args.join(' ')} failed: ${e.gitMessage}`, {
      skill,
      path: e.cwd,
      cause: e,
    });
  }
  return new GitFlowError('GIT_FAILED', `${where ? `${where}: ` : ''}${(e as Error)?.message ?? String(e)}`, { skill, cause: e });
}

/** Serialises the flows on one skill, across processes: `<git-common-dir>/odoobo/locks/<skill>.lock`. */
export async function withSkillLock<T>(ctx: RepoContext, skill: string, purpose: string, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  return withNamedLock(ctx, skill, `${purpose} ${skill}`, skill, fn);
}

/** Serialises merges into the main branch across processes (`_main.lock`: no skill name starts with `_`). */
export async function withMainLock<T>(
  ctx: RepoContext,
  purpose: string,
  skill: string | undefined,
  fn: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  return withNamedLock(ctx, '_main', purpose, skill, fn);
}

async function withNamedLock<T>(
  ctx: RepoContext,
  name: string,
  purpose: string,
  skill: string | undefined,
  fn: (lock: HeldLock) => Promise<T>,
): Promise<T> {
  let lock: HeldLock;
  try {
    lock = await acquireLock(path.join(ctx.locksDir, `${name}.lock`), { purpose, timeoutMs: ctx.lockTimeoutMs, signal: ctx.signal });
  } catch (e) {
    throw toFlowError(e, skill);
  }
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/** Runs `fn` while holding the repository's in-process metadata mutex. */
export function withRepoMutex<T>(ctx: RepoContext, fn: () => Promise<T>): Promise<T> {
  return repositoryMutex.run(ctx.commonDir, fn);
}

export async function readWorktreeEntries(ctx: RepoContext): Promise<WorktreeEntry[]> {
  const out = await runWorktreeRead(ctx.run, ctx.mainWorktree, ['worktree', 'list', '--porcelain', '-z']);
  return parseWorktreePorcelain(out).map((e) => ({ ...e, path: path.normalize(e.path) }));
}

export async function dirExists(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}

export interface RefInfo {
  readonly sha: string;
  /** Full upstream ref, e.g. `refs/remotes/origin/skill/a`. */
  readonly upstream?: string;
}

/** The refs that exist among `refs` (full names), with their commit and upstream: one `git for-each-ref`. */
export async function readRefs(ctx: RepoContext, refs: readonly string[]): Promise<Map<string, RefInfo>> {
  const out = await ctx.run(ctx.mainWorktree, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(upstream)', ...refs]);
  const wanted = new Set(refs);
  const map = new Map<string, RefInfo>();
  for (const line of out.split('\n')) {
    const [ref, sha, upstream] = line.split('\0');
    if (ref && wanted.has(ref)) map.set(ref, { sha, upstream: upstream || undefined });
  }
  return map;
}

/** Whether `ancestor` is reachable from `descendant` (`rev-list --count` prints, unlike `merge-base --is-ancestor`). */
export async function isAncestor(ctx: RepoContext, ancestor: string, descendant: string): Promise<boolean> {
  return (await ctx.run(ctx.mainWorktree, ['rev-list', '--count', ancestor, '--not', descendant])).trim() === '0';
}

/** Uncommitted changes in a worktree, tracked and untracked (not ignored), as paths. */
export async function worktreeChanges(ctx: RepoContext, cwd: string): Promise<string[]> {
  // `--branch` adds a `## branch` record: git always prints something (see SILENT_COMMAND_NOTE in gitRunner.ts).
  const out = await ctx.run(cwd, ['status', '--porcelain=v1', '-z', '--branch', '--untracked-files=normal', '--ignore-submodules=dirty']);
  const files: string[] = [];
  const records = out.split('\0');
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!r || r.startsWith('## ')) continue;
    files.push(r.slice(3));
    if (r[0] === 'R' || r[0] === 'C') i++; // the original path of a rename follows
  }
  return files;
}

/**
 * The git-ignored files and folders of a worktree (`.env`, `.venv/`, `data/cache/`), a folder listed once with a
 * trailing slash: `git worktree remove` deletes them without a word, and they are where secrets and local data live.
 */
export async function ignoredFiles(ctx: RepoContext, cwd: string): Promise<string[]> {
  const out = await ctx.run(cwd, ['status', '--porcelain=v1', '-z', '--branch', '--ignored=traditional', '--untracked-files=normal']);
  return out.split('\0').filter((r) => r.startsWith('!! ')).map((r) => r.slice(3));
}

const IN_PROGRESS: ReadonlyArray<[string, string]> = [
  ['rebase-merge', 'a rebase'],
  ['rebase-apply', 'a rebase or `git am`'],
  ['MERGE_HEAD', 'a merge'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ['REVERT_HEAD', 'a revert'],
  ['BISECT_LOG', 'a bisect'],
];

/** The operation in progress in a worktree (rebase, merge, …), if any. */
export async function operationInProgress(ctx: RepoContext, cwd: string): Promise<string | undefined> {
  const out = await ctx.run(cwd, ['rev-parse', ...IN_PROGRESS.flatMap(([p]) => ['--git-path', p])]);
  const paths = out.split('\n').filter(Boolean);
  for (let i = 0; i < IN_PROGRESS.length; i++) {
    const p = paths[i];
    if (p && (await fs.stat(path.resolve(cwd, p)).then(() => true, () => false))) return IN_PROGRESS[i][1];
  }
  return undefined;
}

/** Files with unresolved conflicts in a worktree. */
export async function conflictedFiles(ctx: RepoContext, cwd: string): Promise<string[]> {
  const out = await ctx.run(cwd, ['diff', '--name-only', '-z', '--diff-filter=U']);
  return [...new Set(out.split('\0').filter(Boolean))];
}

export type MergePreview = { readonly clean: true; readonly tree: string } | { readonly clean: false; readonly files: string[] };

/**
 * Merges in memory (`git merge-tree --write-tree`, git ≥ 2.38) without touching any worktree, index or ref:
 * the conflicted files, or undefined when this git cannot.
 */
export async function previewMerge(ctx: RepoContext, ours: string, theirs: string): Promise<MergePreview | undefined> {
  if (!(await gitAtLeast(ctx.run, ctx.mainWorktree, 2, 38))) return undefined;
  try {
    const out = await ctx.run(ctx.mainWorktree, ['merge-tree', '--write-tree', '--name-only', '--no-messages', '-z', ours, theirs]);
    return { clean: true, tree: out.split('\0')[0].trim() };
  } catch (e) {
    if (!(e instanceof GitCommandError) || e.exitCode !== 1) throw e;
    const fields = e.stdout.split('\0');
    const files: string[] = [];
    for (const f of fields.slice(1)) {
      if (f === '') break;
      files.push(f);
    }
    return { clean: false, files: [...new Set(files)] };
  }
}

const PSEUDO_REFS = ['ORIG_HEAD', 'AUTO_MERGE'] as const;
export type PseudoRefSnapshot = ReadonlyMap<string, string | undefined>;

/** The worktree's ORIG_HEAD and AUTO_MERGE, which a merge or rebase that is then aborted leaves changed. */
export async function snapshotPseudoRefs(ctx: RepoContext, cwd: string): Promise<PseudoRefSnapshot> {
  const map = new Map<string, string | undefined>();
  for (const name of PSEUDO_REFS) map.set(name, await tryGit(ctx.run, cwd, ['rev-parse', '--verify', name]));
  return map;
}

export async function restorePseudoRefs(ctx: RepoContext, cwd: string, snapshot: PseudoRefSnapshot): Promise<void> {
  const now = await snapshotPseudoRefs(ctx, cwd);
  for (const [name, before] of snapshot) {
    if (now.get(name) === before) continue;
    if (before === undefined) await tryGit(ctx.run, cwd, ['update-ref', '--no-deref', '-d', name]);
    else await ctx.run(cwd, ['update-ref', '--no-deref', name, before]);
  }
}
