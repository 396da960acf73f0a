/**
 * Promotion on the real local App Platform, with a real git repository and a bare origin: the real pr-review skill is
 * deployed to staging (its smoke suite recorded as the CLI records it), then promoted to production. Each gate fails
 * alone with its own message and nothing changes (no app, no environment branch, no record); approval is refused
 * without an approval; the promoted build is the verified commit even after a newer, unverified one is pushed; the
 * environment branch only ever fast-forwards.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deploySkill, type DeployResult } from '../../../../src/core/deploy';
import { mergeSkills } from '../../../../src/core/git/flows';
import { promote, type PromoteOptions, type PromotionResult } from '../../../../src/core/release/promote';
import { runSmokeSuite, summarizeSmoke } from '../../../../src/core/smoke';
import { loadSkills } from '../../../../src/core/skills/loadSkills';
import { DeployFixture } from '../../../builders/deploy';
import { git } from '../../../builders/repo';

const SKILL = 'pr-review';
const ENV_BRANCH = `env/production/${SKILL}`;
const ENVIRONMENTS = 'default: staging\nenvironments:\n  staging: {}\n  production: {}\n';

describe('promote on the local App Platform', () => {
  let fx: DeployFixture;
  let verified = '';

  before(async () => {
    fx = await DeployFixture.start({ realSkill: SKILL });
    await fs.writeFile(path.join(fx.repoDir, 'infra/environments.yaml'), ENVIRONMENTS);
    await git(fx.repoDir, 'add', 'infra/environments.yaml');
    await git(fx.repoDir, 'commit', '-qm', 'environments: staging and production');
    await git(fx.repoDir, 'push', '-q', 'origin', `skill/${SKILL}`);
  });
  after(async () => {
    await fx?.stop();
  });

  /** Deploys to `env` and records its smoke suite under that environment, as `odoobo deploy` does. */
  async function deployTo(env: string): Promise<DeployResult> {
    const manifest = (await loadSkills(fx.repoDir)).skills.find((s) => s.name === SKILL)!.manifest;
    let smoke: Awaited<ReturnType<typeof runSmokeSuite>> | undefined;
    const r = await deploySkill({
      ...fx.options(),
      skill: SKILL,
      environment: env,
      postDeploy: async (ctx) => {
        smoke = await runSmokeSuite({ skill: ctx.skill, manifest, baseUrl: ctx.liveUrl, signal: ctx.signal });
        return { ok: smoke.passed, message: summarizeSmoke(smoke) };
      },
    });
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    await fx.status.recordTest(SKILL, {
      status: smoke!.passed ? 'passed' : 'failed',
      commit: r.commit,
      target: 'local',
      summary: summarizeSmoke(smoke!),
      at: new Date().toISOString(),
    }, { environment: { name: env, isDefault: env === 'staging' } });
    return r;
  }

  const options = (extra: Partial<PromoteOptions> = {}): PromoteOptions =>
    ({ ...fx.options(), skills: [SKILL], to: 'production', ...extra });

  async function promoteOne(extra: Partial<PromoteOptions> = {}): Promise<PromotionResult> {
    const [r] = await promote(options(extra));
    return r;
  }

  const originBranch = async (branch: string) => (await git(fx.origin, 'branch', '--list', branch)).trim();

  /** Nothing a promotion changes has changed: no production app, no environment branch, no promotion record. */
  async function assertNothingChanged(appDeployments?: number): Promise<void> {
    const app = await fx.app(SKILL);
    if (appDeployments === undefined) assert.equal(app, undefined, 'no production app was created');
    else assert.equal((await fx.deployments(app.id)).length, appDeployments, 'no production deployment was created');
    if (appDeployments === undefined) assert.equal(await originBranch(ENV_BRANCH), '', 'origin has no environment branch');
    if (appDeployments === undefined) assert.equal((await fx.status.skill(SKILL))?.environments?.production?.promotion, undefined);
  }

  function refusedBy(r: PromotionResult, gate: string, detail: RegExp): void {
    const show = JSON.stringify(r.gates, null, 2);
    assert.equal(r.status, 'refused', show);
    assert.equal(r.failedGate?.name, gate, show);
    assert.match(r.failedGate.detail, detail);
    assert.equal(r.deploy, undefined, 'nothing was deployed');
  }

  it('source-active: staging has no app yet', async () => {
    const r = await promoteOne({ approve: true });
    refusedBy(r, 'source-active', /staging has no app to promote from: deploy to staging first/);
    await assertNothingChanged();
  });

  it('deploys to staging (pr-review-staging), smoke suite recorded under staging', async () => {
    const r = await deployTo('staging');
    verified = r.commit!;
    assert.ok((await fx.app(`${SKILL}-staging`))?.active_deployment, 'the staging app serves');
    const s = await fx.status.skill(SKILL);
    assert.equal(s?.lastTest?.commit, verified);
  });

  it('approval: production requires it; refused without it, every other gate passes, nothing changed', async () => {
    const r = await promoteOne();
    refusedBy(r, 'approval', /production requires approval: pass --approve/);
    assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['approval']);
    assert.equal(r.commit, verified);
    assert.ok(r.preflight, 'the pre-flight diff was made');
    await assertNothingChanged();
  });

  it('approval asked (a terminal or a modal) and declined: refused; the question saw the gates and the diff', async () => {
    let asked: unknown;
    const r = await promoteOne({ approve: async (plan) => ((asked = plan), false) });
    refusedBy(r, 'approval', /requires approval/);
    const plan = asked as { gates: Array<{ name: string; ok: boolean }>; preflight?: { appName: string } };
    assert.deepEqual(plan.gates.map((g) => g.name), [
      'source-active', 'source-smoke-passed', 'target-spec-lints', 'target-propose', 'target-not-pinned', 'target-branch-fast-forward',
    ]);
    assert.equal(plan.preflight?.appName, SKILL);
    await assertNothingChanged();
  });

  it('source-active: the status file records another deployment than staging serves', async () => {
    const real = (await fx.status.skill(SKILL))!.lastDeployment!;
    const staging = { environment: { name: 'staging', isDefault: true } };
    await fx.status.recordDeployment(SKILL, { ...real, deploymentId: 'another-deployment' }, staging);
    try {
      const r = await promoteOne({ approve: true });
      refusedBy(r, 'source-active', /status file records another-deployment/);
      assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['source-active']);
      await assertNothingChanged();
    } finally {
      await fx.status.recordDeployment(SKILL, real, staging);
    }
  });

  it('source-smoke-passed: the last smoke run in staging failed', async () => {
    const s = (await fx.status.skill(SKILL))!;
    const passed = s.lastTest!;
    await fx.status.recordTest(SKILL, { ...passed, status: 'failed', summary: 'health: 500', at: new Date().toISOString() },
      { environment: { name: 'staging', isDefault: true } });
    const r = await promoteOne({ approve: true });
    refusedBy(r, 'source-smoke-passed', /the last smoke run in staging \(failed, .*\) failed: health: 500/);
    assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['source-smoke-passed']);
    await assertNothingChanged();
    await fx.status.recordTest(SKILL, passed, { environment: { name: 'staging', isDefault: true } });
  });

  it('target-spec-lints: the production overlay has an error (named with its file)', async () => {
    const overlay = path.join(fx.repoDir, 'infra', `${SKILL}.production.yaml`);
    await fs.writeFile(overlay, 'services:\n  - name: pr-review\n    instance_count: many\n');
    try {
      const r = await promoteOne({ approve: true });
      refusedBy(r, 'target-spec-lints', /pr-review\.production\.yaml/);
      assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['target-spec-lints', 'target-propose']);
      assert.match(r.gates.find((g) => g.name === 'target-propose')!.detail, /no target spec to propose/);
      await assertNothingChanged();
    } finally {
      await fs.rm(overlay);
    }
  });

  it('target-propose: App Platform refuses the production spec (a static site the local platform cannot run)', async () => {
    const overlay = path.join(fx.repoDir, 'infra', `${SKILL}.production.yaml`);
    const site = ['static_sites:', '  - name: docs', '    github:', '      repo: odoobo/odoobo-skills', `      branch: skill/${SKILL}`,
      '      deploy_on_push: false', `    source_dir: skills/${SKILL}`, ''].join('\n');
    await fs.writeFile(overlay, site);
    try {
      const r = await promoteOne({ approve: true });
      refusedBy(r, 'target-propose', /propose refused pr-review: .*static_sites/);
      assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['target-propose']);
      await assertNothingChanged();
    } finally {
      await fs.rm(overlay);
    }
  });

  it('target-branch-fast-forward: origin\'s environment branch holds a commit the verified one lacks', async () => {
    const hotfix = ['commit-tree', '-m', 'a hotfix made on production only', `${verified}^{tree}`, '-p', verified];
    const stray = (await git(fx.repoDir, ...hotfix)).trim();
    await git(fx.repoDir, 'push', '-q', 'origin', `${stray}:refs/heads/${ENV_BRANCH}`);
    try {
      const r = await promoteOne({ approve: true });
      refusedBy(r, 'target-branch-fast-forward', /is not an ancestor of the verified .*: moving it would drop commits \(never forced\)/);
      assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['target-branch-fast-forward']);
      assert.equal((await git(fx.origin, 'rev-parse', ENV_BRANCH)).trim(), stray, 'the branch on origin is untouched');
      assert.equal(await fx.app(SKILL), undefined);
    } finally {
      // Test cleanup on the bare test origin (the stray commit was made here, for this test).
      await git(fx.origin, 'update-ref', '-d', `refs/heads/${ENV_BRANCH}`, stray);
    }
  });

  it('a dry run: every gate reported, the diff made, nothing changed', async () => {
    const r = await promoteOne({ approve: true, dryRun: true });
    assert.equal(r.status, 'dry-run', JSON.stringify(r.gates));
    assert.ok(r.gates.every((g) => g.ok));
    assert.equal(r.preflight?.appId, undefined, 'production would be created');
    assert.deepEqual(r.preflight?.commits.going.map((c) => c.sha).includes(verified), true);
    await assertNothingChanged();
  });

  it('a newer, unverified commit on the skill branch: production gets the verified one; the env branch is at it', async () => {
    const unverified = await fx.skillRepo!.setVersion('9.9.9');
    assert.notEqual(unverified, verified);
    const r = await promoteOne({ approve: true, approver: { name: 'Rel Ease', email: 'release@odoobo.invalid' } });
    assert.equal(r.status, 'promoted', JSON.stringify({ gates: r.gates, error: r.error, deploy: r.deploy?.error }));
    assert.equal(r.commit, verified);
    assert.deepEqual(r.branch, { name: ENV_BRANCH, after: verified });
    assert.equal((await git(fx.origin, 'rev-parse', ENV_BRANCH)).trim(), verified);
    const app = await fx.app(SKILL);
    assert.equal(r.deploy?.commit, verified);
    assert.equal(app.active_deployment.services[0].source_commit_hash, verified, 'production serves the verified commit');
    assert.equal(app.spec.services[0].github.branch, ENV_BRANCH);
    const staging = await fx.app(`${SKILL}-staging`);
    assert.equal(staging.active_deployment.services[0].source_commit_hash, verified, 'staging still serves it too');
    const record = (await fx.status.skill(SKILL))?.environments?.production?.promotion as Record<string, unknown>;
    assert.equal(record.from, 'staging');
    assert.equal(record.commit, verified);
    assert.equal(record.status, 'promoted');
    assert.deepEqual(record.approver, { name: 'Rel Ease', email: 'release@odoobo.invalid' });
    assert.deepEqual((record.gates as Array<{ name: string; ok: boolean }>).map((g) => `${g.name}:${g.ok}`), [
      'source-active:true', 'source-smoke-passed:true', 'target-spec-lints:true', 'target-propose:true', 'target-not-pinned:true',
      'target-branch-fast-forward:true', 'approval:true',
    ]);
  });

  it('target-not-pinned: a rollback pins production; refused until it is finished', async () => {
    const app = await fx.app(SKILL);
    // A second production deployment, so that there is one to roll back to.
    const again = await fx.client.createDeployment(app.id);
    await waitActive(app.id, again.id);
    const rb = await fx.client.rollback(app.id, { deployment_id: app.active_deployment.id });
    await waitActive(app.id, rb.id);
    const count = (await fx.deployments(app.id)).length;
    const r = await promoteOne({ approve: true });
    refusedBy(r, 'target-not-pinned', /is pinned to rollback deployment .*--unpin to keep it, --revert to undo it/);
    assert.deepEqual(r.gates.filter((g) => !g.ok).map((g) => g.name), ['target-not-pinned']);
    await assertNothingChanged(count);
    await fx.client.commitRollback(app.id);
  });

  it('the next verified build: the environment branch fast-forwards from the last promoted commit', async () => {
    await fx.skillRepo!.change('manifest.json', (t) => t.replace(/"version": "[^"]+"/, '"version": "9.9.9"'), 'manifest 9.9.9');
    const next = (await deployTo('staging')).commit!;
    const r = await promoteOne({ approve: true });
    assert.equal(r.status, 'promoted', JSON.stringify({ gates: r.gates, error: r.error, deploy: r.deploy?.error }));
    assert.deepEqual(r.branch, { name: ENV_BRANCH, before: verified, after: next });
    assert.match(r.gates.find((g) => g.name === 'target-branch-fast-forward')!.detail, /fast-forwards/);
    assert.deepEqual(r.preflight?.commits.going.map((c) => c.subject), ['manifest 9.9.9', 'version 9.9.9']);
    assert.equal((await git(fx.origin, 'rev-parse', ENV_BRANCH)).trim(), next);
    const res = await fetch(`${r.deploy!.liveUrl}/health`);
    assert.equal(((await res.json()) as { version: string }).version, '9.9.9', 'production serves the new build');
  });

  it('merging the promoted commit into main carries the promotion in its trailers', async () => {
    await git(fx.repoDir, 'checkout', '-q', 'main');
    const [m] = await mergeSkills(fx.repoDir, [SKILL]);
    assert.equal(m.status, 'merged', JSON.stringify(m));
    const message = await git(fx.repoDir, 'log', '-1', '--format=%B', 'main');
    assert.match(message, /^Promoted-To: production$/m);
    assert.match(message, /^Promoted-By: Odoobo Test <test@odoobo\.invalid>$/m);
    assert.match(message, /^Promotion-Gates: source-active ok, source-smoke-passed ok, target-spec-lints ok, target-propose ok, /m);
    assert.match(message, /target-branch-fast-forward ok, approval ok$/m);
  });

  async function waitActive(appId: string, deploymentId: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const d = await fx.deployment(appId, deploymentId);
      if (d.phase === 'ACTIVE') return;
      assert.ok(!['ERROR', 'CANCELED'].includes(d.phase), `deployment ${deploymentId} ${d.phase}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`deployment ${deploymentId} never went ACTIVE`);
  }
});
