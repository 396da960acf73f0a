import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { GitFlowError, setupWorktrees, syncSkill } from '../../../../../src/core/git/flows';
import { git, RepoFixture } from '../../../../builders/repo';
import { commitFile, fsck, refExists, repoWithSkills, revParse, snapshot, TEMP_OK, writeFile } from '../../../../builders/gitFlows';

const fixtures: RepoFixture[] = [];
after(async () => {
  for (const r of fixtures) await r.remove();
});

/** alpha's worktree with one pushed commit; main moved on (pushed) with `mainFile` changed. */
async function diverged(mainFile = 'infra/shared.yaml', mainContent = 'shared: 2\n'): Promise<{ repo: RepoFixture; wt: string }> {
  const repo = await repoWithSkills(['alpha']);
  fixtures.push(repo);
  await setupWorktrees(repo.dir, TEMP_OK);
  const wt = repo.worktreePath('alpha');
  await commitFile(wt, 'skills/alpha/feature.py', 'x = 1\n');
  await git(wt, 'push', '-q');
  await commitFile(repo.dir, mainFile, mainContent);
  await git(repo.dir, 'push', '-q', 'origin', 'main');
  return { repo, wt };
}

const codeOf = (code: string) => (e: unknown) => {
  assert.ok(e instanceof GitFlowError, String(e));
  assert.equal(e.code, code, e.message);
  return true;
};

describe('syncSkill', () => {
  it('merges origin/main into the skill branch, then is up to date', async () => {
    const { repo, wt } = await diverged();
    const r = await syncSkill(repo.dir, 'alpha', { push: true });
    assert.deepEqual([r.status, r.mode, r.onto, r.fetched, r.needsForcePush, r.push], ['merged', 'merge', 'origin/main', true, false, 'pushed']);
    assert.equal(await git(wt, 'merge-base', '--is-ancestor', 'origin/main', 'HEAD').then(() => true), true);
    assert.equal(await revParse(repo.originDir, 'refs/heads/skill/alpha'), r.after);
    const again = await syncSkill(repo.dir, 'alpha');
    assert.equal(again.status, 'up-to-date');
  });

  it('rebases onto main and says a force push is needed (never does it)', async () => {
    const { repo, wt } = await diverged();
    const pushed = await revParse(repo.originDir, 'refs/heads/skill/alpha');
    const r = await syncSkill(repo.dir, 'alpha', { mode: 'rebase', push: true });
    assert.deepEqual([r.status, r.needsForcePush, r.push], ['rebased', true, undefined]);
    assert.equal((await git(wt, 'rev-list', '--count', 'origin/main..HEAD')).trim(), '1');
    assert.equal(await revParse(repo.originDir, 'refs/heads/skill/alpha'), pushed);
  });

  it('fast-forwards a branch without commits of its own', async () => {
    const repo = await repoWithSkills(['alpha']);
    fixtures.push(repo);
    await setupWorktrees(repo.dir, TEMP_OK);
    await commitFile(repo.dir, 'README.md', 'newer\n');
    const r = await syncSkill(repo.dir, 'alpha', { fetch: false, onto: 'main' });
    assert.deepEqual([r.status, r.onto, r.fetched], ['fast-forwarded', 'main', false]);
  });

  it('refuses a dirty worktree up front and never stashes', async () => {
    const { repo, wt } = await diverged();
    await writeFile(wt, 'skills/alpha/feature.py', 'x = 2  # not committed\n');
    const before = await snapshot(wt);
    await assert.rejects(syncSkill(repo.dir, 'alpha'), codeOf('DIRTY_WORKTREE'));
    assert.deepEqual(await snapshot(wt), before);
    assert.equal(await refExists(repo.dir, 'refs/stash'), false);
  });

  for (const [mode, preflight] of [['merge', true], ['merge', false], ['rebase', true]] as const) {
    it(`on a ${mode} conflict${mode === 'merge' ? (preflight ? ' (found in memory)' : ' (tried, then aborted)') : ''} leaves the worktree exactly as before and names the files`, async () => {
      const { repo, wt } = await diverged('skills/alpha/feature.py', 'x = "main"\n');
      await git(wt, 'fetch', '-q', 'origin');
      await git(wt, 'update-ref', 'ORIG_HEAD', 'HEAD~1');
      const before = await snapshot(wt);
      const mainBefore = await snapshot(repo.dir);
      const origHead = await revParse(wt, 'ORIG_HEAD');
      await assert.rejects(syncSkill(repo.dir, 'alpha', { mode, preflight }), (e: unknown) => {
        codeOf(mode === 'merge' ? 'MERGE_CONFLICT' : 'REBASE_CONFLICT')(e);
        assert.deepEqual((e as GitFlowError).files, ['skills/alpha/feature.py']);
        assert.match((e as GitFlowError).message, /^alpha: .*skills\/alpha\/feature\.py/s);
        return true;
      });
      assert.deepEqual(await snapshot(wt), before);
      assert.deepEqual(await snapshot(repo.dir), mainBefore);
      assert.equal(await revParse(wt, 'ORIG_HEAD'), origHead);
      assert.equal(await refExists(wt, 'MERGE_HEAD'), false);
      assert.equal(await refExists(wt, 'AUTO_MERGE'), false);
      assert.equal(await fsck(repo.dir), '');
    });
  }

  it('reports a missing worktree', async () => {
    const repo = await repoWithSkills(['alpha']);
    fixtures.push(repo);
    await assert.rejects(syncSkill(repo.dir, 'alpha'), codeOf('NO_WORKTREE'));
  });
});
