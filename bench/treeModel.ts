import { performance } from 'node:perf_hooks';
import { buildSkillsModel } from '../src/core/skillsModel';
import { git, RepoFixture } from '../test/builders/repo';
import { median } from './stats';

export interface TreeModelFigures {
  skills: number;
  worktrees: number;
  setupMs: number;
  worktreeListMs: number;
  modelMedianMs: number;
  modelMinMs: number;
  runs: number;
}


/** Time to build the tree model (skills + worktrees + dirty/ahead/behind) for `n` skills, each with a worktree. */
export async function benchTreeModel(n = 100, runs = 5): Promise<TreeModelFigures> {
  const t0 = performance.now();
  const names = Array.from({ length: n }, (_, i) => `skill-${String(i).padStart(3, '0')}`);
  const repo = await RepoFixture.create({ prefix: 'odoobo-bench-', skills: names.map((name) => ({ name })) });
  try {
    for (const name of names) await git(repo.dir, 'worktree', 'add', '-q', '-b', `skill/${name}`, repo.worktreePath(name), 'main');
    const setupMs = performance.now() - t0;
    const listTimes: number[] = [];
    const modelTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      let s = performance.now();
      await git(repo.dir, 'worktree', 'list', '--porcelain', '-z');
      listTimes.push(performance.now() - s);
      s = performance.now();
      const model = await buildSkillsModel(repo.dir);
      modelTimes.push(performance.now() - s);
      if (model.skills.filter((v) => v.worktree).length !== n) throw new Error('bench model is missing worktrees');
    }
    return { skills: n, worktrees: n, setupMs, worktreeListMs: median(listTimes), modelMedianMs: median(modelTimes), modelMinMs: Math.min(...modelTimes), runs };
  } finally {
    await repo.remove();
  }
}
