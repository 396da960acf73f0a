/**
 * Rollbacks with a real skill: skills/pr-review (FastAPI on /usr/bin/python3) in a temporary git repository with a
 * bare origin, built and run by the local App Platform. A version whose /health answers 500 once it is live is rolled
 * back automatically and the live URL serves the OLD version again; manual rollback answers App Platform's validation
 * (warnings) first, then rolls back, pinned, until revert or commit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  checkSkillRollback, commitSkillRollback, deploySkill, listRollbackTargets, revertSkillRollback, rollbackSkill,
  type DeployError, type DeployResult,
} from '../../../../src/core/deploy';
import { DeployFixture, EventLog, expectResult, stepNames } from '../../../builders/deploy';
import { watchHealth } from '../../../builders/clientPlatform';

const HEALTH_OK = 'return {"status": "ok", "skill": NAME, "version": VERSION}';
/** Healthy for App Platform's own check (the first answer), 500 for everyone after: it breaks once live. */
const HEALTH_BREAKS_WHEN_LIVE = [
  'global HEALTH_CALLS',
  '    HEALTH_CALLS += 1',
  '    if HEALTH_CALLS > 1:',
  '        raise HTTPException(status_code=500, detail="broken once live")',
  `    ${HEALTH_OK}`,
].join('\n');

