import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GitFlowError, listSkillWorktrees, pruneWorktrees, setupWorktrees } from '../../../../../src/core/git/flows';
import { StatusStore } from '../../../../../src/core/status';
import { git, RepoFixture } from '../../../../builders/repo';
import { fsck, refExists, repoWithSkills, revParse, snapshot, spyRunner, TEMP_OK, writeFile } from '../../../../builders/gitFlows';

const fixtures: RepoFixture[] = [];
async function fixture(names: string[], options?: { origin?: boolean }): Promise<RepoFixture> {
  const r = await repoWithSkills(names, options);
  fixtures.push(r);
  return r;
}
after(async () => {
  for (const r of fixtures) await r.remove();
});

describe('setupWorktrees', () => {
  it('creates branch, worktree and upstream, and a second run changes nothing', async () => {
    const repo = await fixture(['alpha', 'beta']);
    const first = await setupWorktrees(repo.dir, TEMP_OK);
    assert.equal(first.root, path.join(repo.base, 'repo-worktrees'));
    assert.equal(first.mainBranch.name, 'main');
    assert.deepEqual(first.outcomes.map((o) => [o.skill, o.status, o.branchAction, o.worktreeAction, o.push, o.upstream, o.upstreamAction]), [
      ['alpha', 'created', 'created', 'created', 'pushed', 'origin/skill/alpha', 'set'],
      ['beta', 'created', 'created', 'created', 'pushed', 'origin/skill/beta', 'set'],
    ]);
    for (const s of ['alpha', 'beta']) {
      assert.equal((await git(repo.worktreePath(s), 'rev-parse', '--abbrev-ref', 'HEAD')).trim(), `skill/${s}`);
      assert.equal((await git(repo.dir, 'rev-parse', '--abbrev-ref', `skill/${s}@{upstream}`)).trim(), `origin/skill/${s}`);
      assert.equal(await revParse(repo.originDir, `refs/heads/skill/${s}`), await revParse(repo.dir, 'main'));
    }
    const before = await snapshot(repo.dir);
    const configBefore = await fs.readFile(path.join(repo.dir, '.git', 'config'), 'utf8');
    const second = await setupWorktrees(repo.dir, TEMP_OK);
    assert.deepEqual(second.outcomes.map((o) => [o.skill, o.status, o.branchAction, o.worktreeAction, o.push, o.upstreamAction]), [
      ['alpha', 'reused', 'reused', 'reused', 'up-to-date', 'reused'],
      ['beta', 'reused', 'reused', 'reused', 'up-to-date', 'reused'],
    ]);
    assert.deepEqual(await snapshot(repo.dir), before);
    assert.equal(await fs.readFile(path.join(repo.dir, '.git', 'config'), 'utf8'), configBefore);
    const status = await new StatusStore(path.join(repo.dir, '.git')).read();
    assert.equal(status.skills.alpha.worktree?.path, repo.worktreePath('alpha'));
    assert.equal(status.skills.alpha.worktree?.branch, 'skill/alpha');
  });

  it('works with a dirty main worktree and leaves its files untouched', async () => {
    const repo = await fixture(['alpha']);
    await writeFile(repo.dir, 'README.md', 'edited, not committed\n');
    await writeFile(repo.dir, 'notes.txt', 'untracked\n');
    await git(repo.dir, 'add', 'README.md');
    await writeFile(repo.dir, 'README.md', 'edited again after staging\n');
    const before = await snapshot(repo.dir);
    const report = await setupWorktrees(repo.dir, { ...TEMP_OK, skills: ['alpha'] });
    assert.equal(report.outcomes[0].status, 'created');
    const afterSnap = await snapshot(repo.dir);
    assert.equal(afterSnap.status, before.status);
    assert.equal(afterSnap.index, before.index);
    assert.deepEqual(afterSnap.files, before.files);
    assert.equal(afterSnap.head, before.head);
    // The new worktree starts from the committed main, not from main's uncommitted changes.
    assert.equal(await fs.readFile(path.join(repo.worktreePath('alpha'), 'README.md'), 'utf8'), '# skills\n');
  });

  it('sets up 5 skills in parallel: all created, pushed, with upstream; fsck clean', async () => {
    const names = ['s-one', 's-two', 's-three', 's-four', 's-five'];
    const repo = await fixture(names);
    const report = await setupWorktrees(repo.dir, { ...TEMP_OK, concurrency: 5 });
    assert.deepEqual(report.outcomes.map((o) => o.status), names.map(() => 'created'));
    assert.deepEqual(report.outcomes.map((o) => o.push), names.map(() => 'pushed'));
    const list = await listSkillWorktrees(repo.dir);
    for (const n of names) {
      const w = list.find((x) => x.skill === n)!;
      assert.equal(w.path, repo.worktreePath(n));
      assert.equal(w.upstream, `origin/skill/${n}`);
      assert.deepEqual([w.ahead, w.behind, w.dirty], [0, 0, false]);
      assert.equal(await refExists(repo.originDir, `refs/heads/skill/${n}`), true);
    }
    assert.equal(await fsck(repo.dir), '');
  });

  it('reuses an existing branch and an existing worktree wherever it is', async () => {
    const repo = await fixture(['alpha', 'beta']);
    const elsewhere = path.join(repo.base, 'my-own-place');
    await repo.addWorktree('alpha', { path: elsewhere });
    await git(repo.dir, 'branch', 'skill/beta', 'main');
    const report = await setupWorktrees(repo.dir, TEMP_OK);
    const [a, b] = report.outcomes;
    assert.deepEqual([a.status, a.branchAction, a.worktreeAction, a.path, a.push], ['reused', 'reused', 'reused', elsewhere, 'pushed']);
    assert.deepEqual([b.status, b.branchAction, b.worktreeAction, b.path], ['created', 'reused', 'created', repo.worktreePath('beta')]);
  });

  it('creates the local branch from origin when only origin has it', async () => {
    const repo = await fixture(['alpha']);
    await git(repo.dir, 'branch', 'skill/alpha', 'main');
    await git(repo.dir, 'push', '-q', 'origin', 'skill/alpha');
    const pushedHead = await revParse(repo.dir, 'skill/alpha');
    await git(repo.dir, 'branch', '-D', 'skill/alpha');
    const [o] = (await setupWorktrees(repo.dir, TEMP_OK)).outcomes;
    assert.equal(o.branchAction, 'created-from-origin');
    assert.equal(o.head, pushedHead);
    assert.equal(o.push, 'up-to-date');
  });

  it('works without origin (push reported as no-origin)', async () => {
    const repo = await fixture(['alpha'], { origin: false });
    const [o] = (await setupWorktrees(repo.dir, TEMP_OK)).outcomes;
    assert.deepEqual([o.status, o.push, o.upstream], ['created', 'no-origin', undefined]);
  });

  it('two setups of the same skill racing are serialised: one creates, the other reuses', async () => {
    const repo = await fixture(['alpha']);
    const [r1, r2] = await Promise.all([
      setupWorktrees(repo.dir, { ...TEMP_OK, skills: ['alpha'] }),
      setupWorktrees(repo.dir, { ...TEMP_OK, skills: ['alpha'] }),
    ]);
    assert.deepEqual([r1.outcomes[0].status, r2.outcomes[0].status].sort(), ['created', 'reused']);
    assert.equal((await git(repo.dir, 'worktree', 'list', '--porcelain')).match(/^worktree /gm)?.length, 2);
    assert.equal(await fsck(repo.dir), '');
  });

  it('refuses hostile skill names before any git process starts', async () => {
    const repo = await fixture(['alpha']);
    const before = await snapshot(repo.dir);
    const hostile = ['../escape', '-rf', '--upload-pack=touch /tmp/pwned', 'a;rm -rf ~', 'has space', 'UPPER', 'x'.repeat(40), 'skill/../../x', '', 'a\nb'];
    for (const name of hostile) {
      const spy = spyRunner();
      await assert.rejects(setupWorktrees(repo.dir, { ...TEMP_OK, skills: ['alpha', name], runner: spy.runner }), (e: unknown) => {
        assert.ok(e instanceof GitFlowError);
        assert.equal(e.code, 'INVALID_SKILL_NAME');
        return true;
      });
      assert.deepEqual(spy.calls, [], `git ran for ${JSON.stringify(name)}`);
    }
    assert.deepEqual(await snapshot(repo.dir), before);
    await assert.rejects(fs.stat(path.join(repo.base, 'repo-worktrees')));
  });

  it('refuses a root inside the repository, and one in the temporary folder unless allowed', async () => {
    const repo = await fixture(['alpha']);
    const spy = spyRunner();
    await assert.rejects(setupWorktrees(repo.dir, { ...TEMP_OK, worktreeRoot: 'worktrees' }), (e: unknown) => (e as GitFlowError).code === 'WORKTREE_ROOT_INSIDE_REPO');
    await assert.rejects(setupWorktrees(repo.dir, { ...TEMP_OK, worktreeRoot: repo.dir }), (e: unknown) => (e as GitFlowError).code === 'WORKTREE_ROOT_INSIDE_REPO');
    await assert.rejects(setupWorktrees(repo.dir, { worktreeRoot: path.join(repo.base, 'wt'), runner: spy.runner }), (e: unknown) => (e as GitFlowError).code === 'WORKTREE_ROOT_IN_TEMP');
    await assert.rejects(setupWorktrees(repo.dir, {}), (e: unknown) => (e as GitFlowError).code === 'WORKTREE_ROOT_IN_TEMP');
    assert.equal(spy.calls.some((c) => c.args[0] === 'worktree' && c.args[1] === 'add'), false);
    assert.equal((await git(repo.dir, 'branch', '--list', 'skill/*')).trim(), '');
    const custom = path.join(repo.base, 'custom-root');
    const [o] = (await setupWorktrees(repo.dir, { ...TEMP_OK, worktreeRoot: custom })).outcomes;
    assert.equal(o.path, path.join(custom, 'alpha'));
  });

  it('refuses a target folder that holds someone else\'s files', async () => {
    const repo = await fixture(['alpha']);
    await writeFile(repo.worktreePath('alpha'), 'precious.txt', 'mine\n');
    const [o] = (await setupWorktrees(repo.dir, TEMP_OK)).outcomes;
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'WORKTREE_PATH_TAKEN');
    assert.match(o.error.message, /alpha: .*precious\.txt|alpha: .*not empty/);
    assert.equal(await fs.readFile(path.join(repo.worktreePath('alpha'), 'precious.txt'), 'utf8'), 'mine\n');
  });

  it('reports a worktree whose folder was deleted by hand as prunable, prunes it on request, and sets it up again', async () => {
    const repo = await fixture(['alpha', 'beta']);
    await setupWorktrees(repo.dir, TEMP_OK);
    await fs.rm(repo.worktreePath('alpha'), { recursive: true, force: true });
    const gone = (await listSkillWorktrees(repo.dir)).find((w) => w.skill === 'alpha')!;
    assert.deepEqual([gone.exists, gone.prunable], [false, true]);
    const { pruned } = await pruneWorktrees(repo.dir);
    assert.deepEqual(pruned.map((e) => e.path), [repo.worktreePath('alpha')]);
    assert.equal((await listSkillWorktrees(repo.dir)).some((w) => w.skill === 'alpha'), false);
    assert.equal(await refExists(repo.dir, 'refs/heads/skill/alpha'), true, 'pruning keeps the branch');
    // Deleted again, set up directly: the stale entry is pruned and the worktree recreated.
    await setupWorktrees(repo.dir, TEMP_OK);
    await fs.rm(repo.worktreePath('beta'), { recursive: true, force: true });
    const report = await setupWorktrees(repo.dir, { ...TEMP_OK, skills: ['beta'] });
    assert.deepEqual([report.outcomes[0].status, report.outcomes[0].worktreeAction], ['created', 'recreated']);
    assert.equal((await listSkillWorktrees(repo.dir)).find((w) => w.skill === 'beta')?.exists, true);
  });

  it('stops between steps when aborted, and a rerun completes the work', async () => {
    const repo = await fixture(['alpha', 'beta']);
    const before = await snapshot(repo.dir);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(setupWorktrees(repo.dir, { ...TEMP_OK, signal: ac.signal }), (e: unknown) => (e as GitFlowError).code === 'ABORTED');
    assert.deepEqual(await snapshot(repo.dir), before);
    // Abort while the first skill adds its worktree: every skill stops at its next checkpoint (none pushes).
    const ac2 = new AbortController();
    const report = await setupWorktrees(repo.dir, {
      ...TEMP_OK,
      signal: ac2.signal,
      onProgress: (p) => {
        if (p.step === 'worktree') ac2.abort();
      },
    });
    assert.ok(report.outcomes.every((o) => o.status === 'failed' && o.error?.code === 'ABORTED'));
    assert.equal(await refExists(repo.originDir, 'refs/heads/skill/alpha'), false);
    const rerun = await setupWorktrees(repo.dir, TEMP_OK);
    assert.ok(rerun.outcomes.every((o) => o.status !== 'failed' && o.push === 'pushed' && o.upstreamAction === 'set'), JSON.stringify(rerun.outcomes));
    for (const n of ['alpha', 'beta']) assert.equal((await fs.stat(repo.worktreePath(n))).isDirectory(), true);
    assert.equal(await fsck(repo.dir), '');
  });

  it('fails one skill cleanly when its branch is checked out in the main worktree', async () => {
    const repo = await fixture(['alpha', 'beta']);
    await git(repo.dir, 'switch', '-q', '-c', 'skill/alpha');
    const report = await setupWorktrees(repo.dir, TEMP_OK);
    const [a, b] = report.outcomes;
    assert.equal(a.error?.code, 'BRANCH_CHECKED_OUT_ELSEWHERE');
    assert.match(a.error.message, /^alpha: skill\/alpha is checked out in the main worktree/);
    assert.equal(b.status, 'created');
  });
});
