// Worktree flows: set up N worktrees (branch + worktree + push with upstream) in parallel vs one at a time, and list
// 100 worktrees. Run alone with `node --import tsx bench/worktreeFlows.ts`.
import { performance } from 'node:perf_hooks';
import { listSkillWorktrees, setupWorktrees } from '../src/core/git/flows';
import { git, RepoFixture } from '../test/builders/repo';
import { median } from './stats';

export interface WorktreeSetupFigures {
  n: number;
  /** All N skills at once (concurrency N): metadata steps serialised per repository, pushes in parallel. */
  parallelMs: number;
  /** concurrency 1. */
  sequentialMs: number;
  speedup: number;
}


async function timeSetup(n: number, concurrency: number): Promise<number> {
  const names = Array.from({ length: n }, (_, i) => `skill-${String(i).padStart(3, '0')}`);
  const repo = await RepoFixture.create({ prefix: 'odoobo-bench-', origin: true, skills: names.map((name) => ({ name })) });
  try {
    const start = performance.now();
    const report = await setupWorktrees(repo.dir, { allowTempRoot: true, concurrency });
    const ms = performance.now() - start;
    const bad = report.outcomes.filter((o) => o.status !== 'created' || o.push !== 'pushed');
    if (bad.length) throw new Error(`bench setup failed for ${bad.map((o) => `${o.skill}: ${o.error?.message ?? o.status}`).join('; ')}`);
    return ms;
  } finally {
    await repo.remove();
  }
}

/** Sets up `n` worktrees with an origin push, all at once and then one at a time (each on a fresh repository). */
export async function benchWorktreeSetup(n = 20): Promise<WorktreeSetupFigures> {
  const parallelMs = await timeSetup(n, n);
  const sequentialMs = await timeSetup(n, 1);
  return { n, parallelMs, sequentialMs, speedup: sequentialMs / parallelMs };
}

/** Median time (ms, 5 runs) to list `n` worktrees with dirty and ahead/behind state. */
export async function benchListWorktrees(n = 100, runs = 5): Promise<number> {
  const repo = await RepoFixture.create({ prefix: 'odoobo-bench-' });
  try {
    for (let i = 0; i < n; i++) {
      const name = `skill-${String(i).padStart(3, '0')}`;
      await git(repo.dir, 'worktree', 'add', '-q', '-b', `skill/${name}`, repo.worktreePath(name), 'main');
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const list = await listSkillWorktrees(repo.dir);
      times.push(performance.now() - start);
      if (list.length !== n + 1) throw new Error(`listed ${list.length} worktrees, expected ${n + 1}`);
    }
    return median(times);
  } finally {
    await repo.remove();
  }
}

if (require.main === module) {
  (async () => {
    const s = await benchWorktreeSetup(20);
    process.stdout.write(`set up 20 worktrees with push: parallel ${s.parallelMs.toFixed(0)} ms, one at a time ${s.sequentialMs.toFixed(0)} ms, speedup ${s.speedup.toFixed(2)}×\n`);
    const l = await benchListWorktrees(100);
    process.stdout.write(`list 100 worktrees (median of 5): ${l.toFixed(0)} ms\n`);
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
