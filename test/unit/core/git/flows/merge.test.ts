import assert from 'node:assert/strict';
import { describe, it, after } from 'node:test';
import * as path from 'node:path';
import {
  checkMergePreconditions,
  GIT_FLOW_MITIGATIONS,
  GitFlowError,
  mergeSkills,
  removeWorktree,
  setupWorktrees,
  type DeploymentSource,
  type MergeResult,
} from '../../../../../src/core/git/flows';
import { StatusStore } from '../../../../../src/core/status';
import type { SkillTestResult } from '../../../../../src/core/status/schema';
import { git, RepoFixture } from '../../../../builders/repo';
import { commitFile, deploymentFor, fsck, refExists, repoWithSkills, revParse, snapshot, TEMP_OK, writeFile } from '../../../../builders/gitFlows';

const fixtures: RepoFixture[] = [];
after(async () => {
  for (const r of fixtures) await r.remove();
});

/** A repository whose skills each have a pushed commit on their branch, deployed ACTIVE from that commit. */
async function readyToMerge(names: string[]): Promise<{ repo: RepoFixture; store: StatusStore; heads: Record<string, string> }> {
  const repo = await repoWithSkills(names);
  fixtures.push(repo);
  await setupWorktrees(repo.dir, TEMP_OK);
  const store = new StatusStore(path.join(repo.dir, '.git'));
  const heads: Record<string, string> = {};
  for (const n of names) {
    const wt = repo.worktreePath(n);
    heads[n] = await commitFile(wt, `skills/${n}/feature.py`, `def ${n.replace(/-/g, '_')}(): return 1\n`, `${n}: feature`);
    await git(wt, 'push', '-q');
    await store.recordDeployment(n, deploymentFor(n, heads[n]));
  }
  return { repo, store, heads };
}

function merged(r: MergeResult): Extract<MergeResult, { status: 'merged' }> {
  assert.equal(r.status, 'merged', JSON.stringify(r, (k, v) => (k === 'cause' ? undefined : v), 2));
  return r;
}

async function trailer(cwd: string, key: string, rev = 'HEAD'): Promise<string> {
  return (await git(cwd, 'log', '-1', `--format=%(trailers:key=${key},valueonly)`, rev)).trim();
}

