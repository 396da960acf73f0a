import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitFlowError, removeWorktree, setupWorktrees } from '../../../../../src/core/git/flows';
import { StatusStore } from '../../../../../src/core/status';
import { git, RepoFixture } from '../../../../builders/repo';
import { commitFile, fsck, refExists, repoWithSkills, revParse, snapshot, TEMP_OK, writeFile } from '../../../../builders/gitFlows';

const fixtures: RepoFixture[] = [];
async function setUp(names: string[]): Promise<RepoFixture> {
  const r = await repoWithSkills(names);
  fixtures.push(r);
  const report = await setupWorktrees(r.dir, TEMP_OK);
  assert.ok(report.outcomes.every((o) => o.status === 'created'));
  return r;
}
after(async () => {
  for (const r of fixtures) await r.remove();
});

const codeOf = (code: string) => (e: unknown) => {
  assert.ok(e instanceof GitFlowError, String(e));
  assert.equal(e.code, code, e.message);
  return true;
};

describe('removeWorktree', () => {
  it('removes a clean, pushed worktree and records it in the status file', async () => {
    const repo = await setUp(['alpha']);
    const r = await removeWorktree(repo.dir, 'alpha');
    assert.deepEqual([r.removed, r.forced, r.path, r.branchDeleted], [true, false, repo.worktreePath('alpha'), false]);
    await assert.rejects(fs.stat(repo.worktreePath('alpha')));
    assert.equal(await refExists(repo.dir, 'refs/heads/skill/alpha'), true, 'the branch stays unless asked');
    assert.equal((await new StatusStore(path.join(repo.dir, '.git')).read()).skills.alpha.worktree, null);
    // Twice: nothing left to remove, no error.
    const again = await removeWorktree(repo.dir, 'alpha');
    assert.equal(again.removed, false);
  });

  it('refuses uncommitted work (tracked and untracked) and loses nothing', async () => {
    const repo = await setUp(['alpha']);
    const wt = repo.worktreePath('alpha');
    await writeFile(wt, 'README.md', 'edited\n');
    await writeFile(wt, 'skills/alpha/new_module.py', 'x = 1\n');
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), (e: unknown) => {
      codeOf('DIRTY_WORKTREE')(e);
      const err = e as GitFlowError;
      assert.equal(err.skill, 'alpha');
      assert.equal(err.path, wt);
      assert.deepEqual([...err.files].sort(), ['README.md', 'skills/alpha/new_module.py']);
      assert.match(err.message, /^alpha: .*uncommitted.*README\.md.*Commit or stash/s);
      return true;
    });
    assert.equal(await fs.readFile(path.join(wt, 'README.md'), 'utf8'), 'edited\n');
    assert.equal(await fs.readFile(path.join(wt, 'skills/alpha/new_module.py'), 'utf8'), 'x = 1\n');
    // Only untracked: refused too.
    await git(wt, 'checkout', '--', 'README.md');
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), codeOf('DIRTY_WORKTREE'));
  });

  it('refuses unpushed commits and loses nothing; a push makes it removable', async () => {
    const repo = await setUp(['alpha']);
    const wt = repo.worktreePath('alpha');
    const head = await commitFile(wt, 'skills/alpha/feature.py', 'def f(): ...\n');
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), (e: unknown) => {
      codeOf('UNPUSHED_WORK')(e);
      assert.match((e as GitFlowError).message, /1 commit that is on no remote and not on main/);
      return true;
    });
    assert.equal(await revParse(wt, 'HEAD'), head);
    await git(wt, 'push', '-q');
    assert.equal((await removeWorktree(repo.dir, 'alpha')).removed, true);
    assert.equal(await revParse(repo.dir, 'skill/alpha'), head);
  });

  it('refuses commits on a branch with no upstream that are neither on main nor on origin; lists every problem', async () => {
    const repo = await setUp(['alpha']);
    const wt = repo.worktreePath('alpha');
    await git(wt, 'branch', '--unset-upstream');
    await commitFile(wt, 'skills/alpha/feature.py', 'def f(): ...\n');
    await writeFile(wt, 'scratch.txt', 'wip\n');
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), (e: unknown) => {
      const err = e as GitFlowError;
      assert.equal(err.code, 'DIRTY_WORKTREE');
      assert.deepEqual(err.problems.map((p) => p.code), ['DIRTY_WORKTREE', 'UNPUSHED_WORK']);
      return true;
    });
  });

  it('removes with force when the user confirms (uncommitted work is discarded, commits stay on the branch)', async () => {
    const repo = await setUp(['alpha']);
    const wt = repo.worktreePath('alpha');
    const head = await commitFile(wt, 'skills/alpha/feature.py', 'def f(): ...\n');
    await writeFile(wt, 'scratch.txt', 'wip\n');
    const r = await removeWorktree(repo.dir, 'alpha', { force: true });
    assert.deepEqual([r.removed, r.forced], [true, true]);
    await assert.rejects(fs.stat(wt));
    assert.equal(await revParse(repo.dir, 'skill/alpha'), head);
  });

  it('refuses a locked worktree unless forced', async () => {
    const repo = await setUp(['alpha']);
    await git(repo.dir, 'worktree', 'lock', '--reason', 'on a USB disk', repo.worktreePath('alpha'));
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), codeOf('WORKTREE_LOCKED'));
    assert.equal((await removeWorktree(repo.dir, 'alpha', { force: true })).removed, true);
  });

  it('deletes the branch only when it is merged into main (git branch -d)', async () => {
    const repo = await setUp(['alpha', 'beta']);
    // alpha: a pushed commit not merged into main.
    await commitFile(repo.worktreePath('alpha'), 'skills/alpha/f.py', '1\n');
    await git(repo.worktreePath('alpha'), 'push', '-q');
    const kept = await removeWorktree(repo.dir, 'alpha', { deleteBranch: true });
    assert.deepEqual([kept.removed, kept.branchDeleted], [true, false]);
    assert.match(kept.branchKept ?? '', /not merged into main/);
    assert.equal(await refExists(repo.dir, 'refs/heads/skill/alpha'), true);
    // beta: merged into main.
    await commitFile(repo.worktreePath('beta'), 'skills/beta/f.py', '1\n');
    await git(repo.worktreePath('beta'), 'push', '-q');
    await git(repo.dir, 'merge', '-q', '--no-ff', '--no-edit', 'skill/beta');
    const deleted = await removeWorktree(repo.dir, 'beta', { deleteBranch: true });
    assert.deepEqual([deleted.removed, deleted.branchDeleted], [true, true]);
    assert.equal(await refExists(repo.dir, 'refs/heads/skill/beta'), false);
    assert.equal(await fsck(repo.dir), '');
  });

  it('prunes a worktree whose folder was deleted by hand', async () => {
    const repo = await setUp(['alpha', 'beta']);
    await fs.rm(repo.worktreePath('alpha'), { recursive: true, force: true });
    await fs.rm(repo.worktreePath('beta'), { recursive: true, force: true });
    const r = await removeWorktree(repo.dir, 'alpha');
    assert.equal(r.removed, true);
    assert.deepEqual(r.pruned.sort(), [repo.worktreePath('alpha'), repo.worktreePath('beta')].sort());
    assert.doesNotMatch(await git(repo.dir, 'worktree', 'list'), /repo-worktrees/);
  });

  it('refuses to remove the main worktree and rejects hostile names', async () => {
    const repo = await setUp(['alpha']);
    await removeWorktree(repo.dir, 'alpha');
    await git(repo.dir, 'switch', '-q', 'skill/alpha');
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), codeOf('CANNOT_REMOVE_MAIN_WORKTREE'));
    await assert.rejects(removeWorktree(repo.dir, '../repo'), codeOf('INVALID_SKILL_NAME'));
    assert.equal((await fs.stat(repo.dir)).isDirectory(), true);
  });
});

