import { statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitCommandError, gitAtLeast, runGitSync, runWorktreeRead, simpleGitRunner, type GitRunner } from './runner';
import { skillForBranch } from '../skills/names';
import { mapLimit } from '../util/concurrency';

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  readonly path: string;
  readonly head?: string;
  /** Full ref, e.g. `refs/heads/skill/pr-review`; undefined when detached or bare. */
  readonly branchRef?: string;
  readonly bare: boolean;
  readonly detached: boolean;
  readonly locked: boolean;
  readonly lockedReason?: string;
  readonly prunable: boolean;
  readonly prunableReason?: string;
}

export interface Worktree extends WorktreeEntry {
  /** Short branch name, e.g. `skill/pr-review`. */
  readonly branch?: string;
  /** The skill this worktree belongs to, from its branch `skill/<name>`. */
  readonly skill?: string;
  /** The first entry git lists: the main worktree. */
  readonly isMain: boolean;
  /** Whether the folder exists on disk (a folder deleted by hand leaves a prunable entry). */
  readonly exists: boolean;
  /** Uncommitted changes (tracked or untracked); undefined when it could not be read. */
  readonly dirty?: boolean;
  readonly changedFiles?: number;
  readonly upstream?: string;
  readonly upstreamGone?: boolean;
  readonly ahead?: number;
  readonly behind?: number;
  /** Set while dirty and ahead/behind are still being read (`listWorktreeEntries`, the tree's first paint). */
  readonly pending?: true;
}

/** Parses `git worktree list --porcelain -z` (NUL-terminated attribute lines, an empty one between entries). */
export function parseWorktreePorcelain(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let cur: { -readonly [K in keyof WorktreeEntry]?: WorktreeEntry[K] } | undefined;
  const flush = () => {
    if (cur?.path) {
      entries.push({ bare: false, detached: false, locked: false, prunable: false, ...cur, path: cur.path });
    }
    cur = undefined;
  };
  for (const field of output.split('\0')) {
    if (field === '') {
      flush();
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? undefined : field.slice(space + 1);
    if (key === 'worktree') {
      flush();
      cur = { path: value };
      continue;
    }
    if (!cur) continue;
    switch (key) {
      case 'HEAD': cur.head = value; break;
      case 'branch': cur.branchRef = value; break;
      case 'bare': cur.bare = true; break;
      case 'detached': cur.detached = true; break;
      case 'locked': cur.locked = true; cur.lockedReason = value || undefined; break;
      case 'prunable': cur.prunable = true; cur.prunableReason = value || undefined; break;
      default: break; // newer git may add attributes; ignore what we do not know
    }
  }
  flush();
  return entries;
}

export interface BranchTracking {
  readonly upstream?: string;
  readonly gone: boolean;
  readonly ahead: number;
  readonly behind: number;
}

/** Reads upstream and ahead/behind of every local branch in one `git for-each-ref` call. */
export async function readBranchTracking(repoDir: string, run: GitRunner = simpleGitRunner): Promise<Map<string, BranchTracking>> {
  const out = await run(repoDir, ['for-each-ref', '--format=%(refname)%00%(upstream:short)%00%(upstream:track,nobracket)', 'refs/heads']);
  const map = new Map<string, BranchTracking>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [ref, upstream, track = ''] = line.split('\0');
    const ahead = /ahead (\d+)/.exec(track);
    const behind = /behind (\d+)/.exec(track);
    map.set(ref, {
      upstream: upstream || undefined,
      gone: track.includes('gone'),
      ahead: ahead ? Number(ahead[1]) : 0,
      behind: behind ? Number(behind[1]) : 0,
    });
  }
  return map;
}

export interface DirtyState {
  dirty?: boolean;
  changedFiles?: number;
}

