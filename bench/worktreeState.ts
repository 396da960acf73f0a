import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { simpleGitRunner } from '../src/core/git/runner';
import { readStatuses } from '../src/core/git/worktrees';
import { mapLimit } from '../src/core/util/concurrency';
import { git, RepoFixture } from '../test/builders/repo';
import { median } from './stats';

/** Ways to read "dirty, and how many changes" of every worktree; the bench times each for 5, 20 and 100 worktrees. */
const STATUS_V1 = ['--no-optional-locks', 'status', '--porcelain=v1', '--branch', '-z', '--untracked-files=normal', '--ignore-submodules=dirty'];
const STATUS_V2_NO_UNTRACKED = ['--no-optional-locks', 'status', '--porcelain=v2', '--untracked-files=no', '--ignore-submodules=dirty'];
const DIFF_INDEX = ['--no-optional-locks', 'diff-index', '--quiet', 'HEAD', '--'];

function rawGit(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('git', args, { cwd }, (_e, stdout) => resolve(stdout)));
}

export interface StateVariant {
  readonly name: string;
  /** Median ms for each worktree count. */
  readonly ms: Record<number, number>;
}

const VARIANTS: { name: string; run: (repo: string, dirs: string[]) => Promise<unknown> }[] = [
  { name: 'git status each, one at a time', run: (_r, d) => mapLimit(d, 1, (p) => simpleGitRunner(p, STATUS_V1)) },
  { name: 'git status each, 8 in parallel', run: (_r, d) => mapLimit(d, 8, (p) => simpleGitRunner(p, STATUS_V1)) },
  { name: 'git status each (execFile), 16 in parallel', run: (_r, d) => mapLimit(d, 16, (p) => rawGit(p, STATUS_V1)) },
  { name: 'git status -uno each, 8 in parallel (no untracked)', run: (_r, d) => mapLimit(d, 8, (p) => rawGit(p, STATUS_V2_NO_UNTRACKED)) },
  { name: 'git diff-index --quiet each, 8 in parallel (no untracked, no count)', run: (_r, d) => mapLimit(d, 8, (p) => rawGit(p, DIFF_INDEX)) },
  ...[1, 2, 4, 8].map((k) => ({ name: `git for-each-repo status, ${k} process${k > 1 ? 'es' : ''}`, run: (r: string, d: string[]) => readStatuses(r, d, k) })),
];

/** Times every variant on repositories with 5, 20 and 100 worktrees (a third of them dirty). */
export async function benchWorktreeState(counts = [5, 20, 100], runs = 3): Promise<StateVariant[]> {
  const ms: Record<number, number>[] = VARIANTS.map(() => ({}));
  for (const n of counts) {
    const names = Array.from({ length: n }, (_, i) => `skill-${String(i).padStart(3, '0')}`);
    const repo = await RepoFixture.create({ prefix: 'odoobo-bench-', skills: names.map((name) => ({ name })) });
    try {
      const dirs: string[] = [];
      for (const [i, name] of names.entries()) {
        const wt = repo.worktreePath(name);
        await git(repo.dir, 'worktree', 'add', '-q', '-b', `skill/${name}`, wt, 'main');
        if (i % 3 === 0) await fs.writeFile(path.join(wt, 'scratch.txt'), 'uncommitted\n');
        dirs.push(wt);
      }
      // Settled as a worktree in use is (see treeModel.ts: a fresh checkout's index makes every status re-read files).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      for (const wt of dirs) await git(wt, 'update-index', '-q', '--refresh');
      for (const [v, variant] of VARIANTS.entries()) {
        const times: number[] = [];
        for (let r = 0; r < runs; r++) {
          const s = performance.now();
          await variant.run(repo.dir, dirs);
          times.push(performance.now() - s);
        }
        ms[v][n] = median(times);
      }
    } finally {
      await repo.remove();
    }
  }
  return VARIANTS.map((v, i) => ({ name: v.name, ms: ms[i] }));
}

if (require.main === module) {
  void benchWorktreeState().then((r) => console.log(r.map((v) => `${v.name.padEnd(52)} ${Object.entries(v.ms).map(([n, t]) => `${n}: ${t.toFixed(0)} ms`).join('  ')}`).join('\n')));
}
