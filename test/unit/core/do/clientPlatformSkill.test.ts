/**
 * A real skill through the typed client: skills/pr-review and infra/pr-review.yaml in a temporary git repository (its
 * `github` source mapped to the bare origin via the platform's `repos` option), built and run by the local App Platform
 * (FastAPI on /usr/bin/python3), deployed, health-checked, redeployed from a pushed commit, rolled back and committed,
 * and a failing build that leaves the previous deployment serving, all through AppPlatformClient + waitForDeployment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppPlatformError } from '../../../../src/core/do/errors';
import type { Deployment } from '../../../../src/core/do/schemas';
import { ClientPlatform, health, rejection, watchHealth } from '../../../builders/clientPlatform';

describe('AppPlatformClient deploys a real skill to the local App Platform', () => {
  let cp: ClientPlatform;
  let spec: any;
  let appId = '';
  let liveUrl = '';
  const deployments: Record<string, Deployment> = {};

  before(async () => {
    cp = await ClientPlatform.start({ skill: 'pr-review' });
    spec = await cp.repo!.spec();
  });
  after(async () => {
    await cp?.stop();
  });

  it('createApp starts the first deployment; waitForDeployment → ACTIVE with success_steps == total_steps; /health answers', async () => {
    // As on DigitalOcean, creating the app deploys it: the client waits for that deployment (createDeployment is used
    // for the pushed commit below).
    const app = await cp.client.createApp(spec);
    appId = app.id;
    liveUrl = app.live_url ?? '';
    assert.match(liveUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const first = app.pending_deployment;
    assert.ok(first?.id);
    assert.equal(first.cause, 'app created');
    const phases: string[] = [];
    const dep = await cp.wait(appId, first.id, {
      onProgress: (d, lines) => {
        if (phases[phases.length - 1] !== d.phase) phases.push(d.phase ?? 'UNKNOWN');
        assert.match(lines[0], /^[A-Z_]+: \d+\/\d+ steps succeeded/);
      },
    });
    assert.equal(dep.phase, 'ACTIVE', phases.join(' → '));
    assert.equal(dep.progress?.total_steps, 6);
    assert.equal(dep.progress?.success_steps, dep.progress?.total_steps);
    assert.equal(dep.progress?.error_steps, 0);
    assert.ok(phases.length >= 2, `phases seen while polling: ${phases.join(' → ')}`);
    assert.equal(dep.services?.[0]?.name, 'pr-review');
    assert.equal(dep.services?.[0]?.source_commit_hash, await cp.repo!.head());
    assert.deepEqual(await health(liveUrl), { status: 'ok', skill: 'pr-review', version: '0.1.0' });
    const got = await cp.client.getApp(appId);
    assert.equal(got.active_deployment?.id, dep.id);
    assert.equal(got.in_progress_deployment, undefined);
    deployments.v1 = dep;
  });

  it('a pushed commit → createDeployment → ACTIVE; the previous one is SUPERSEDED; the live URL serves the new version without a gap', async () => {
    const commit = await cp.repo!.setVersion('0.2.0');
    assert.equal(commit, await cp.repo!.head(), 'pushed to the origin');
    const watcher = watchHealth(liveUrl, 30);
    let dep: Deployment;
    try {
      const started = await cp.client.createDeployment(appId);
      assert.equal(started.cause, 'manual');
      dep = await cp.wait(appId, started.id);
    } finally {
      await watcher.stop();
    }
    const served = await watcher.stop();
    assert.equal(dep.phase, 'ACTIVE');
    assert.equal(dep.progress?.success_steps, dep.progress?.total_steps);
    assert.equal(dep.services?.[0]?.source_commit_hash, commit);
    assert.equal((await health(liveUrl)).version, '0.2.0');
    assert.equal((await cp.client.getDeployment(appId, deployments.v1.id)).phase, 'SUPERSEDED');
    assert.deepEqual(served.failures, [], 'the live URL answered 200 all along (blue-green)');
    assert.ok(served.ok > 0);
    const all = await cp.client.listAllDeployments(appId);
    assert.deepEqual(all.map((d) => d.id), [dep.id, deployments.v1.id]);
    deployments.v2 = dep;
  });

  it('rollback to the first deployment: validate → rollback (pinned) → ACTIVE serving 0.1.0 → commitRollback (unpinned)', async () => {
    const v = await cp.client.validateRollback(appId, { deployment_id: deployments.v1.id });
    assert.deepEqual(v, { valid: true, warnings: [] });
    const rb = await cp.client.rollback(appId, { deployment_id: deployments.v1.id });
    assert.equal(rb.cloned_from, deployments.v1.id);
    assert.equal((await cp.client.getApp(appId)).pinned_deployment?.id, rb.id);
    const done = await cp.wait(appId, rb.id);
    assert.equal(done.phase, 'ACTIVE');
    assert.equal(done.services?.[0]?.source_commit_hash, deployments.v1.services?.[0]?.source_commit_hash, 'built from the first deployment\'s commit');
    assert.notEqual(done.services?.[0]?.source_commit_hash, await cp.repo!.head(), 'not the branch head');
    const pinned = await cp.client.getApp(appId);
    assert.equal(pinned.pinned_deployment?.id, rb.id);
    assert.equal(pinned.active_deployment?.id, rb.id);
    assert.equal((await health(liveUrl)).version, '0.1.0');
    assert.equal((await cp.client.getDeployment(appId, deployments.v2.id)).phase, 'SUPERSEDED');
    const blocked = await rejection(cp.client.createDeployment(appId), 'DEPLOYMENT_CREATE_FAILED');
    assert.equal(blocked.status, 409);

    await cp.client.commitRollback(appId);
    const unpinned = await cp.client.getApp(appId);
    assert.equal(unpinned.pinned_deployment, undefined);
    assert.equal(unpinned.active_deployment?.id, rb.id);
    assert.equal((await health(liveUrl)).version, '0.1.0');
    deployments.rb = done;
  });

  it('a failing build (build_command `exit 1`): waitForDeployment throws BUILD_FAILED naming the step; the previous deployment serves during and after', async () => {
    const broken = { ...spec, services: [{ ...spec.services[0], build_command: 'echo "compiling"; echo "error: broken build" >&2; exit 1' }] };
    const watcher = watchHealth(liveUrl, 30);
    let depId: string | undefined;
    let e: AppPlatformError;
    try {
      const app = await cp.client.updateApp(appId, broken);
      depId = app.pending_deployment?.id;
      assert.ok(depId);
      e = await rejection(cp.wait(appId, depId), 'BUILD_FAILED');
    } finally {
      await watcher.stop();
    }
    const served = await watcher.stop();
    assert.equal(e.deploymentId, depId);
    assert.equal(e.phase, 'ERROR');
    assert.equal(e.step?.path, 'build › components › pr-review');
    assert.equal(e.step?.name, 'pr-review');
    assert.equal(e.step?.componentName, 'pr-review');
    assert.match(e.step?.reason ?? '', /^BuildJobExitNonZero: .*non-zero exit code \(1\)/);
    assert.match(e.message, /failed to build in step build › components › pr-review/);
    assert.deepEqual(served.failures, [], 'the live URL answered 200 while the build failed');
    assert.ok(served.ok > 0);
    assert.equal((await health(liveUrl)).version, '0.1.0');
    assert.equal((await cp.client.getApp(appId)).active_deployment?.id, deployments.rb.id);
    const logs = await cp.client.getLogs(appId, { type: 'BUILD', deploymentId: depId });
    const text = (await cp.client.fetchHistoricLogs(logs.historic_urls)).join('');
    assert.match(text, /^pr-review \S+ error: broken build$/m);
  });
});
