import { performance } from 'node:perf_hooks';
import { buildSkillsModel } from '../src/core/skillsModel';
import { git, RepoFixture } from '../test/builders/repo';
import { median } from './stats';

export interface TreeModelFigures {
  skills: number;
  worktrees: number;
  setupMs: number;
  worktreeListMs: number;
  /** Until the first paint: skills and worktrees from one `git worktree list`. */
  firstPaintMedianMs: number;
  /** Until the complete model: dirty and ahead/behind filled in. */
  modelMedianMs: number;
  modelMinMs: number;
  /** The complete model right after `git worktree add`, before the worktrees' indexes were ever refreshed. */
  freshModelMedianMs: number;
  runs: number;
}

/** Time to the first paint and to the complete tree model (dirty, ahead/behind) for `n` skills, each with a worktree. */
export async function benchTreeModel(n = 100, runs = 7): Promise<TreeModelFigures> {
  const t0 = performance.now();
  const names = Array.from({ length: n }, (_, i) => `skill-${String(i).padStart(3, '0')}`);
  const repo = await RepoFixture.create({ prefix: 'odoobo-bench-', skills: names.map((name) => ({ name })) });
  try {
    for (const name of names) await git(repo.dir, 'worktree', 'add', '-q', '-b', `skill/${name}`, repo.worktreePath(name), 'main');
    const setupMs = performance.now() - t0;
    // A fresh checkout's index is "racily clean" (files as new as the index): until git rewrites the index, every
    // status re-reads every file. Measured once like that, then settled as any git command that writes the index
    // leaves a worktree in use (the background status never writes it: --no-optional-locks).
    const fresh: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await buildSkillsModel(repo.dir);
      fresh.push(performance.now() - s);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    for (const name of names) await git(repo.worktreePath(name), 'update-index', '-q', '--refresh');
    const listTimes: number[] = [];
    const paintTimes: number[] = [];
    const modelTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      let s = performance.now();
      await git(repo.dir, 'worktree', 'list', '--porcelain', '-z');
      listTimes.push(performance.now() - s);
      s = performance.now();
      let paintedAt = NaN;
      const model = await buildSkillsModel(repo.dir, {
        onFirstPaint: (first) => {
          paintedAt = performance.now() - s;
          if (first.skills.filter((v) => v.worktree).length !== n) throw new Error('bench first paint is missing worktrees');
        },
      });
      modelTimes.push(performance.now() - s);
      paintTimes.push(paintedAt);
      if (model.skills.filter((v) => v.worktree?.dirty !== undefined).length !== n) throw new Error('bench model is missing worktree state');
    }
    return {
      skills: n,
      worktrees: n,
      setupMs,
      worktreeListMs: median(listTimes),
      firstPaintMedianMs: median(paintTimes),
      modelMedianMs: median(modelTimes),
      modelMinMs: Math.min(...modelTimes),
      freshModelMedianMs: median(fresh),
      runs,
    };
  } finally {
    await repo.remove();
  }
}