describe('rollback with a real FastAPI skill on the local App Platform', () => {
  let fx: DeployFixture;
  const d: Record<string, DeployResult> = {};
  const version = async (): Promise<string> => {
    const h = await fx.health(d.v1.liveUrl!);
    assert.equal(h.status, 200, `the live URL answers: ${h.status} ${h.text}`);
    return h.json.version;
  };

  before(async () => {
    fx = await DeployFixture.start({ realSkill: 'pr-review' });
  });
  after(async () => {
    await fx?.stop();
  });

  it('deploys version 0.1.0 (real build from the branch, real process)', async () => {
    d.v1 = await deploySkill({ ...fx.options(), skill: 'pr-review' });
    expectResult(d.v1, 'succeeded');
    assert.equal(d.v1.commit, await fx.skillRepo!.head());
    assert.equal(await version(), '0.1.0');
  });

  it('a version whose /health answers 500 once live: HEALTH_CHECK_FAIL → automatic rollback; the live URL serves 0.1.0 again', async () => {
    await fx.skillRepo!.change('main.py', (t) => t.replace(HEALTH_OK, HEALTH_BREAKS_WHEN_LIVE).replace('app = FastAPI(', 'HEALTH_CALLS = 0\napp = FastAPI('), 'health breaks once live');
    const broken = await fx.skillRepo!.setVersion('0.2.0');
    const log = new EventLog();
    const watcher = watchHealth(d.v1.liveUrl!, 40);
    const r = await deploySkill({ ...fx.options({ onEvent: log.listener, healthTimeoutMs: 1_500 }), skill: 'pr-review' });
    const served = await watcher.stop();
    expectResult(r, 'rolled-back', 'HEALTH_CHECK_FAIL');
    assert.equal(r.error!.step, 'health');
    assert.match(r.error!.message, /\/health answered 500 .*broken once live/);
    assert.equal(r.commit, broken, 'the broken version did go live');
    assert.equal(r.previousDeploymentId, d.v1.deploymentId);
    assert.deepEqual(stepNames(r), ['lock', 'prepare', 'validate', 'apply', 'create', 'monitor'].map((s) => `${s}:succeeded`).concat(['health:failed', 'record:succeeded']));
    const rb = r.rollback!;
    assert.equal(rb.status, 'succeeded', JSON.stringify(rb, null, 2));
    assert.equal(rb.toDeploymentId, d.v1.deploymentId);
    assert.equal(rb.commit, d.v1.commit, 'the rollback runs the old commit');
    assert.equal(rb.pinned, false);
    assert.deepEqual(rb.serving, { activeDeploymentId: rb.rollbackDeploymentId, healthy: true, status: 200 });
    // The rollback's steps were reported as events too.
    assert.deepEqual(log.of('step-finished').filter((e) => e.step.startsWith('rollback-')).map((e) => e.step), ['rollback-validate', 'rollback-create', 'rollback-monitor', 'rollback-commit', 'rollback-verify']);

    // The OLD version serves again, from a new deployment App Platform made for the rollback.
    assert.equal(await version(), '0.1.0');
    const app = await fx.app('pr-review');
    assert.equal(app.active_deployment.id, rb.rollbackDeploymentId);
    assert.equal(app.active_deployment.services[0].source_commit_hash, d.v1.commit);
    assert.equal(app.pinned_deployment, undefined, 'the rollback was committed');
    assert.equal((await fx.deployment(app.id, r.deploymentId!)).phase, 'SUPERSEDED');
    assert.ok(served.ok > 0);
    assert.ok(served.failures.every((f) => f.startsWith('500')), `only the broken version failed, never the URL: ${served.failures.join('; ')}`);

    // The incident, and what serves now, in the status file.
    const s = (await fx.statusFile()).skills['pr-review'] as Record<string, any>;
    assert.equal(s.incidents.length, 1);
    const inc = s.incidents[0];
    assert.deepEqual(
      { skill: 'pr-review', failed: inc.failedDeploymentId, cause: inc.cause.code, restored: inc.restoredDeploymentId, rollback: inc.rollbackDeploymentId, status: inc.rollback },
      { skill: 'pr-review', failed: r.deploymentId, cause: 'HEALTH_CHECK_FAIL', restored: d.v1.deploymentId, rollback: rb.rollbackDeploymentId, status: 'succeeded' },
    );
    assert.match(inc.cause.message, /answered 500/);
    assert.equal(s.lastDeployment.deploymentId, rb.rollbackDeploymentId);
    assert.equal(s.lastDeployment.commit, d.v1.commit);
    assert.equal(s.lastDeployAttempt.status, 'rolled-back');
    assert.deepEqual(await fx.inflight(), []);
  });

  it('manual rollback: the validation (with its warnings) comes first; a second call performs it, pinned; revert; commit', async () => {
    await fx.skillRepo!.change('main.py', (t) => t.replace(HEALTH_BREAKS_WHEN_LIVE, HEALTH_OK), 'health fixed');
    const v3commit = await fx.skillRepo!.setVersion('0.3.0');
    d.v3 = await deploySkill({ ...fx.options(), skill: 'pr-review' });
    expectResult(d.v3, 'succeeded');
    assert.equal(await version(), '0.3.0');

    const targets = await listRollbackTargets({ ...fx.options(), skill: 'pr-review' });
    assert.ok(targets.some((t) => t.id === d.v1.deploymentId && t.commit === d.v1.commit && t.phase === 'SUPERSEDED'), JSON.stringify(targets));

    // DigitalOcean warns about components that cannot be restored exactly; the local platform never has such specs,
    // so a proxy adds DigitalOcean's warning to the validation answer.
    const proxy = await fx.proxy();
    proxy.rule({
      match: (q) => q.method === 'POST' && q.path.endsWith('/rollback/validate'),
      rewrite: (v) => ({ ...v, warnings: [...v.warnings, { code: 'image_source_missing_digest', message: 'one or more components are missing an image digest and are not guaranteed rollback to the old version.', components: ['pr-review'] }] }),
    });
    const viaProxy = { ...fx.options({ client: fx.newClient(proxy.url) }), skill: 'pr-review' };
    const check = await checkSkillRollback({ ...viaProxy, deploymentId: d.v1.deploymentId! });
    assert.equal(check.valid, true);
    assert.deepEqual(check.warnings.map((w) => w.code), ['image_source_missing_digest']);
    assert.equal(check.target.id, d.v1.deploymentId);
    assert.equal(check.target.commit, d.v1.commit);
    assert.equal(check.active?.id, d.v3.deploymentId);

    const refused = await rollbackSkill({ ...viaProxy, deploymentId: d.v1.deploymentId! });
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.code, 'ROLLBACK_WARNINGS_NOT_ACCEPTED');
    assert.deepEqual(refused.validation?.warnings.map((w) => w.code), ['image_source_missing_digest']);
    assert.equal(await version(), '0.3.0', 'nothing changed');

    const rolled = await rollbackSkill({ ...viaProxy, deploymentId: d.v1.deploymentId!, acceptWarnings: true });
    assert.equal(rolled.status, 'succeeded', JSON.stringify(rolled, null, 2));
    assert.equal(rolled.pinned, true, 'a manual rollback stays pinned until commit or revert');
    assert.equal(await version(), '0.1.0');
    assert.equal((await fx.app('pr-review')).pinned_deployment.id, rolled.rollbackDeploymentId);
    assert.equal((await fx.statusFile()).skills['pr-review'].lastDeployment?.deploymentId, rolled.rollbackDeploymentId);

    // While pinned, App Platform refuses new deployments: DEPLOYMENT_CREATE_FAILED, and the rollback keeps serving.
    const blocked = await deploySkill({ ...fx.options(), skill: 'pr-review' });
    expectResult(blocked, 'failed', 'DEPLOYMENT_CREATE_FAILED');
    assert.match(blocked.error!.message, /pinned/);
    assert.equal(blocked.previousStillServing, true);
    assert.equal(blocked.previousDeploymentId, rolled.rollbackDeploymentId);

    // Revert: back to what ran before the rollback (0.3.0), unpinned.
    const reverted = await revertSkillRollback({ ...fx.options(), skill: 'pr-review' });
    assert.equal(reverted.status, 'succeeded', JSON.stringify(reverted, null, 2));
    assert.equal(reverted.pinned, false);
    assert.equal(reverted.commit, v3commit);
    assert.equal(await version(), '0.3.0');
    assert.equal((await fx.app('pr-review')).pinned_deployment, undefined);

    // Roll back again, then commit: 0.1.0 stays, unpinned; a deploy works again afterwards.
    const again = await rollbackSkill({ ...fx.options(), skill: 'pr-review', deploymentId: d.v1.deploymentId! });
    assert.equal(again.status, 'succeeded', JSON.stringify(again.error));
    assert.deepEqual(again.validation?.warnings, []);
    const committed = await commitSkillRollback({ ...fx.options(), skill: 'pr-review' });
    assert.equal(committed.status, 'succeeded');
    assert.equal(committed.pinned, false);
    assert.equal(await version(), '0.1.0');
    const nothingPinned = await commitSkillRollback({ ...fx.options(), skill: 'pr-review' });
    assert.equal(nothingPinned.error?.code, 'ROLLBACK_INVALID', 'committing twice: nothing is pinned');

    const invalid = await checkSkillRollback({ ...fx.options(), skill: 'pr-review', deploymentId: again.rollbackDeploymentId! });
    assert.equal(invalid.valid, false);
    assert.equal(invalid.error?.code, 'incompatible_phase', 'the active deployment is no rollback target');

    const redeployed = await deploySkill({ ...fx.options(), skill: 'pr-review' });
    expectResult(redeployed, 'succeeded');
    assert.equal(await version(), '0.3.0');
  });

  it('a deployment the app does not have: DEPLOYMENT_NOT_FOUND naming it and the app\'s deployments (not APP_NOT_FOUND)', async () => {
    const app = await fx.app('pr-review');
    const all: { id: string; phase: string }[] = await fx.deployments(app.id);
    assert.ok(all.length >= 5, `the earlier tests made the deployments listed: ${all.length}`);
    const options = { ...fx.options(), skill: 'pr-review' };
    const unknown = 'nope-0000';
    const where = `the app pr-review (${app.id}) on local`;
    const expectUnknown = (e: DeployError | DeployResult['error'], heading: string, listed: typeof all): void => {
      assert.equal(e?.code, 'DEPLOYMENT_NOT_FOUND', e?.message);
      assert.equal(e?.step, 'rollback-validate');
      const listing = listed.map((d) => `${d.id.slice(0, 8)} (${d.phase}, `);
      assert.ok(e.message.startsWith(`pr-review: ${heading} `), e.message);
      assert.ok(listing.every((l) => e.message.includes(l)), `each candidate by its short id and phase: ${e.message}`);
      assert.match(e.mitigation, /Roll Back Skill offers them/);
      const details = e.details as { heading: string; deploymentId: string; candidates: { id: string; phase: string }[] };
      assert.equal(details.heading, `pr-review: ${heading}`);
      assert.deepEqual(details.candidates.map((c) => [c.id, c.phase]), listed.map((d) => [d.id, d.phase]));
    };

    const listed = all.slice(0, 10);
    const which = listed.length < all.length ? 'its 10 newest deployments' : 'its deployments';
    const heading = `no deployment "${unknown}" in ${where}; ${which}:`;
    await assert.rejects(checkSkillRollback({ ...options, deploymentId: unknown }), (e: DeployError) => {
      expectUnknown(e, heading, listed);
      return true;
    });
    const refused = await rollbackSkill({ ...options, deploymentId: unknown, acceptWarnings: true });
    assert.equal(refused.status, 'failed');
    expectUnknown(refused.error, heading, listed);
    assert.deepEqual(refused.steps.map((s) => `${s.name}:${s.status}`), ['rollback-validate:failed']);

    // A unique prefix (any case) stands for its deployment.
    const superseded = all.find((d) => d.phase === 'SUPERSEDED')!;
    const byPrefix = await checkSkillRollback({ ...options, deploymentId: superseded.id.slice(0, 8).toUpperCase() });
    assert.equal(byPrefix.target.id, superseded.id);
    assert.equal(byPrefix.valid, true);
    assert.equal((await fx.app('pr-review')).active_deployment.id, app.active_deployment.id, 'nothing changed');
    assert.equal((await fx.app('pr-review')).pinned_deployment, undefined);
  });
});
