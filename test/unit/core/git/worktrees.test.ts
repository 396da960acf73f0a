import assert from 'node:assert/strict';
import { describe, it, before, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitCommandError, runGitSync } from '../../../../src/core/git/runner';
import { listWorktreeEntries, listWorktreeEntriesSync, listWorktrees, parseWorktreePorcelain } from '../../../../src/core/git/worktrees';
import { buildSkillsModel } from '../../../../src/core/skillsModel';
import { git, RepoFixture } from '../../../builders/repo';

describe('parseWorktreePorcelain', () => {
  it('parses every attribute git prints', () => {
    const out = [
      'worktree /r', 'HEAD aaa', 'branch refs/heads/main', '',
      'worktree /r-worktrees/a', 'HEAD bbb', 'branch refs/heads/skill/a', 'locked', '',
      'worktree /r-worktrees/b', 'HEAD ccc', 'detached', 'locked moving disks', 'prunable gitdir file points to non-existent location', '',
      'worktree /bare.git', 'bare', '',
    ].join('\0');
    const e = parseWorktreePorcelain(out);
    assert.equal(e.length, 4);
    assert.deepEqual(e[0], { path: '/r', head: 'aaa', branchRef: 'refs/heads/main', bare: false, detached: false, locked: false, prunable: false });
    assert.equal(e[1].locked, true);
    assert.equal(e[1].lockedReason, undefined);
    assert.equal(e[2].detached, true);
    assert.equal(e[2].lockedReason, 'moving disks');
    assert.equal(e[2].prunable, true);
    assert.equal(e[3].bare, true);
  });
  it('keeps paths with spaces and newlines intact', () => {
    const e = parseWorktreePorcelain(['worktree /a b/c\nd', 'HEAD x', 'detached', ''].join('\0'));
    assert.equal(e[0].path, '/a b/c\nd');
  });
});

