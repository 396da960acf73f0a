/**
 * The typed App Platform client (src/core/do) against a real local App Platform (src/platform) over real HTTP on
 * 127.0.0.1: every AppPlatformClient operation, the done rule (waitForDeployment), typed errors, retries of 429 and 5xx
 * injected by the platform's faults, and the rate-limit headers. Components are simulated (fault `simulate`) where a
 * real process is not the point; the logs and health tests deploy the real pr-review skill (FastAPI on
 * /usr/bin/python3) from a temporary git repository with a bare origin.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { RateLimitInfo } from '../../../../src/core/do/http';
import type { LogLine } from '../../../../src/core/do/logs';
import type { AppSpec, Deployment } from '../../../../src/core/do/schemas';
import { ClientPlatform, health, rejection, simulatedSpec, waitFor } from '../../../builders/clientPlatform';
import { platformProcesses, startTestPlatform, waitForDeployment as rawWaitForDeployment } from '../../../builders/platform';

describe('AppPlatformClient against the local App Platform', () => {
  let cp: ClientPlatform;
  const apps: Record<string, { appId: string; liveUrl: string; deployment: Deployment }> = {};

  before(async () => {
    cp = await ClientPlatform.start({ skill: 'pr-review', platform: { faults: { simulate: true } } });
  });
  after(async () => {
    await cp?.stop();
  });

  it('catalog: listInstanceSizes, getInstanceSize, listRegions', async () => {
    const sizes = await cp.client.listInstanceSizes();
    assert.ok(sizes.length >= 10, `${sizes.length} instance sizes`);
    const small = sizes.find((s) => s.slug === 'apps-s-1vcpu-0.5gb');
    assert.ok(small, 'apps-s-1vcpu-0.5gb is listed');
    assert.equal(small.memory_bytes, '536870912');
    const one = await cp.client.getInstanceSize('apps-s-1vcpu-0.5gb');
    assert.deepEqual(one, small);
    const missing = await rejection(cp.client.getInstanceSize('apps-x-nothing'), 'NOT_FOUND');
    assert.equal(missing.status, 404);
    assert.equal(missing.operation, 'apps_get_instanceSize');
    const regions = await cp.client.listRegions();
    assert.ok(regions.some((r) => r.slug === 'fra'), 'fra is a region');
    assert.ok(regions.every((r) => typeof r.slug === 'string' && typeof r.label === 'string'));
  });

  it('createApp, getApp, findAppByName, listApps following pages, listAppsPage', async () => {
    for (const name of ['cp-list-a', 'cp-list-b', 'cp-list-c']) apps[name] = await cp.createAndDeploy(simulatedSpec(name));
    const a = await cp.client.getApp(apps['cp-list-a'].appId);
    assert.equal(a.spec.name, 'cp-list-a');
    assert.equal(a.live_url, apps['cp-list-a'].liveUrl);
    assert.match(a.live_url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(a.active_deployment?.id, apps['cp-list-a'].deployment.id);
    assert.equal(a.region?.slug, 'fra');
    // The simulated component answers on the app's stable live URL.
    assert.equal((await health(apps['cp-list-a'].liveUrl)).deployment_id, apps['cp-list-a'].deployment.id);

    const p1 = await cp.client.listAppsPage({ per_page: 2 });
    assert.equal(p1.meta.total, 3);
    assert.deepEqual(p1.apps?.map((x) => x.spec.name), ['cp-list-a', 'cp-list-b']);
    assert.ok(p1.links?.pages?.next, 'page 1 of 2 links to the next page');
    const p2 = await cp.client.listAppsPage({ page: 2, per_page: 2 });
    assert.deepEqual(p2.apps?.map((x) => x.spec.name), ['cp-list-c']);
    assert.ok(p2.links?.pages?.prev && p2.links.pages.first);
    assert.equal(p2.links?.pages?.next, undefined);

    const listRequests = () => cp.logged(/^apps_list: GET \/v2\/apps -> 200/).length;
    const before = listRequests();
    const all = await cp.client.listApps({ per_page: 2 });
    assert.deepEqual(all.map((x) => x.spec.name), ['cp-list-a', 'cp-list-b', 'cp-list-c']);
    assert.equal(listRequests() - before, 2, 'listApps followed links.pages.next to page 2');
    assert.equal((await cp.client.listApps()).length, 3);

    assert.equal((await cp.client.findAppByName('cp-list-b'))?.id, apps['cp-list-b'].appId);
    assert.equal(await cp.client.findAppByName('cp-list-zzz'), undefined);
    const dup = await rejection(cp.client.createApp(simulatedSpec('cp-list-a')), 'CONFLICT');
    assert.equal(dup.status, 409);
  });

  it('proposeApp: a valid spec is priced; an invalid one is SPEC_VALIDATION_FAILED naming the field', async () => {
    const ok = await cp.client.proposeApp({ spec: simulatedSpec('cp-proposed') });
    assert.equal(ok.app_name_available, true);
    assert.equal(ok.app_cost, 5);
    assert.equal(ok.spec?.name, 'cp-proposed');
    const taken = await cp.client.proposeApp({ spec: simulatedSpec('cp-list-a') });
    assert.equal(taken.app_name_available, false);
    assert.equal(taken.app_name_suggestion, 'cp-list-a-2');
    assert.equal((await cp.client.proposeApp({ spec: simulatedSpec('cp-list-a'), app_id: apps['cp-list-a'].appId })).app_name_available, true);

    const cases: Array<[string, AppSpec, RegExp]> = [
      ['name', simulatedSpec('Bad_Name'), /field "name"/],
      ['region', simulatedSpec('cp-region', { region: 'mars' }), /field "region"/],
      ['unknown field', { ...simulatedSpec('cp-unknown'), colour: 'blue' }, /field "colour": unknown field/],
      ['http_port', simulatedSpec('cp-port', { services: [{ ...simulatedSpec('x').services![0], http_port: 70000 }] }), /field "services\[0\]\.http_port"/],
    ];
    for (const [what, spec, field] of cases) {
      const e = await rejection(cp.client.proposeApp({ spec }), 'SPEC_VALIDATION_FAILED');
      assert.equal(e.status, 400, what);
      assert.equal(e.id, 'bad_request', what);
      assert.equal(e.operation, 'apps_validate_appSpec');
      assert.match(e.message, field, `${what}: ${e.message}`);
      assert.match(e.requestId ?? '', /^[0-9a-f-]{36}$/, 'the request id of the answer');
    }
    // Valid for DigitalOcean, not runnable locally: 422, still a spec problem for the client.
    const unsupported = await rejection(
      cp.client.proposeApp({ spec: simulatedSpec('cp-static', { static_sites: [{ name: 'site', git: { repo_clone_url: '/x.git', branch: 'main' } }] }) }),
      'SPEC_VALIDATION_FAILED',
    );
    assert.equal(unsupported.status, 422);
    assert.match(unsupported.message, /static_sites are not supported/);
    await rejection(cp.client.createApp(simulatedSpec('Bad_Name')), 'SPEC_VALIDATION_FAILED');
    assert.equal((await cp.client.listApps()).length, 3, 'nothing was created');
  });

  it('updateApp deploys the new spec; alerts from the spec are listed by listAlerts', async () => {
    const { appId } = apps['cp-list-a'];
    const spec = simulatedSpec('cp-list-a', {
      envs: [{ key: 'GREETING', value: 'hello', scope: 'RUN_TIME' }],
      alerts: [{ rule: 'DEPLOYMENT_FAILED' }],
    });
    spec.services![0].alerts = [{ rule: 'CPU_UTILIZATION', operator: 'GREATER_THAN', value: 80, window: 'FIVE_MINUTES' }];
    const updated = await cp.client.updateApp(appId, spec);
    assert.deepEqual(updated.spec.envs, spec.envs);
    const dep = updated.pending_deployment;
    assert.ok(dep?.id, 'updateApp answers the deployment it started');
    assert.equal(dep.cause, 'app spec updated');
    const done = await cp.wait(appId, dep.id);
    assert.equal(done.phase, 'ACTIVE');
    assert.deepEqual(done.spec?.envs, spec.envs);
    assert.equal((await cp.client.getApp(appId)).active_deployment?.id, dep.id);

    const alerts = await cp.client.listAlerts(appId);
    assert.deepEqual(alerts.map((x) => x.spec?.rule).sort(), ['CPU_UTILIZATION', 'DEPLOYMENT_FAILED']);
    assert.equal(alerts.find((x) => x.spec?.rule === 'CPU_UTILIZATION')?.component_name, 'web');
    assert.deepEqual(await cp.client.listAlerts(apps['cp-list-b'].appId), []);

    await rejection(cp.client.updateApp(appId, simulatedSpec('Bad_Name')), 'SPEC_VALIDATION_FAILED');
    await rejection(cp.client.updateApp(appId, simulatedSpec('cp-list-b')), 'CONFLICT');
    await rejection(cp.client.updateApp(randomUUID(), spec), 'APP_NOT_FOUND');
  });

  it('createDeployment (force_build), getDeployment, listDeployments, listAllDeployments; the old one is SUPERSEDED', async () => {
    const { appId } = apps['cp-list-a'];
    const previous = (await cp.client.getApp(appId)).active_deployment!;
    const created = await cp.client.createDeployment(appId, { force_build: true });
    assert.equal(created.cause, 'manual (force build)');
    assert.equal((await cp.client.getDeployment(appId, created.id)).id, created.id);
    const done = await cp.wait(appId, created.id);
    assert.equal(done.phase, 'ACTIVE');
    assert.equal(done.progress?.success_steps, done.progress?.total_steps);
    assert.equal(done.progress?.error_steps, 0);
    assert.equal((await cp.client.getDeployment(appId, previous.id!)).phase, 'SUPERSEDED');

    const page = await cp.client.listDeployments(appId, { per_page: 1 });
    assert.equal(page.meta.total, 3, 'app created, spec updated, manual');
    assert.deepEqual(page.deployments?.map((d) => d.id), [created.id], 'newest first');
    assert.ok(page.links?.pages?.next);
    const all = await cp.client.listAllDeployments(appId, { per_page: 1 });
    assert.equal(all.length, 3);
    assert.equal(all[0].id, created.id);
    assert.equal(all[1].id, previous.id);
    assert.deepEqual(all.map((d) => d.phase), ['ACTIVE', 'SUPERSEDED', 'SUPERSEDED']);
    const sorted = [...all].sort((x, y) => (y.created_at ?? '').localeCompare(x.created_at ?? ''));
    assert.deepEqual(all.map((d) => d.id), sorted.map((d) => d.id));
    const missing = await rejection(cp.client.getDeployment(appId, randomUUID()), 'NOT_FOUND');
    assert.equal(missing.status, 404);
  });

  it('a failed deployment is readable through the client (nested SKIPPED steps); waitForDeployment says BUILD_FAILED', async () => {
    // The platform marks nested steps that never ran after a failure as SKIPPED (README: "Progress"); the client's
    // step-status enum must accept them, or every failed deployment is INVALID_RESPONSE.
    const { appId } = apps['cp-list-c'];
    await cp.patchFaults({ failBuilds: 1, buildMs: 300 });
    try {
      const dep = await cp.client.createDeployment(appId);
      const raw = await rawWaitForDeployment(cp.platform.api, appId, dep.id);
      assert.equal(raw.phase, 'ERROR');
      assert.ok(JSON.stringify(raw.progress).includes('"SKIPPED"'), 'the platform sends SKIPPED nested steps');
      const got = await cp.client.getDeployment(appId, dep.id);
      assert.equal(got.phase, 'ERROR');
      assert.ok((got.progress?.error_steps ?? 0) > 0);
      assert.ok((await cp.client.listAllDeployments(appId)).some((d) => d.id === dep.id));
      const e = await rejection(cp.wait(appId, dep.id), 'BUILD_FAILED');
      assert.equal(e.step?.path, 'build › components › web');
    } finally {
      await cp.setFaults({ simulate: true });
    }
  });

  it('cancelDeployment mid-build (slow build by fault): CANCELED, waitForDeployment throws DEPLOY_CANCELED', async () => {
    const { appId, liveUrl, deployment: active } = apps['cp-list-b'];
    await cp.patchFaults({ buildMs: 30_000 });
    const stopWaiting = new AbortController();
    let depId = '';
    try {
      const dep = await cp.client.createDeployment(appId);
      depId = dep.id;
      await waitFor('the deployment to build', async () => (await cp.client.getDeployment(appId, dep.id)).phase === 'BUILDING', 10_000, 25);
      const waiting = cp.wait(appId, dep.id, { signal: stopWaiting.signal });
      waiting.catch(() => undefined);
      const t0 = Date.now();
      const canceled = await cp.client.cancelDeployment(appId, dep.id);
      assert.equal(canceled.phase, 'CANCELED');
      assert.ok(Date.now() - t0 < 5_000, 'cancel does not wait for the 30 s build');
      assert.ok((canceled.progress?.error_steps ?? 0) > 0, 'doctl sees error_steps > 0');
      const e = await rejection(waiting, 'DEPLOY_CANCELED');
      assert.equal(e.deploymentId, dep.id);
      assert.equal(e.phase, 'CANCELED');
      const again = await rejection(cp.client.cancelDeployment(appId, dep.id), 'CONFLICT');
      assert.equal(again.status, 409);
      // The previous deployment still serves.
      assert.equal((await health(liveUrl)).deployment_id, active.id);
      assert.equal((await cp.client.getApp(appId)).active_deployment?.id, active.id);
    } finally {
      stopWaiting.abort();
      await cp.setFaults({ simulate: true });
      // Whatever failed above, leave no 30 s build running (raw HTTP: 409 when it already ended).
      if (depId) await cp.platform.api.request('POST', `/v2/apps/${appId}/deployments/${depId}/cancel`);
    }
  });

  it('rollback: validateRollback (valid and invalid codes), rollback pins, commitRollback unpins, revertRollback', async () => {
    const { appId, liveUrl, deployment: v1 } = await cp.createAndDeploy(simulatedSpec('cp-rollback'));
    const v2 = await cp.wait(appId, (await cp.client.createDeployment(appId)).id);
    assert.equal(v2.phase, 'ACTIVE');
    // A failed deployment, waited for over raw HTTP so that this test does not depend on the one above.
    await cp.patchFaults({ failBuilds: 1, buildMs: 200 });
    const failed = await cp.client.createDeployment(appId);
    assert.equal((await rawWaitForDeployment(cp.platform.api, appId, failed.id)).phase, 'ERROR');
    await cp.setFaults({ simulate: true });

    assert.deepEqual(await cp.client.validateRollback(appId, { deployment_id: v1.id }), { valid: true, warnings: [] });
    const active = await cp.client.validateRollback(appId, { deployment_id: v2.id });
    assert.equal(active.valid, false);
    assert.equal(active.error?.code, 'incompatible_phase');
    const bad = await cp.client.validateRollback(appId, { deployment_id: failed.id });
    assert.equal(bad.valid, false);
    assert.equal(bad.error?.code, 'incompatible_result');
    assert.equal(bad.error?.message, 'deployment result "failed" is unsuitable for rollback');
    const unknown = await rejection(cp.client.validateRollback(appId, { deployment_id: randomUUID() }));
    assert.equal(unknown.status, 404);
    // (Deferred: validateRollback throws this one synchronously, see the test "every operation answers a promise".)
    await rejection(Promise.resolve().then(() => cp.client.validateRollback(appId, { deployment_id: '' })), 'ROLLBACK_INVALID');
    await rejection(cp.client.rollback(appId, { deployment_id: '' }), 'ROLLBACK_INVALID');
    const refused = await rejection(cp.client.rollback(appId, { deployment_id: failed.id }), 'ROLLBACK_INVALID');
    assert.equal(refused.status, 400);
    assert.match(refused.message, /incompatible_result/);

    const rb = await cp.client.rollback(appId, { deployment_id: v1.id });
    assert.equal(rb.cloned_from, v1.id);
    assert.match(rb.cause ?? '', /rollback/);
    assert.equal((await cp.client.getApp(appId)).pinned_deployment?.id, rb.id);
    // While pinned: deployments and updates are refused with typed errors, validation says app_pinned.
    const blocked = await rejection(cp.client.createDeployment(appId), 'DEPLOYMENT_CREATE_FAILED');
    assert.equal(blocked.status, 409);
    assert.equal(blocked.id, 'conflict');
    assert.match(blocked.message, /pinned/);
    assert.equal(blocked.attempts, 1);
    await rejection(cp.client.updateApp(appId, simulatedSpec('cp-rollback')), 'CONFLICT');
    assert.equal((await cp.client.validateRollback(appId, { deployment_id: v2.id })).error?.code, 'app_pinned');

    const rolled = await cp.wait(appId, rb.id);
    assert.equal(rolled.phase, 'ACTIVE');
    assert.equal(rolled.services?.[0]?.source_commit_hash, v1.services?.[0]?.source_commit_hash, 'the commit of the chosen deployment');
    assert.equal((await health(liveUrl)).deployment_id, rb.id);
    const pinned = await cp.client.getApp(appId);
    assert.equal(pinned.pinned_deployment?.id, rb.id);
    assert.equal(pinned.active_deployment?.id, rb.id);

    assert.equal(await cp.client.commitRollback(appId), undefined);
    assert.equal((await cp.client.getApp(appId)).pinned_deployment, undefined);
    await rejection(cp.client.commitRollback(appId), 'CONFLICT');
    await rejection(cp.client.revertRollback(appId), 'CONFLICT');

    // Roll back again, then revert: a new deployment of what ran before the rollback, unpinned.
    const rb2 = await cp.client.rollback(appId, { deployment_id: v2.id });
    assert.equal((await cp.wait(appId, rb2.id)).phase, 'ACTIVE');
    assert.equal((await cp.client.getApp(appId)).pinned_deployment?.id, rb2.id);
    const reverted = await cp.client.revertRollback(appId);
    assert.equal(reverted.cloned_from, rb.id, 'cloned from the deployment active before the rollback');
    assert.equal((await cp.client.getApp(appId)).pinned_deployment, undefined);
    const revDone = await cp.wait(appId, reverted.id);
    assert.equal(revDone.services?.[0]?.source_commit_hash, v1.services?.[0]?.source_commit_hash);
    assert.equal((await health(liveUrl)).deployment_id, reverted.id);

    // skip_pin: rolled back without pinning; deployments are allowed at once.
    const free = await cp.client.rollback(appId, { deployment_id: v2.id, skip_pin: true });
    assert.equal((await cp.client.getApp(appId)).pinned_deployment, undefined);
    assert.equal((await cp.wait(appId, free.id)).phase, 'ACTIVE');
    assert.equal((await cp.wait(appId, (await cp.client.createDeployment(appId)).id)).phase, 'ACTIVE');
    apps['cp-rollback'] = { appId, liveUrl, deployment: v1 };
  });

  it('listDeployments filters by deployment_types (the OpenAPI query parameter the client sends)', async () => {
    const { appId, deployment: v1 } = await cp.createAndDeploy(simulatedSpec('cp-types'));
    const v2 = await cp.wait(appId, (await cp.client.createDeployment(appId)).id);
    const rb = await cp.wait(appId, (await cp.client.rollback(appId, { deployment_id: v1.id, skip_pin: true })).id);
    assert.equal((await cp.client.listAllDeployments(appId)).length, 3);
    const onlyRollbacks = await cp.client.listAllDeployments(appId, { deployment_types: ['MANUAL_ROLLBACK'] });
    assert.deepEqual(onlyRollbacks.map((d) => d.id), [rb.id], `MANUAL_ROLLBACK lists the rollback only (got causes: ${onlyRollbacks.map((d) => d.cause).join(', ')})`);
    const manual = await cp.client.listDeployments(appId, { deployment_types: ['MANUAL'], per_page: 200 });
    assert.ok(manual.deployments?.some((d) => d.id === v2.id), 'MANUAL lists the manual deployment');
    assert.ok(!manual.deployments?.some((d) => d.id === rb.id), 'MANUAL does not list the rollback');
    assert.equal(manual.meta.total, manual.deployments?.length, 'meta.total counts the filtered list');
    await cp.client.deleteApp(appId);
  });

  it('every operation answers a promise: a missing deployment_id rejects, it does not throw synchronously', async () => {
    const { appId } = apps['cp-list-a'];
    const call = (f: () => Promise<unknown>): Promise<unknown> | string => {
      try {
        return f();
      } catch (e) {
        return `threw synchronously: ${(e as Error).message}`;
      }
    };
    for (const [name, f] of [
      ['rollback', () => cp.client.rollback(appId, { deployment_id: '' })],
      ['validateRollback', () => cp.client.validateRollback(appId, { deployment_id: '' })],
    ] as const) {
      const r = call(f);
      assert.ok(r instanceof Promise, `${name}: ${String(r)}`);
      await rejection(r, 'ROLLBACK_INVALID');
    }
  });

  it('a real skill: getLogs (BUILD/DEPLOY/RUN, aggregate and per component), fetchHistoricLogs, followLiveLogs, getAppHealth', async () => {
    await cp.setFaults({});
    try {
      const spec = await cp.repo!.spec();
      const { appId, liveUrl, deployment } = await cp.createAndDeploy(spec);
      apps['pr-review'] = { appId, liveUrl, deployment };
      assert.deepEqual(await health(liveUrl), { status: 'ok', skill: 'pr-review', version: '0.1.0' });
      assert.equal(deployment.services?.[0]?.source_commit_hash, await cp.repo!.head());

      const text = async (o: Parameters<typeof cp.client.getLogs>[1]): Promise<string> => {
        const logs = await cp.client.getLogs(appId, o);
        assert.equal(logs.historic_urls.length, 1);
        assert.match(logs.live_url ?? '', /^ws:\/\/127\.0\.0\.1:\d+\//);
        // Pre-signed: the client sends no bearer token there.
        return (await cp.client.fetchHistoricLogs(logs.historic_urls)).join('');
      };
      const build = await text({ type: 'BUILD' });
      assert.match(build, /^pr-review \S+ checked out commit [0-9a-f]{40}$/m);
      assert.match(build, /^pr-review \S+ build complete$/m);
      const deploy = await text({ type: 'DEPLOY', deploymentId: deployment.id });
      assert.match(deploy, /health check passed/);
      assert.match(deploy, /receiving traffic at http:\/\/127\.0\.0\.1:\d+/);
      const run = await text({ type: 'RUN', component: 'pr-review' });
      assert.match(run, /^pr-review \S+ .*Application startup complete/m);
      const runOfDeployment = await text({ type: 'RUN', deploymentId: deployment.id, component: 'pr-review' });
      assert.match(runOfDeployment, /Uvicorn running on http:\/\/127\.0\.0\.1:\d+/);
      await rejection(cp.client.getLogs(appId, { type: 'RUN', component: 'nope' }), 'NOT_FOUND');

      // Live, not following: the log so far, then the server closes the socket and the stream ends.
      const buildLive = await cp.client.getLogs(appId, { type: 'BUILD', deploymentId: deployment.id });
      const lines: LogLine[] = [];
      for await (const line of cp.client.followLiveLogs(buildLive.live_url!, { signal: AbortSignal.timeout(15_000) })) lines.push(line);
      assert.ok(lines.length > 0);
      assert.ok(lines.every((l) => l.component === 'pr-review' && /^\d{4}-\d{2}-\d{2}T/.test(l.time ?? '')), JSON.stringify(lines.slice(0, 3)));
      assert.ok(lines.some((l) => /^checked out commit [0-9a-f]{40}$/.test(l.line)));

      // Live, following RUN: a request to the app shows up as uvicorn's access log line.
      const runLive = await cp.client.getLogs(appId, { type: 'RUN', component: 'pr-review', follow: true });
      const marker = `probe-${randomBytes(6).toString('hex')}`;
      let opened!: () => void;
      const open = new Promise<void>((r) => (opened = r));
      const stream = cp.client.followLiveLogs(runLive.live_url!, { signal: AbortSignal.timeout(20_000), onOpen: () => opened() });
      await open;
      assert.equal((await fetch(`${liveUrl}/health?${marker}`)).status, 200);
      let seen: LogLine | undefined;
      for await (const line of stream) {
        if (line.line.includes(marker)) {
          seen = line;
          break;
        }
      }
      assert.ok(seen, 'the access log line arrived over the websocket');
      assert.equal(seen.component, 'pr-review');
      await stream.done;

      const h = await cp.client.getAppHealth(appId);
      assert.equal(h.components?.[0]?.name, 'pr-review');
      assert.equal(h.components?.[0]?.state, 'HEALTHY');
      assert.equal(h.components?.[0]?.replicas_ready, 1);
      assert.ok((h.components?.[0]?.memory_usage_percent ?? 0) > 0, 'memory usage of the real process');
      assert.deepEqual(await cp.client.listAlerts(appId), []);
    } finally {
      await cp.setFaults({ simulate: true });
    }
  });

  it('deleteApp answers {id}, stops the processes; the app is gone', async () => {
    const { appId, liveUrl } = apps['pr-review'];
    assert.ok(platformProcesses(cp.platform.dataDir).length > 0, 'the real skill runs');
    assert.deepEqual(await cp.client.deleteApp(appId), { id: appId });
    assert.deepEqual(platformProcesses(cp.platform.dataDir), []);
    await assert.rejects(fetch(`${liveUrl}/health`), 'the live URL is closed');
    await rejection(cp.client.getApp(appId), 'APP_NOT_FOUND');
    await rejection(cp.client.deleteApp(appId), 'APP_NOT_FOUND');
    assert.equal(await cp.client.findAppByName('pr-review'), undefined);
  });

  it('a wrong or missing token is UNAUTHORIZED, and no token appears in the serialized error', async () => {
    for (const wrong of [`dop_v1_${randomBytes(32).toString('hex')}`, `wrong-${randomBytes(12).toString('hex')}`, undefined]) {
      const c = cp.newClient({ token: wrong });
      const e = await rejection(c.getApp(apps['cp-list-a'].appId), 'UNAUTHORIZED');
      assert.equal(e.status, 401);
      assert.equal(e.id, 'unauthorized');
      assert.equal(e.attempts, 1, '401 is not retried');
      assert.match(e.mitigation, /token/);
      const serialized = [JSON.stringify(e), inspect(e, { depth: 10 }), String(e), e.stack ?? '', JSON.stringify(e.toJSON())].join('\n');
      if (wrong) assert.ok(!serialized.includes(wrong), `the wrong token leaked: ${serialized.slice(0, 400)}`);
      assert.ok(!serialized.includes(cp.token), 'the platform token leaked');
      await rejection(c.listApps(), 'UNAUTHORIZED');
    }
  });

  it('unknown apps are APP_NOT_FOUND for every app-scoped operation', async () => {
    const id = randomUUID();
    const ops: Array<[string, () => Promise<unknown>]> = [
      ['getApp', () => cp.client.getApp(id)],
      ['updateApp', () => cp.client.updateApp(id, simulatedSpec('cp-nothing'))],
      ['deleteApp', () => cp.client.deleteApp(id)],
      ['createDeployment', () => cp.client.createDeployment(id)],
      ['listDeployments', () => cp.client.listDeployments(id)],
      ['getAppHealth', () => cp.client.getAppHealth(id)],
      ['listAlerts', () => cp.client.listAlerts(id)],
      ['rollback', () => cp.client.rollback(id, { deployment_id: randomUUID() })],
      ['commitRollback', () => cp.client.commitRollback(id)],
      ['revertRollback', () => cp.client.revertRollback(id)],
    ];
    for (const [name, op] of ops) {
      const e = await rejection(op());
      assert.equal(e.code, 'APP_NOT_FOUND', `${name}: ${e.code} ${e.message}`);
      assert.equal(e.status, 404, name);
      assert.equal(e.id, 'not_found', name);
    }
  });

  it('a 429 burst (fault): the client waits retry-after and succeeds; POSTs too; exhausted retries are RATE_LIMIT_EXCEEDED', async () => {
    const { appId } = apps['cp-list-a'];
    const seen: RateLimitInfo[] = [];
    const unsubscribe = cp.client.onRateLimit((info) => seen.push(info));
    try {
      const rateLimited = () => cp.logged(/rate limited \(429\)/).length;
      const before = rateLimited();
      await cp.patchFaults({ tooManyRequests: { count: 2, retryAfterSeconds: 1 } });
      const t0 = Date.now();
      const app = await cp.client.getApp(appId);
      const took = Date.now() - t0;
      assert.equal(app.id, appId);
      assert.equal(rateLimited() - before, 2, 'two 429s, each retried');
      assert.ok(took >= 1_900, `waited retry-after (1 s) twice: ${took} ms`);
      assert.ok(took < 6_000, `no more than that: ${took} ms`);
      assert.ok(seen.some((i) => i.remaining === 0), 'the 429 answers said ratelimit-remaining: 0');
      assert.ok((cp.client.rateLimit?.remaining ?? 0) > 0, 'the last (successful) answer is what rateLimit shows');
      assert.equal((await cp.faults()).tooManyRequests?.count, 0);

      // A 429 means "not processed": even a POST that creates something is retried.
      await cp.patchFaults({ tooManyRequests: { count: 1, retryAfterSeconds: 1 } });
      const total = (await cp.client.listDeployments(appId)).meta.total;
      const dep = await cp.client.createDeployment(appId);
      assert.equal((await cp.client.listDeployments(appId)).meta.total, total + 1, 'exactly one deployment was created');
      await cp.wait(appId, dep.id);

      const impatient = cp.newClient({ retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 } });
      await cp.patchFaults({ tooManyRequests: { count: 2, retryAfterSeconds: 1 } });
      const e = await rejection(impatient.getApp(appId), 'RATE_LIMIT_EXCEEDED');
      assert.equal(e.status, 429);
      assert.equal(e.attempts, 2);
      assert.equal(e.retryable, true);
      assert.equal(e.id, 'too_many_requests');
    } finally {
      unsubscribe();
      await cp.setFaults({ simulate: true });
    }
  });

  it('5xx (fault): GETs and idempotent POSTs are retried; creating POSTs are not', async () => {
    const { appId } = apps['cp-list-a'];
    const retries = () => cp.logged(/-> 50\d; retry/).length;
    try {
      let before = retries();
      await cp.patchFaults({ serverErrors: { count: 2, status: 503 } });
      assert.equal((await cp.client.getApp(appId)).id, appId);
      assert.equal(retries() - before, 2, 'GET retried twice after 503');

      before = retries();
      await cp.patchFaults({ serverErrors: { count: 1, status: 502 } });
      assert.equal((await cp.client.proposeApp({ spec: simulatedSpec('cp-proposed') })).app_name_available, true);
      assert.equal(retries() - before, 1, 'propose (changes nothing) is retried');

      const total = (await cp.client.listDeployments(appId)).meta.total;
      await cp.patchFaults({ serverErrors: { count: 1, status: 500 } });
      const e = await rejection(cp.client.createDeployment(appId), 'DEPLOYMENT_CREATE_FAILED');
      assert.equal(e.status, 500);
      assert.equal(e.id, 'server_error');
      assert.equal(e.attempts, 1, 'POST deployments is never retried after a 5xx');
      assert.equal((await cp.client.listDeployments(appId)).meta.total, total);

      const apps0 = (await cp.client.listApps()).length;
      await cp.patchFaults({ serverErrors: { count: 1, status: 503 } });
      const c = await rejection(cp.client.createApp(simulatedSpec('cp-five-hundred')), 'SERVER_ERROR');
      assert.equal(c.attempts, 1);
      assert.equal((await cp.client.listApps()).length, apps0);

      // More 5xx than attempts: SERVER_ERROR after maxAttempts (5).
      await cp.patchFaults({ serverErrors: { count: 5, status: 503 } });
      const g = await rejection(cp.client.getApp(appId), 'SERVER_ERROR');
      assert.equal(g.attempts, 5);
      assert.equal(g.retryable, true);
      assert.equal((await cp.faults()).serverErrors?.count, 0);
    } finally {
      await cp.setFaults({ simulate: true });
    }
  });

  it('client.rateLimit reflects the platform\'s ratelimit-* headers', async () => {
    const c = cp.newClient();
    assert.equal(c.rateLimit, undefined);
    await c.listRegions();
    const first = c.rateLimit!;
    assert.equal(first.limit, 1_000_000, 'startTestPlatform sets 1 000 000 per hour');
    assert.ok(first.remaining! < first.limit);
    const hourFromNow = Date.now() / 1000 + 3600;
    assert.ok(Math.abs(first.reset! - hourFromNow) <= 3600, `reset ${first.reset} is within the hour`);
    await c.getApp(apps['cp-list-a'].appId);
    assert.equal(c.rateLimit!.remaining, first.remaining! - 1, 'one more request counted');
    const raw = await fetch(`${cp.url}/v2/apps/regions`, { headers: { authorization: `Bearer ${cp.token}` } });
    await raw.arrayBuffer();
    assert.equal(Number(raw.headers.get('ratelimit-remaining')), c.rateLimit!.remaining - 1, 'the same counter as the platform\'s headers');
    assert.equal(Number(raw.headers.get('ratelimit-reset')), c.rateLimit!.reset);

    // A platform with a tiny hourly limit: remaining counts down to 0, then its own 429 (retry-after ≈ 1 h) is not
    // waited for longer than maxRateLimitWaitMs.
    const small = await startTestPlatform({ rateLimit: { perHour: 3, perMinute: 100 }, faults: { simulate: true } });
    const sc = cp.newClient({ baseUrl: small.url, token: small.token, retry: { maxAttempts: 2, maxRateLimitWaitMs: 50 } });
    try {
      const remaining: Array<number | undefined> = [];
      for (let i = 0; i < 3; i++) {
        await sc.listRegions();
        remaining.push(sc.rateLimit?.remaining);
      }
      assert.deepEqual(remaining, [2, 1, 0]);
      assert.equal(sc.rateLimit?.limit, 3);
      const t0 = Date.now();
      const e = await rejection(sc.listRegions(), 'RATE_LIMIT_EXCEEDED');
      assert.ok(Date.now() - t0 < 2_000, 'the hour-long retry-after was capped');
      assert.equal(e.attempts, 2);
      assert.equal(sc.rateLimit?.remaining, 0);
    } finally {
      await sc.close();
      await small.stop();
      const { rm } = await import('node:fs/promises');
      await rm(small.dataDir, { recursive: true, force: true });
    }
  });
});