// --branch makes the output never empty (simple-git waits 50 ms for more output after a command that printed nothing),
// and its `## branch` header starts each worktree's part of a batch; --no-ahead-behind spares the header's history walk
// (for-each-ref reads ahead/behind of every branch at once).
const STATUS_ARGS = ['status', '--porcelain=v1', '--branch', '--no-ahead-behind', '-z', '--untracked-files=normal', '--ignore-submodules=dirty'];

/** Counts the changes in `git status --porcelain=v1 --branch -z` output, one entry per `## branch` header. */
function parseStatuses(out: string): DirtyState[] {
  const states: DirtyState[] = [];
  const records = out.split('\0');
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (!r) continue;
    if (r.startsWith('## ')) {
      states.push({ dirty: false, changedFiles: 0 });
      continue;
    }
    // Each record is `XY path`, renames carry one extra `origPath`; a status code is never `#`, so `## ` is a header.
    const cur = states[states.length - 1];
    if (cur) cur.changedFiles = (cur.changedFiles ?? 0) + 1;
    if (cur) cur.dirty = true;
    if (r[0] === 'R' || r[0] === 'C') i++;
  }
  return states;
}

// --no-optional-locks: a background status must never take index.lock from under the user's own git commands.
async function readDirty(worktreePath: string): Promise<DirtyState> {
  try {
    return parseStatuses(await simpleGitRunner(worktreePath, ['--no-optional-locks', ...STATUS_ARGS]))[0] ?? {};
  } catch {
    return {};
  }
}

/**
 * The status of many worktrees from one process: `git for-each-repo` runs `git -C <path> status` for each path of a
 * config key given on the command line, in order (git forks git, far cheaper than a process per worktree from here).
 * It stops at the first failing worktree; that one and the rest are then read one by one.
 */
async function readDirtyBatch(repoDir: string, paths: readonly string[]): Promise<DirtyState[]> {
  const config = paths.flatMap((p) => ['-c', `odoobo.statusrepo=${p}`]);
  const args = ['--no-optional-locks', ...config, 'for-each-repo', '--config=odoobo.statusrepo', '--', ...STATUS_ARGS];
  const out = await simpleGitRunner(repoDir, args).catch((e: unknown) => (e instanceof GitCommandError ? e.stdout : ''));
  const states = parseStatuses(out);
  // A section cut short by the failure is not trusted either.
  const good = states.length >= paths.length ? paths.length : Math.max(0, states.length - 1);
  const rest = await Promise.all(paths.slice(good).map((p) => readDirty(p)));
  return [...states.slice(0, good), ...rest];
}

/** Dirty state of each path: `batches` for-each-repo processes in parallel when git has it (2.30), else one status each. */
export async function readStatuses(repoDir: string, paths: readonly string[], batches: number): Promise<DirtyState[]> {
  if (paths.length === 0) return [];
  if (!(await gitAtLeast(simpleGitRunner, repoDir, 2, 30))) return mapLimit(paths, batches, (p) => readDirty(p));
  // At least ~10 worktrees a process: below that, a process's start costs more than the parallelism gains.
  const size = Math.max(Math.ceil(paths.length / Math.max(1, batches)), Math.min(10, paths.length));
  const chunks = Array.from({ length: Math.ceil(paths.length / size) }, (_, i) => paths.slice(i * size, (i + 1) * size));
  return (await Promise.all(chunks.map((c) => readDirtyBatch(repoDir, c)))).flat();
}

export interface ListWorktreesOptions {
  /** Parallel git processes reading dirty state (each a `for-each-repo` batch of `git status`). */
  readonly concurrency?: number;
  /** Read dirty state only for worktrees that match this predicate (default: all). */
  readonly statusFor?: (w: WorktreeEntry) => boolean;
}

/**
 * Status processes in parallel by default, one per core: `npm run bench` (bench/worktreeState.ts) times a status per
 * worktree (one at a time, 8 or 16 in parallel) against for-each-repo batches (1, 2, 4, 8) for 5, 20 and 100 worktrees;
 * batches of about 10 worktrees, one process per core, were the fastest at each size.
 */
