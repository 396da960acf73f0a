import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSkillsModel, type SkillsModel } from '../../../src/core/skillsModel';
import { git, RepoFixture } from '../../builders/repo';

// Worktrees outside os.tmpdir(), as the git layer's own tests keep them.
const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

describe('buildSkillsModel: first paint, then the complete model', () => {
  let repo: RepoFixture;
  const wt: Record<string, string> = {};

  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'skills-model-', origin: true, skills: ['alpha', 'beta', 'gamma'].map((name) => ({ name })) });
    wt.alpha = await repo.addWorktree('alpha', { push: true }); // clean, tracking
    wt.beta = await repo.addWorktree('beta', { push: true }); // one commit ahead, one untracked file
    await fs.writeFile(path.join(wt.beta, 'skills/beta/notes.md'), 'notes\n');
    await repo.commitAll('beta notes', wt.beta);
    await fs.writeFile(path.join(wt.beta, 'scratch.txt'), 'untracked\n');
    wt.gamma = await repo.addWorktree('gamma'); // never pushed, a tracked file changed
    await fs.writeFile(path.join(wt.gamma, 'README.md'), 'changed\n');
  });
  after(() => repo.remove());

  it('paints skills and worktrees first, state unknown, then fills in dirty and ahead/behind for the same items', async () => {
    const painted: SkillsModel[] = [];
    const model = await buildSkillsModel(repo.dir, { onFirstPaint: (m) => painted.push(m) });

    assert.equal(painted.length, 1);
    const first = painted[0];
    assert.equal(first.complete, false);
    assert.deepEqual(first.skills.map((s) => [s.skill.name, s.worktree?.path]), [
      ['alpha', wt.alpha], ['beta', wt.beta], ['gamma', wt.gamma],
    ]);
    for (const w of first.worktrees) {
      assert.equal(w.pending, true, `${w.path} is pending in the first paint`);
      assert.deepEqual([w.dirty, w.ahead, w.behind, w.upstream], [undefined, undefined, undefined, undefined]);
    }

    assert.equal(model.complete, true);
    assert.deepEqual(model.skills.map((s) => s.worktree?.path), first.skills.map((s) => s.worktree?.path));
    const by = (name: string) => model.skills.find((s) => s.skill.name === name)!.worktree!;
    assert.deepEqual([by('alpha').dirty, by('alpha').ahead, by('alpha').behind, by('alpha').upstream], [false, 0, 0, 'origin/skill/alpha']);
    assert.deepEqual([by('beta').dirty, by('beta').changedFiles, by('beta').ahead], [true, 1, 1]);
    assert.deepEqual([by('gamma').dirty, by('gamma').changedFiles, by('gamma').upstream], [true, 1, undefined]);
    assert.ok(model.worktrees.every((w) => w.pending === undefined), 'no worktree stays pending');
  });

  it('gives the same complete model with or without a first paint', async () => {
    const strip = (m: SkillsModel) => m.worktrees.map((w) => [w.path, w.dirty, w.changedFiles, w.ahead, w.behind, w.upstream]);
    assert.deepEqual(strip(await buildSkillsModel(repo.dir)), strip(await buildSkillsModel(repo.dir, { onFirstPaint: () => undefined })));
  });

  it('reads the state of a worktree git lists but whose folder is gone as missing, not pending', async () => {
    const gone = await repo.addWorktree('delta');
    try {
      await fs.rm(gone, { recursive: true, force: true });
      const model = await buildSkillsModel(repo.dir, { onFirstPaint: () => undefined });
      const w = model.worktrees.find((x) => x.path === gone)!;
      assert.deepEqual([w.exists, w.prunable, w.dirty, w.pending], [false, true, undefined, undefined]);
    } finally {
      await git(repo.dir, 'worktree', 'prune');
    }
  });
});

describe('buildSkillsModel: a worktree git cannot read', () => {
  it('leaves its state unknown and still reads the worktrees after it (one for-each-repo batch)', async () => {
    const repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'skills-model-broken-', skills: ['a', 'b', 'c'].map((name) => ({ name })) });
    try {
      const paths = { a: await repo.addWorktree('a'), b: await repo.addWorktree('b'), c: await repo.addWorktree('c') };
      await fs.writeFile(path.join(paths.c, 'wip.txt'), 'untracked\n');
      // b's link to the repository points nowhere: `git status` fails there.
      await fs.writeFile(path.join(paths.b, '.git'), `gitdir: ${path.join(repo.base, 'nowhere')}\n`);
      const model = await buildSkillsModel(repo.dir, { statusConcurrency: 1 });
      const by = (p: string) => model.worktrees.find((w) => w.path === p)!;
      assert.deepEqual([by(paths.a).dirty, by(paths.b).dirty, by(paths.c).dirty, by(paths.c).changedFiles], [false, undefined, true, 1]);
      assert.equal(model.complete, true);
    } finally {
      await repo.remove();
    }
  });
});

describe('buildSkillsModel outside a repository', () => {
  it('has nothing to fill in later: no first paint, complete at once', async () => {
    const repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'skills-model-nogit-', skills: [{ name: 'solo' }] });
    try {
      await fs.rm(path.join(repo.dir, '.git'), { recursive: true, force: true });
      let painted = 0;
      const model = await buildSkillsModel(repo.dir, { onFirstPaint: () => painted++ });
      assert.equal(painted, 0);
      assert.deepEqual([model.complete, model.isGitRepository, model.gitError], [true, false, undefined]);
      assert.deepEqual(model.skills.map((s) => s.skill.name), ['solo']);
    } finally {
      await repo.remove();
    }
  });
});

describe('buildSkillsModel: "is this a repository" from the worktree listing, as git answers it', () => {
  it('agrees with `git rev-parse --is-inside-work-tree` for a sub-folder, a symlinked path, a .git folder and a bare repository', async () => {
    const repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'skills-model-inside-', skills: [{ name: 'solo' }] });
    const link = path.join(OUTSIDE_TEMP, `link-${path.basename(repo.dir)}`);
    const bare = `${repo.dir}-bare.git`;
    try {
      await fs.symlink(repo.dir, link);
      await git(OUTSIDE_TEMP, 'clone', '--quiet', '--bare', repo.dir, bare);
      const cases = [repo.dir, path.join(repo.dir, 'skills'), link, path.join(link, 'skills', 'solo'), path.join(repo.dir, '.git'), bare];
      for (const dir of cases) {
        const gitSays = (await git(dir, 'rev-parse', '--is-inside-work-tree').catch(() => 'false')).trim() === 'true';
        for (const firstPaint of [true, false]) {
          const model = await buildSkillsModel(dir, firstPaint ? { onFirstPaint: () => undefined } : {});
          assert.equal(model.isGitRepository, gitSays, `${dir} (first paint: ${firstPaint})`);
        }
      }
      // The answer is not always the same: the case list covers both.
      assert.equal((await buildSkillsModel(link)).isGitRepository, true);
      assert.equal((await buildSkillsModel(bare)).isGitRepository, false);
    } finally {
      await fs.rm(link, { force: true });
      await fs.rm(bare, { recursive: true, force: true });
      await repo.remove();
    }
  });
});
