/**
 * The promotion gates that need no platform: the smoke verdict (which run counts), the approval (who and whether), and
 * the environment branch's fast-forward check on a real repository with a bare origin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultEnvironments } from '../../../../src/core/environments';
import { approval, gitApprover, sourceSmokePassed, targetBranchFastForward } from '../../../../src/core/release/gates';
import { simpleGitRunner } from '../../../../src/core/git/runner';
import type { SkillDeployment, SkillTestResult } from '../../../../src/core/status/schema';
import { git, RepoFixture } from '../../../builders/repo';

const C1 = 'a'.repeat(40);
const deployment: SkillDeployment = {
  target: 'local', appId: 'app', deploymentId: 'dep-1', phase: 'ACTIVE', commit: C1, deployedAt: '2026-01-01T10:00:00.000Z',
};
const passed: SkillTestResult = { status: 'passed', commit: C1, target: 'local', summary: '6 passed', at: '2026-01-01T10:05:00.000Z' };

describe('source-smoke-passed', () => {
  it('passes on a passed run of the verified commit, after its deployment, on its target', () => {
    const g = sourceSmokePassed('staging', passed, deployment);
    const detail = `the last smoke run in staging (passed, ${passed.at}) passed on ${C1.slice(0, 12)}: 6 passed`;
    assert.deepEqual([g.ok, g.detail], [true, detail]);
  });

  it('fails, each with its reason: none, failed, another commit, another target, older than the deployment', () => {
    const cases: Array<[SkillTestResult | undefined, RegExp]> = [
      [undefined, /no smoke-test run is recorded in staging: run odoobo test <skill> --env staging/],
      [{ ...passed, status: 'failed', summary: 'health: 500' }, /\) failed: health: 500$/],
      [{ ...passed, status: 'error' }, /could not complete/],
      [{ ...passed, commit: 'b'.repeat(40) }, /tested bbbbbbbbbbbb, not the verified aaaaaaaaaaaa/],
      [{ ...passed, commit: undefined }, /tested no named commit/],
      [{ ...passed, target: 'digitalocean' }, /ran against digitalocean, not local/],
      [{ ...passed, at: '2026-01-01T09:00:00.000Z' }, /predates deployment dep-1/],
    ];
    for (const [test, why] of cases) {
      const g = sourceSmokePassed('staging', test, deployment);
      assert.equal(g.ok, false, JSON.stringify(test));
      assert.match(g.detail, why);
    }
    assert.match(sourceSmokePassed('staging', passed, undefined).detail, /no verified deployment in staging/);
  });
});

describe('approval', () => {
  const envs = defaultEnvironments();
  const who = { name: 'Ada', email: 'ada@odoobo.invalid' };
  it('staging needs none; production needs an approval and a known approver', () => {
    assert.equal(approval(envs.get('staging'), false, undefined).ok, true);
    assert.match(approval(envs.get('production'), false, who).detail, /production requires approval: pass --approve/);
    assert.match(approval(envs.get('production'), true, undefined).detail, /set git config user\.name and user\.email/);
    const approved = { name: 'approval', ok: true, detail: 'approved by Ada <ada@odoobo.invalid>' };
    assert.deepEqual(approval(envs.get('production'), true, who), approved);
  });
});

describe('target-branch-fast-forward on a real repository', () => {
  let repo: RepoFixture;
  let c1 = '';
  let c2 = '';
  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-gates-' });
    c1 = (await git(repo.dir, 'rev-parse', 'HEAD')).trim();
    c2 = await repo.commitAll('second');
  });
  after(async () => {
    await repo?.remove();
  });

  it('a branch origin lacks: created; at the commit: up to date; behind it: fast-forwards; ahead or aside: refused', async () => {
    const ff = (commit: string) => targetBranchFastForward(simpleGitRunner, repo.dir, 'env/production/x', commit);
    assert.match((await ff(c2)).gate.detail, /does not exist yet: it will be created/);
    await git(repo.dir, 'push', '-q', 'origin', `${c1}:refs/heads/env/production/x`);
    const behind = await ff(c2);
    assert.deepEqual([behind.gate.ok, behind.before], [true, c1]);
    assert.match(behind.gate.detail, /fast-forwards/);
    await git(repo.dir, 'push', '-q', 'origin', `${c2}:refs/heads/env/production/x`);
    assert.match((await ff(c2)).gate.detail, /is at [0-9a-f]{12} already/);
    const back = await ff(c1);
    assert.equal(back.gate.ok, false, 'moving back would drop c2');
    assert.match(back.gate.detail, /not an ancestor of the verified/);
    assert.equal((await git(repo.originDir, 'rev-parse', 'env/production/x')).trim(), c2, 'origin is untouched');
  });

  it('a branch made elsewhere is fetched to check its ancestry', async () => {
    const other = await RepoFixture.create({ prefix: 'odoobo-gates-other-' });
    try {
      await git(other.dir, 'remote', 'add', 'origin', repo.originDir);
      await git(other.dir, 'fetch', '-q', 'origin');
      const stray = (await git(other.dir, 'commit-tree', '-m', 'elsewhere', `${c2}^{tree}`, '-p', c2)).trim();
      await git(other.dir, 'push', '-q', 'origin', `${stray}:refs/heads/env/staging/x`);
      const g = await targetBranchFastForward(simpleGitRunner, repo.dir, 'env/staging/x', c2);
      assert.equal(g.gate.ok, false);
      assert.equal(g.before, stray);
    } finally {
      await other.remove();
    }
  });

  it('the approver is git user.name and user.email', async () => {
    assert.deepEqual(await gitApprover(simpleGitRunner, repo.dir), { name: 'Odoobo Test', email: 'test@odoobo.invalid' });
  });
});