describe('mergeSkills', () => {
  it('merges with --no-ff, the deployment as trailers, pushes main, records it, and is idempotent', async () => {
    const { repo, store, heads } = await readyToMerge(['alpha']);
    const mainBefore = await revParse(repo.dir, 'main');
    const [r] = await mergeSkills(repo.dir, ['alpha'], { target: 'local', push: true });
    const m = merged(r);
    assert.equal(m.skillHead, heads.alpha);
    assert.equal(m.push, 'pushed');
    assert.equal(await revParse(repo.dir, 'HEAD'), m.mergeCommit);
    assert.equal((await git(repo.dir, 'rev-list', '--parents', '-n', '1', 'HEAD')).trim(), `${m.mergeCommit} ${mainBefore} ${heads.alpha}`);
    const d = deploymentFor('alpha', heads.alpha);
    assert.equal(await trailer(repo.dir, 'Deployment-Id'), d.deploymentId);
    assert.equal(await trailer(repo.dir, 'App-Id'), d.appId);
    assert.equal(await trailer(repo.dir, 'Deployed-Commit'), heads.alpha);
    assert.equal(await trailer(repo.dir, 'Live-URL'), d.liveUrl);
    assert.equal(await trailer(repo.dir, 'Phase'), 'ACTIVE');
    assert.equal(await trailer(repo.dir, 'Deployed-At'), d.deployedAt);
    assert.equal(await trailer(repo.dir, 'Target'), 'local');
    assert.equal((await git(repo.dir, 'log', '-1', '--format=%s')).trim(), 'Merge skill/alpha into main');
    assert.equal(await revParse(repo.originDir, 'refs/heads/main'), m.mergeCommit);
    const last = (await store.read()).skills.alpha.lastMerge!;
    assert.deepEqual([last.mergeCommit, last.skillHead, last.deploymentId, last.pushed], [m.mergeCommit, heads.alpha, d.deploymentId, true]);
    assert.equal(m.checks.find((c) => c.code === 'SMOKE_TESTS_FAILED')?.status, 'ok', 'no recorded smoke-test run does not block');

    const before = await snapshot(repo.dir);
    const [again] = await mergeSkills(repo.dir, ['alpha'], { target: 'local', push: true });
    assert.equal(again.status, 'already-merged');
    assert.deepEqual(await snapshot(repo.dir), before);
    assert.equal(await fsck(repo.dir), '');
  });

  it('cleans up after the merge: removes the worktree and deletes the merged branch', async () => {
    const { repo } = await readyToMerge(['alpha']);
    const [r] = await mergeSkills(repo.dir, ['alpha'], { push: true, cleanup: true, deleteBranch: true });
    const m = merged(r);
    assert.deepEqual([m.cleanup?.removed, m.cleanup?.branchDeleted], [true, true]);
    assert.equal(await refExists(repo.dir, 'refs/heads/skill/alpha'), false);
    assert.doesNotMatch(await git(repo.dir, 'worktree', 'list'), /alpha/);
  });

  it('merges several skills one after another', async () => {
    const { repo } = await readyToMerge(['alpha', 'beta', 'gamma']);
    const results = await mergeSkills(repo.dir, ['alpha', 'beta', 'gamma'], { target: 'local' });
    assert.deepEqual(results.map((r) => r.status), ['merged', 'merged', 'merged']);
    assert.equal((await git(repo.dir, 'log', '--merges', '--format=%(trailers:key=Deployment-Id,valueonly)')).split('\n').filter(Boolean).length, 3);
  });

  it('uses an injected DeploymentSource', async () => {
    const { repo, heads } = await readyToMerge(['alpha']);
    const source: DeploymentSource = { latest: async (skill, o) => deploymentFor(skill, heads[skill], { target: o?.target ?? 'digitalocean', deploymentId: 'do-dep-1' }) };
    const [r] = await mergeSkills(repo.dir, ['alpha'], { deployments: source, target: 'digitalocean', status: false });
    merged(r);
    assert.equal(await trailer(repo.dir, 'Deployment-Id'), 'do-dep-1');
    assert.equal(await trailer(repo.dir, 'Target'), 'digitalocean');
  });

  it('refuses each unmet precondition with its own code, and changes nothing', async () => {
    const { repo, store, heads } = await readyToMerge(['alpha']);
    const wt = repo.worktreePath('alpha');
    const expectRefusal = async (code: string, options: Parameters<typeof mergeSkills>[2] = { target: 'local' }) => {
      const before = await snapshot(repo.dir);
      const [r] = await mergeSkills(repo.dir, ['alpha'], options);
      assert.equal(r.status, 'refused', `${code}: ${JSON.stringify(r)}`);
      const refused = r;
      assert.deepEqual(refused.unmet.map((p) => p.code), [code]);
      assert.ok(refused.unmet[0].message.length > 10);
      assert.deepEqual(await snapshot(repo.dir), before);
      return refused;
    };
    // No deployment on the chosen target.
    await expectRefusal('NO_DEPLOYMENT', { target: 'digitalocean' });
    await store.update((s) => {
      delete s.skills.alpha.lastDeployment;
      delete s.skills.alpha.deployments;
    });
    await expectRefusal('NO_DEPLOYMENT');
    // Not ACTIVE.
    await store.recordDeployment('alpha', deploymentFor('alpha', heads.alpha, { phase: 'DEPLOYING' }));
    const notActive = await expectRefusal('DEPLOYMENT_NOT_ACTIVE');
    assert.match(notActive.unmet[0].message, /DEPLOYING, not ACTIVE/);
    // Built from another commit.
    await store.recordDeployment('alpha', deploymentFor('alpha', await revParse(repo.dir, 'main')));
    await expectRefusal('DEPLOYMENT_STALE');
    await store.recordDeployment('alpha', deploymentFor('alpha', heads.alpha));
    // Dirty skill worktree.
    await writeFile(wt, 'skills/alpha/wip.py', 'wip\n');
    const dirty = await expectRefusal('DIRTY_WORKTREE');
    assert.deepEqual(dirty.unmet[0].files, ['skills/alpha/wip.py']);
    await git(wt, 'clean', '-q', '-f');
    // Dirty main worktree.
    await writeFile(repo.dir, 'README.md', 'uncommitted\n');
    await expectRefusal('MAIN_WORKTREE_DIRTY');
    await git(repo.dir, 'checkout', '--', 'README.md');
    // Main worktree not on main.
    await git(repo.dir, 'switch', '-q', '-c', 'hotfix');
    await expectRefusal('NOT_ON_MAIN');
    await git(repo.dir, 'switch', '-q', 'main');
    // A deployment source that fails.
    await expectRefusal('DEPLOYMENT_UNREADABLE', { deployments: { latest: async () => { throw new Error('API down'); } } });
    // Everything met now.
    const pre = await checkMergePreconditions(repo.dir, 'alpha', { target: 'local' });
    assert.deepEqual(pre.unmet, []);
    assert.deepEqual(pre.checks.map((c) => [c.code, c.status]), [
      ['BRANCH_NOT_FOUND', 'ok'],
      ['NO_DEPLOYMENT', 'ok'],
      ['DEPLOYMENT_NOT_ACTIVE', 'ok'],
      ['DEPLOYMENT_STALE', 'ok'],
      ['SMOKE_TESTS_FAILED', 'ok'],
      ['DIRTY_WORKTREE', 'ok'],
      ['MAIN_WORKTREE_DIRTY', 'ok'],
      ['NOT_ON_MAIN', 'ok'],
      ['OPERATION_IN_PROGRESS', 'ok'],
    ]);
  });

  it('refuses a skill whose last smoke-test run of the deployment failed; a passed, older or other target\'s run does not block', async () => {
    const { repo, store, heads } = await readyToMerge(['alpha']);
    const deployment = deploymentFor('alpha', heads.alpha); // deployedAt 2025-05-01T10:00:00Z
    const test = (over: Partial<SkillTestResult>): SkillTestResult => ({ status: 'failed', target: 'local', commit: heads.alpha, passed: 4, failed: 2, summary: '4/6 checks passed; failed: HEALTH_CHECK_FAIL, METHOD_405', at: '2025-05-01T10:05:00.000Z', ...over });
    const smokeCheck = async () => (await checkMergePreconditions(repo.dir, 'alpha', { target: 'local' })).checks.find((c) => c.code === 'SMOKE_TESTS_FAILED')!;

    await store.recordTest('alpha', test({}));
    const before = await snapshot(repo.dir);
    const [r] = await mergeSkills(repo.dir, ['alpha'], { target: 'local' });
    assert.equal(r.status, 'refused', JSON.stringify(r));
    const { unmet } = r;
    assert.deepEqual(unmet.map((p) => p.code), ['SMOKE_TESTS_FAILED']);
    assert.match(unmet[0].message, /failed, 2025-05-01T10:05:00\.000Z on local\) of deployment dep-alpha-\w+ failed: 4\/6 checks passed; failed: HEALTH_CHECK_FAIL/);
    assert.match(GIT_FLOW_MITIGATIONS.SMOKE_TESTS_FAILED, /rerun .*Odoobo: Test Skill.*or deploy again/);
    assert.deepEqual(await snapshot(repo.dir), before);
    // A run that could not complete blocks too.
    await store.recordTest('alpha', test({ status: 'error', summary: 'no answer' }));
    assert.match((await smokeCheck()).message, /could not complete: no answer/);

    // Runs that do not block: passed, older than the deployment, on another target, of another commit.
    for (const [over, why] of [
      [{ status: 'passed' }, /passed: /],
      [{ at: '2025-05-01T09:59:59.000Z' }, /predates deployment/],
      [{ target: 'digitalocean' }, /was not against local/],
      [{ commit: 'abcdef1234567' }, /tested abcdef123456, not the deployed/],
    ] as const) {
      await store.recordTest('alpha', test(over));
      const c = await smokeCheck();
      assert.deepEqual([c.status, c.message.match(why) !== null], ['ok', true], `${JSON.stringify(over)}: ${c.message}`);
    }
    // A redeploy after the failed run lifts the refusal.
    await store.recordTest('alpha', test({}));
    await store.recordDeployment('alpha', { ...deployment, deploymentId: 'dep-again', deployedAt: '2025-05-01T10:10:00.000Z' });
    merged((await mergeSkills(repo.dir, ['alpha'], { target: 'local' }))[0]);
  });

  it('lists every unmet precondition at once', async () => {
    const { repo, store, heads } = await readyToMerge(['alpha']);
    await store.recordDeployment('alpha', deploymentFor('alpha', heads.alpha.slice(0, 7).replace(/./, (c) => (c === 'a' ? 'b' : 'a')), { phase: 'ERROR' }));
    await writeFile(repo.worktreePath('alpha'), 'wip.txt', 'x');
    await writeFile(repo.dir, 'wip.txt', 'x');
    const [r] = await mergeSkills(repo.dir, ['alpha']);
    assert.equal(r.status, 'refused');
    assert.deepEqual((r).unmet.map((p) => p.code), [
      'DEPLOYMENT_NOT_ACTIVE', 'DEPLOYMENT_STALE', 'DIRTY_WORKTREE', 'MAIN_WORKTREE_DIRTY',
    ]);
  });

  for (const preflight of [true, false]) {
    it(`on conflict leaves the repository byte-for-byte as it was (${preflight ? 'checked in memory first' : 'tried, then aborted'})`, async () => {
      const { repo, store } = await readyToMerge(['alpha']);
      const wt = repo.worktreePath('alpha');
      const skillHead = await commitFile(wt, 'README.md', '# skills, as alpha sees them\n');
      await git(wt, 'push', '-q');
      await store.recordDeployment('alpha', deploymentFor('alpha', skillHead));
      await commitFile(repo.dir, 'README.md', '# skills, as main sees them\n');
      await writeFile(repo.base, 'unrelated.txt', 'x'); // outside, to make sure only the repo is compared
      await git(repo.dir, 'update-ref', 'ORIG_HEAD', 'HEAD~1');
      const before = await snapshot(repo.dir);
      const origHead = await revParse(repo.dir, 'ORIG_HEAD');
      const skillBefore = await snapshot(wt);
      const [r] = await mergeSkills(repo.dir, ['alpha'], { preflight });
      assert.equal(r.status, 'failed');
      const error = (r).error;
      assert.equal(error.code, 'MERGE_CONFLICT');
      assert.deepEqual(error.files, ['README.md']);
      assert.match(error.message, /^alpha: .*README\.md/s);
      assert.deepEqual(await snapshot(repo.dir), before);
      assert.deepEqual(await snapshot(wt), skillBefore);
      assert.equal(await revParse(repo.dir, 'ORIG_HEAD'), origHead);
      assert.equal(await refExists(repo.dir, 'MERGE_HEAD'), false);
      assert.equal(await fsck(repo.dir), '');
    });
  }

  it('merge and remove racing on one skill are serialised: both finish, nothing is corrupted', async () => {
    const { repo, heads } = await readyToMerge(['alpha']);
    const [[m], rm] = await Promise.all([mergeSkills(repo.dir, ['alpha'], { push: true }), removeWorktree(repo.dir, 'alpha')]);
    merged(m);
    assert.equal(rm.removed, true);
    assert.equal(await git(repo.dir, 'merge-base', '--is-ancestor', heads.alpha, 'main').then(() => true), true);
    assert.equal(await fsck(repo.dir), '');
  });

  it('two merges of one skill racing: one merges, the other finds it merged', async () => {
    const { repo } = await readyToMerge(['alpha']);
    const [[a], [b]] = await Promise.all([mergeSkills(repo.dir, ['alpha']), mergeSkills(repo.dir, ['alpha'])]);
    assert.deepEqual([a.status, b.status].sort(), ['already-merged', 'merged']);
    assert.equal((await git(repo.dir, 'rev-list', '--merges', '--count', 'main')).trim(), '1');
    assert.equal(await fsck(repo.dir), '');
  });

  it('rejects hostile names before running git', async () => {
    const { repo } = await readyToMerge(['alpha']);
    const before = await snapshot(repo.dir);
    await assert.rejects(mergeSkills(repo.dir, ['alpha', '--upload-pack=x']), (e: unknown) => (e as GitFlowError).code === 'INVALID_SKILL_NAME');
    assert.deepEqual(await snapshot(repo.dir), before);
  });
});
