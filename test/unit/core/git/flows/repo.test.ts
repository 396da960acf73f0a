import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultWorktreeRoot, detectMainBranch, GitFlowError, resolveWorktreeRoot, setupWorktrees } from '../../../../../src/core/git/flows';
import { git, RepoFixture } from '../../../../builders/repo';
import { fsck, repoWithSkills, runChild } from '../../../../builders/gitFlows';

const fixtures: RepoFixture[] = [];
after(async () => {
  for (const r of fixtures) await r.remove();
});

describe('detectMainBranch', () => {
  it('prefers the override, then origin/HEAD, then init.defaultBranch (when it exists), then main', async () => {
    const repo = await repoWithSkills([]);
    fixtures.push(repo);
    assert.deepEqual(await detectMainBranch(repo.dir), { name: 'main', source: 'fallback' });
    await git(repo.dir, 'branch', 'trunk');
    await git(repo.dir, 'config', 'init.defaultBranch', 'trunk');
    assert.deepEqual(await detectMainBranch(repo.dir), { name: 'trunk', source: 'init.defaultBranch' });
    await git(repo.dir, 'config', 'init.defaultBranch', 'nonexistent');
    assert.deepEqual(await detectMainBranch(repo.dir), { name: 'main', source: 'fallback' });
    await git(repo.dir, 'push', '-q', 'origin', 'trunk');
    await git(repo.dir, 'remote', 'set-head', 'origin', 'trunk');
    assert.deepEqual(await detectMainBranch(repo.dir), { name: 'trunk', source: 'origin/HEAD' });
    assert.deepEqual(await detectMainBranch(repo.dir, { override: 'main' }), { name: 'main', source: 'override' });
    for (const bad of ['-x', '--upload-pack=x', 'a..b', 'a b', 'x.lock']) {
      await assert.rejects(detectMainBranch(repo.dir, { override: bad }), (e: unknown) => (e as GitFlowError).code === 'INVALID_BRANCH_NAME');
    }
  });

  it('is used by the flows: a skill branch starts from the detected main branch', async () => {
    const repo = await repoWithSkills(['alpha']);
    fixtures.push(repo);
    await git(repo.dir, 'switch', '-q', '-c', 'trunk');
    await git(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'trunk only');
    await git(repo.dir, 'push', '-q', 'origin', 'trunk');
    await git(repo.dir, 'remote', 'set-head', 'origin', 'trunk');
    const report = await setupWorktrees(repo.dir, { allowTempRoot: true });
    assert.equal(report.mainBranch.name, 'trunk');
    assert.equal((await git(repo.dir, 'rev-parse', 'skill/alpha')).trim(), (await git(repo.dir, 'rev-parse', 'trunk')).trim());
  });
});

describe('resolveWorktreeRoot', () => {
  it('defaults to the sibling <repo>-worktrees and refuses roots inside the repository or the temporary folder', async () => {
    const home = os.homedir();
    assert.equal(defaultWorktreeRoot('/src/skills'), '/src/skills-worktrees');
    assert.equal(await resolveWorktreeRoot('/src/skills', '/src/skills/.git'), '/src/skills-worktrees');
    assert.equal(await resolveWorktreeRoot('/src/skills', '/src/skills/.git', { worktreeRoot: '../wt' }), '/src/wt');
    assert.equal(await resolveWorktreeRoot('/src/skills', '/src/skills/.git', { worktreeRoot: '~/wt' }), path.join(home, 'wt'));
    const refused = async (root: string | undefined, code: string, main = '/src/skills', allowTempRoot = false) =>
      assert.rejects(resolveWorktreeRoot(main, `${main}/.git`, { worktreeRoot: root, allowTempRoot }), (e: unknown) => (e as GitFlowError).code === code);
    await refused('sub/wt', 'WORKTREE_ROOT_INSIDE_REPO');
    await refused('.', 'WORKTREE_ROOT_INSIDE_REPO');
    await refused('/src/skills/.git/wt', 'WORKTREE_ROOT_INSIDE_REPO');
    await refused(path.join(os.tmpdir(), 'wt'), 'WORKTREE_ROOT_IN_TEMP');
    await refused(undefined, 'WORKTREE_ROOT_IN_TEMP', path.join(os.tmpdir(), 'repo'));
    assert.equal(await resolveWorktreeRoot(path.join(os.tmpdir(), 'repo'), path.join(os.tmpdir(), 'repo/.git'), { allowTempRoot: true }), path.join(os.tmpdir(), 'repo-worktrees'));
    // `..foo` next to the repository is not inside it.
    assert.equal(await resolveWorktreeRoot('/src/skills', '/src/skills/.git', { worktreeRoot: '/src/skills..wt' }), '/src/skills..wt');
  });

  it('follows symlinks: a link into the repository is inside it', async () => {
    const repo = await repoWithSkills([]);
    fixtures.push(repo);
    const link = path.join(repo.base, 'link');
    await fs.symlink(repo.dir, link);
    await assert.rejects(
      resolveWorktreeRoot(repo.dir, path.join(repo.dir, '.git'), { worktreeRoot: path.join(link, 'wt'), allowTempRoot: true }),
      (e: unknown) => (e as GitFlowError).code === 'WORKTREE_ROOT_INSIDE_REPO',
    );
  });
});

describe('flows racing across processes', () => {
  it('two processes setting up the same skills: serialised per skill, every skill set up once, fsck clean', async () => {
    const names = ['alpha', 'beta', 'gamma'];
    const repo = await repoWithSkills(names);
    fixtures.push(repo);
    const [a, b] = (await Promise.all([
      runChild({ op: 'setup', repo: repo.dir, skills: names }),
      runChild({ op: 'setup', repo: repo.dir, skills: names }),
    ])) as Array<Array<{ skill: string; status: string; error?: string }>>;
    for (let i = 0; i < names.length; i++) {
      assert.deepEqual([a[i].status, b[i].status].sort(), ['created', 'reused'], JSON.stringify([a[i], b[i]]));
    }
    assert.equal((await git(repo.dir, 'worktree', 'list', '--porcelain')).match(/^worktree /gm)?.length, 4);
    for (const n of names) assert.equal((await git(repo.dir, 'rev-parse', '--abbrev-ref', `skill/${n}@{upstream}`)).trim(), `origin/skill/${n}`);
    assert.equal(await fsck(repo.dir), '');
    assert.deepEqual(await fs.readdir(path.join(repo.dir, '.git', 'odoobo', 'locks')), []);
  });
});
