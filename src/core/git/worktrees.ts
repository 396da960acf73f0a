import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runWorktreeRead, simpleGitRunner, type GitRunner } from './runner';
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

async function readDirty(worktreePath: string): Promise<{ dirty?: boolean; changedFiles?: number }> {
  try {
    // --no-optional-locks: a background status must never take index.lock from under the user's own git commands.
    // --branch makes the output never empty: simple-git waits 50 ms for more output after a command that printed nothing.
    const args = [
      '--no-optional-locks',
      'status',
      '--porcelain=v1',
      '--branch',
      '-z',
      '--untracked-files=normal',
      '--ignore-submodules=dirty',
    ];
    const out = await simpleGitRunner(worktreePath, args);
    // Each record is `XY path\0`, renames carry one extra `\0origPath`; the `## branch` header is not a change.
    let count = 0;
    const records = out.split('\0');
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!r || r.startsWith('## ')) continue;
      count++;
      if (r[0] === 'R' || r[0] === 'C') i++;
    }
    return { dirty: count > 0, changedFiles: count };
  } catch {
    return {};
  }
}

export interface ListWorktreesOptions {
  /** Parallel `git status` calls for dirty state. */
  readonly concurrency?: number;
  /** Read dirty state only for worktrees that match this predicate (default: all). */
  readonly statusFor?: (w: WorktreeEntry) => boolean;
}

/**
 * Lists the repository's worktrees with branch, HEAD, dirty, ahead/behind, locked and prunable state:
 * one `git worktree list`, one `git for-each-ref`, and one `git status` per existing worktree.
 */
export async function listWorktrees(repoDir: string, options: ListWorktreesOptions = {}): Promise<Worktree[]> {
  const [porcelain, tracking] = await Promise.all([
    runWorktreeRead(simpleGitRunner, repoDir, ['worktree', 'list', '--porcelain', '-z']),
    readBranchTracking(repoDir),
  ]);
  const entries = parseWorktreePorcelain(porcelain);
  return mapLimit(entries, options.concurrency ?? 8, async (entry, index): Promise<Worktree> => {
    const exists = await fs.stat(entry.path).then((s) => s.isDirectory(), () => false);
    const branch = entry.branchRef?.replace(/^refs\/heads\//, '');
    const track = entry.branchRef ? tracking.get(entry.branchRef) : undefined;
    const wantStatus = exists && !entry.bare && (options.statusFor?.(entry) ?? true);
    const status = wantStatus ? await readDirty(entry.path) : {};
    return {
      ...entry,
      path: path.normalize(entry.path),
      branch,
      skill: skillForBranch(branch),
      isMain: index === 0,
      exists,
      prunable: entry.prunable || !exists,
      prunableReason: entry.prunableReason ?? (exists ? undefined : 'folder is missing'),
      ...status,
      upstream: track?.upstream,
      upstreamGone: track?.gone,
      ahead: track?.upstream && !track.gone ? track.ahead : undefined,
      behind: track?.upstream && !track.gone ? track.behind : undefined,
    };
  });
}