describe('listWorktrees against a real repository', () => {
  let repo: RepoFixture;
  const wt: Record<string, string> = {};

  before(async () => {
    repo = await RepoFixture.create({ origin: true, skills: ['alpha', 'beta', 'gamma', 'delta', 'eps'].map((name) => ({ name })) });
    wt.alpha = await repo.addWorktree('alpha', { push: true }); // clean, tracking
    wt.beta = await repo.addWorktree('beta', { push: true }); // dirty + ahead
    await fs.writeFile(path.join(wt.beta, 'skills/beta/new.py'), 'x = 1\n');
    await fs.writeFile(path.join(wt.beta, 'README.md'), 'changed\n');
    await repo.commitAll('beta work', wt.beta);
    await fs.writeFile(path.join(wt.beta, 'untracked.txt'), 'u');
    wt.gamma = await repo.addWorktree('gamma'); // no upstream, locked
    await git(repo.dir, 'worktree', 'lock', '--reason', 'on a USB disk', wt.gamma);
    wt.delta = await repo.addWorktree('delta', { push: true }); // behind
    await git(wt.delta, 'commit', '-q', '--allow-empty', '-m', 'pushed');
    await git(wt.delta, 'push', '-q');
    await git(wt.delta, 'reset', '-q', '--hard', 'HEAD~1');
    // detached worktree
    wt.detached = path.join(repo.base, 'repo-worktrees', 'detached');
    await git(repo.dir, 'worktree', 'add', '-q', '--detach', wt.detached, 'main');
    wt.eps = await repo.addWorktree('eps'); // folder deleted by hand
    await fs.rm(wt.eps, { recursive: true, force: true });
  });
  after(() => repo.remove());

  it('reports path, branch, HEAD, dirty, ahead/behind, upstream, locked, detached and prunable', async () => {
    const list = await listWorktrees(repo.dir);
    const by = (p: string) => list.find((w) => w.path === p)!;
    const mainHead = (await git(repo.dir, 'rev-parse', 'HEAD')).trim();

    assert.equal(list[0].isMain, true);
    assert.equal(list[0].path, repo.dir);
    assert.equal(list[0].branch, 'main');
    assert.equal(list[0].head, mainHead);
    assert.equal(list[0].dirty, false);

    const a = by(wt.alpha);
    assert.equal(a.skill, 'alpha');
    assert.equal(a.branch, 'skill/alpha');
    assert.equal(a.upstream, 'origin/skill/alpha');
    assert.deepEqual([a.dirty, a.ahead, a.behind, a.locked, a.prunable], [false, 0, 0, false, false]);

    const b = by(wt.beta);
    assert.equal(b.dirty, true);
    assert.equal(b.changedFiles, 1);
    assert.equal(b.ahead, 1);
    assert.equal(b.behind, 0);
    assert.equal(b.head, (await git(wt.beta, 'rev-parse', 'HEAD')).trim());

    const g = by(wt.gamma);
    assert.equal(g.upstream, undefined);
    assert.equal(g.ahead, undefined);
    assert.equal(g.locked, true);
    assert.equal(g.lockedReason, 'on a USB disk');

    const d = by(wt.delta);
    assert.deepEqual([d.ahead, d.behind], [0, 1]);

    const det = by(wt.detached);
    assert.equal(det.detached, true);
    assert.equal(det.branch, undefined);
    assert.equal(det.skill, undefined);

    const e = by(wt.eps);
    assert.equal(e.exists, false);
    assert.equal(e.prunable, true);
    assert.equal(e.dirty, undefined);
  });

  it('matches worktrees to skills in the model with one worktree list', async () => {
    const model = await buildSkillsModel(repo.dir);
    assert.equal(model.isGitRepository, true);
    assert.deepEqual(model.skills.map((s) => [s.skill.name, s.worktree?.branch]), [
      ['alpha', 'skill/alpha'], ['beta', 'skill/beta'], ['delta', 'skill/delta'], ['eps', 'skill/eps'], ['gamma', 'skill/gamma'],
    ]);
    assert.deepEqual(model.orphanWorktrees, []);
  });

  it('reports the upstream as gone when the remote branch was deleted', async () => {
    await git(repo.dir, 'push', '-q', 'origin', '--delete', 'skill/alpha');
    await git(repo.dir, 'fetch', '-q', '--prune', 'origin');
    const a = (await listWorktrees(repo.dir)).find((w) => w.path === wt.alpha)!;
    assert.equal(a.upstreamGone, true);
    assert.equal(a.ahead, undefined);
  });

  it('the synchronous listing (first paint) gives what the asynchronous one gives, locked and missing folders included', async () => {
    assert.deepEqual(listWorktreeEntriesSync(repo.dir, 5_000), await listWorktreeEntries(repo.dir));
    assert.ok(listWorktreeEntriesSync(repo.dir, 5_000).some((w) => w.path === wt.gamma && w.locked));
  });
});

describe('runGitSync', () => {
  it("fails as the asynchronous runner does, with git's message; a time limit stops a git that takes too long", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-nogit-'));
    try {
      assert.throws(() => runGitSync(dir, ['worktree', 'list'], 5_000), (e: unknown) => {
        assert.ok(e instanceof GitCommandError);
        assert.equal(e.exitCode, 128);
        assert.match(e.gitMessage, /not a git repository/);
        return true;
      });
      const started = Date.now();
      assert.throws(() => runGitSync(dir, ['-c', 'alias.slow=!sleep 1', 'slow'], 150), (e: unknown) => {
        assert.ok(e instanceof GitCommandError);
        assert.equal((e as GitCommandError & { timedOut?: boolean }).timedOut, true);
        return true;
      });
      assert.ok(Date.now() - started < 1_000, `stopped after ${Date.now() - started} ms`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('buildSkillsModel outside git', () => {
  it('still lists skills when the folder is not a repository', async () => {
    const repo = await RepoFixture.create({ skills: [{ name: 'solo' }] });
    try {
      await fs.rm(path.join(repo.dir, '.git'), { recursive: true, force: true });
      const model = await buildSkillsModel(repo.dir);
      assert.equal(model.isGitRepository, false);
      assert.deepEqual(model.skills.map((s) => s.skill.name), ['solo']);
      assert.deepEqual(model.worktrees, []);
    } finally {
      await repo.remove();
    }
  });
});
