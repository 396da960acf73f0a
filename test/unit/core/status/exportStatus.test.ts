import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setupWorktrees } from '../../../../src/core/git/flows';
import { exportWorktreeStatus, StatusStore, WorktreeStatusExportSchema } from '../../../../src/core/status';
import { git, RepoFixture } from '../../../builders/repo';
import { commitFile, deploymentFor, repoWithSkills, TEMP_OK, writeFile } from '../../../builders/gitFlows';

const fixtures: RepoFixture[] = [];
after(async () => {
  for (const r of fixtures) await r.remove();
});

describe('WORKTREE_STATUS.json export', () => {
  it('summarises every skill: worktree, head, dirty, ahead/behind, last deployment and test', async () => {
    const repo = await repoWithSkills(['alpha', 'beta', 'gamma']);
    fixtures.push(repo);
    await setupWorktrees(repo.dir, { ...TEMP_OK, skills: ['alpha'] });
    await git(repo.dir, 'branch', 'skill/beta', 'main');
    const wt = repo.worktreePath('alpha');
    const head = await commitFile(wt, 'skills/alpha/x.py', '1\n');
    await writeFile(wt, 'scratch.txt', 'wip');
    const store = new StatusStore(path.join(repo.dir, '.git'));
    await store.recordDeployment('alpha', deploymentFor('alpha', head));
    await store.recordTest('alpha', { status: 'passed', commit: head, passed: 4, failed: 0, at: '2025-05-01T11:00:00Z' });
    const out = path.join(repo.base, 'exports', 'WORKTREE_STATUS.json');

    const { file, data, warnings } = await exportWorktreeStatus(wt, out); // from inside a skill worktree
    assert.equal(file, out);
    assert.deepEqual(warnings, []);
    const onDisk = WorktreeStatusExportSchema.parse(JSON.parse(await fs.readFile(out, 'utf8')));
    assert.deepEqual(onDisk, data);
    assert.deepEqual(await fs.readdir(path.dirname(out)), ['WORKTREE_STATUS.json']);
    assert.equal(data.repository, repo.dir);
    assert.equal(data.main_branch, 'main');
    assert.deepEqual(Object.keys(data.skills), ['alpha', 'beta', 'gamma']);
    const a = data.skills.alpha;
    assert.deepEqual(
      [a.branch, a.branch_exists, a.worktree, a.worktree_exists, a.head, a.dirty, a.changed_files, a.upstream, a.ahead, a.behind],
      ['skill/alpha', true, wt, true, head, true, 1, 'origin/skill/alpha', 1, 0],
    );
    assert.deepEqual(a.last_deployment, {
      target: 'local', app_id: 'app-alpha', deployment_id: `dep-alpha-${head.slice(0, 7)}`, phase: 'ACTIVE', commit: head,
      live_url: 'http://127.0.0.1:8080/alpha', deployed_at: '2025-05-01T10:00:00.000Z',
    });
    assert.deepEqual(a.last_test, { status: 'passed', commit: head, target: null, passed: 4, failed: 0, summary: null, at: '2025-05-01T11:00:00Z' });
    assert.equal(a.last_merge, null);
    assert.deepEqual(a.environments, {});
    const b = data.skills.beta;
    assert.deepEqual([b.branch_exists, b.worktree, b.head, b.dirty, b.upstream, b.ahead], [true, null, await git(repo.dir, 'rev-parse', 'main').then((s) => s.trim()), null, null, null]);
    const g = data.skills.gamma;
    assert.deepEqual([g.branch_exists, g.head, g.last_deployment], [false, null, null]);
  });

  it('exports each environment recorded: production beside the default one, whose records are the top level', async () => {
    const repo = await repoWithSkills(['alpha']);
    fixtures.push(repo);
    const store = new StatusStore(path.join(repo.dir, '.git'));
    const c1 = 'a'.repeat(40);
    const c2 = 'b'.repeat(40);
    await store.recordDeployment('alpha', deploymentFor('alpha', c1), { environment: { name: 'staging', isDefault: true } });
    await store.recordDeployment('alpha', deploymentFor('alpha', c2, { appId: 'app-prod' }), {
      environment: { name: 'production', isDefault: false },
    });
    const { data } = await exportWorktreeStatus(repo.dir, path.join(repo.base, 'envs', 'WORKTREE_STATUS.json'));
    const a = data.skills.alpha;
    assert.equal(a.last_deployment?.commit, c1);
    assert.deepEqual(Object.keys(a.environments).sort(), ['production', 'staging']);
    assert.equal(a.environments.production.last_deployment?.app_id, 'app-prod');
    assert.equal(a.environments.staging.last_deployment?.commit, c1);
    assert.equal(a.environments.production.last_test, null);
  });

  it('still exports the git part when the status file is corrupt, with a warning naming it', async () => {
    const repo = await repoWithSkills(['alpha']);
    fixtures.push(repo);
    const store = new StatusStore(path.join(repo.dir, '.git'));
    await fs.mkdir(store.dir, { recursive: true });
    await fs.writeFile(store.file, '{oops');
    const { data, warnings } = await exportWorktreeStatus(repo.dir, path.join(repo.base, 'WORKTREE_STATUS.json'));
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].includes(store.file));
    assert.deepEqual(Object.keys(data.skills), ['alpha']);
  });
});