// Worktrees where a developer keeps them: outside the system temporary folder (no allowTempRoot).
const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

describe('removeWorktree and git-ignored files', () => {
  /** A pushed skill worktree holding `.env` (ignored by info/exclude), `.venv/` and `data/cache/` (nested .gitignore). */
  async function withIgnored(): Promise<{ repo: RepoFixture; wt: string }> {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    const repo = await RepoFixture.create({ origin: true, parent: OUTSIDE_TEMP, prefix: 'remove-ignored-', skills: [{ name: 'alpha' }] });
    fixtures.push(repo);
    assert.ok(!repo.dir.startsWith(os.tmpdir() + path.sep));
    await fs.appendFile(path.join(repo.dir, '.git', 'info', 'exclude'), '.env\n');
    await commitFile(repo.dir, '.gitignore', '.venv/\n');
    await commitFile(repo.dir, 'data/.gitignore', 'cache/\n');
    await git(repo.dir, 'push', '-q');
    const report = await setupWorktrees(repo.dir);
    assert.deepEqual(report.outcomes.map((o) => o.status), ['created']);
    const wt = repo.worktreePath('alpha');
    await writeFile(wt, '.env', 'API_KEY=precious\n');
    await writeFile(wt, '.venv/bin/python', '#!/bin/sh\n');
    await writeFile(wt, 'data/cache/answers/1.json', '{}\n');
    return { repo, wt };
  }

  it('refuses while the worktree holds ignored files, names each of them (not their content) and loses nothing', async () => {
    const { repo, wt } = await withIgnored();
    const before = await snapshot(wt);
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), (e: unknown) => {
      codeOf('IGNORED_FILES')(e);
      const err = e as GitFlowError;
      assert.deepEqual(err.problems.map((p) => p.code), ['IGNORED_FILES']);
      assert.deepEqual([...err.files].sort(), ['.env', '.venv/', 'data/cache/']);
      assert.match(err.message, /^alpha: .* has 3 git-ignored files that removing it would delete: .*\.env.*\.venv\/.*data\/cache\//);
      assert.match(err.message, /Move the git-ignored files you want to keep .* or confirm force/);
      assert.doesNotMatch(err.message, /precious/);
      return true;
    });
    assert.deepEqual(await snapshot(wt), before);
    assert.equal(await fs.readFile(path.join(wt, '.env'), 'utf8'), 'API_KEY=precious\n');
    assert.match(await git(repo.dir, 'worktree', 'list'), /repo-worktrees\/alpha/);
  });

  it('lists ignored files with the other problems (uncommitted, unpushed)', async () => {
    const { repo, wt } = await withIgnored();
    await commitFile(wt, 'skills/alpha/feature.py', 'def f(): ...\n');
    await writeFile(wt, 'scratch.txt', 'wip\n');
    await assert.rejects(removeWorktree(repo.dir, 'alpha'), (e: unknown) => {
      assert.deepEqual((e as GitFlowError).problems.map((p) => p.code), ['DIRTY_WORKTREE', 'IGNORED_FILES', 'UNPUSHED_WORK']);
      return true;
    });
  });

  it('with force removes the ignored files and the worktree, and keeps the branch and its commits', async () => {
    const { repo, wt } = await withIgnored();
    const head = await commitFile(wt, 'skills/alpha/feature.py', 'def f(): ...\n');
    await git(wt, 'push', '-q');
    const r = await removeWorktree(repo.dir, 'alpha', { force: true });
    assert.deepEqual([r.removed, r.forced, r.branchDeleted], [true, true, false]);
    await assert.rejects(fs.stat(wt));
    assert.equal(await revParse(repo.dir, 'skill/alpha'), head);
    assert.equal(await revParse(repo.originDir, 'skill/alpha'), head);
    assert.equal(await fsck(repo.dir), '');
    // Set up again: the branch comes back with its commit, without the deleted ignored files.
    await setupWorktrees(repo.dir);
    assert.equal(await revParse(wt, 'HEAD'), head);
    await assert.rejects(fs.stat(path.join(wt, '.env')));
  });

  it('an ignored folder that is empty holds nothing to lose: removal goes ahead', async () => {
    const { repo, wt } = await withIgnored();
    for (const p of ['.env', '.venv', 'data/cache']) await fs.rm(path.join(wt, p), { recursive: true });
    await fs.mkdir(path.join(wt, '.venv', 'lib'), { recursive: true });
    assert.equal((await removeWorktree(repo.dir, 'alpha')).removed, true);
  });
});