const STATUS_CONCURRENCY = Math.max(2, os.availableParallelism());

/**
 * The repository's worktrees from one `git worktree list` (and a stat of each folder): branch, HEAD, locked, prunable;
 * dirty and ahead/behind are left unknown (undefined) for `readWorktreeState`. Fast enough for a first paint.
 */
export async function listWorktreeEntries(repoDir: string): Promise<Worktree[]> {
  return toWorktrees(parseWorktreePorcelain(await runWorktreeRead(simpleGitRunner, repoDir, WORKTREE_LIST)));
}

/**
 * `listWorktreeEntries` in one synchronous git call (at most `timeoutMs`), for the tree's first paint; throws what
 * `runGitSync` throws (a caller falls back to `listWorktreeEntries`, which also waits out worktree metadata races).
 */
export function listWorktreeEntriesSync(repoDir: string, timeoutMs: number): Worktree[] {
  return toWorktrees(parseWorktreePorcelain(runGitSync(repoDir, WORKTREE_LIST, timeoutMs)));
}

const WORKTREE_LIST = ['worktree', 'list', '--porcelain', '-z'];

function toWorktrees(entries: readonly WorktreeEntry[]): Worktree[] {
  // One stat per worktree, synchronously: microseconds each, where an await would wait for a turn of a busy event loop.
  return entries.map((entry, index): Worktree => {
    const exists = statSync(entry.path, { throwIfNoEntry: false })?.isDirectory() ?? false;
    const branch = entry.branchRef?.replace(/^refs\/heads\//, '');
    return {
      ...entry,
      path: path.normalize(entry.path),
      branch,
      skill: skillForBranch(branch),
      isMain: index === 0,
      exists,
      prunable: entry.prunable || !exists,
      prunableReason: entry.prunableReason ?? (exists ? undefined : 'folder is missing'),
      pending: true,
    };
  });
}

/**
 * Fills in dirty (one `git status` per existing worktree, in parallel within a bound) and upstream, ahead/behind (one
 * `git for-each-ref` for all branches) of worktrees from `listWorktreeEntries`.
 */
export async function readWorktreeState(
  repoDir: string,
  worktrees: readonly Worktree[],
  options: ListWorktreesOptions = {},
  tracking: Promise<Map<string, BranchTracking>> = readBranchTracking(repoDir),
): Promise<Worktree[]> {
  const wanted = worktrees.flatMap((w, i) => (w.exists && !w.bare && (options.statusFor?.(w) ?? true) ? [i] : []));
  const statuses = readStatuses(repoDir, wanted.map((i) => worktrees[i].path), options.concurrency ?? STATUS_CONCURRENCY);
  const [byRef, read] = await Promise.all([tracking, statuses]);
  const dirty = new Map(wanted.map((index, k) => [index, read[k]]));
  return worktrees.map((w, i) => {
    const track = w.branchRef ? byRef.get(w.branchRef) : undefined;
    return {
      ...w,
      pending: undefined,
      ...dirty.get(i),
      upstream: track?.upstream,
      upstreamGone: track?.gone,
      ahead: track?.upstream && !track.gone ? track.ahead : undefined,
      behind: track?.upstream && !track.gone ? track.behind : undefined,
    };
  });
}

/**
 * Lists the repository's worktrees with branch, HEAD, dirty, ahead/behind, locked and prunable state:
 * one `git worktree list`, one `git for-each-ref`, and one `git status` per existing worktree.
 */
export async function listWorktrees(repoDir: string, options: ListWorktreesOptions = {}): Promise<Worktree[]> {
  const tracking = readBranchTracking(repoDir);
  // Read alongside the list; a failure surfaces from readWorktreeState's await, never as an unhandled rejection.
  tracking.catch(() => undefined);
  return readWorktreeState(repoDir, await listWorktreeEntries(repoDir), options, tracking);
}
