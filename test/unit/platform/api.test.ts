/**
 * The local App Platform's HTTP API against DigitalOcean's contract: auth, errors, pagination, propose, catalog,
 * alerts, rollback validation codes, queueing and cancel, and fault injection. Components are simulated (fault
 * `simulate`: no real processes), so this suite is fast; every response is validated against the OpenAPI schemas.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { assertCounters, get, startTestPlatform, waitFor, waitForDeployment, type TestPlatform, validatedResponses } from '../../builders/platform';

const gitSource = { repo_clone_url: '/nonexistent/simulated.git', branch: 'main' };

function specNamed(name: string, extra: Record<string, unknown> = {}): any {
  return {
    name,
    region: 'fra',
    services: [
      {
        name: 'web',
        git: gitSource,
        run_command: 'uvicorn main:app --port $PORT',
        http_port: 8080,
        instance_size_slug: 'apps-s-1vcpu-0.5gb',
        health_check: { http_path: '/health' },
      },
    ],
    ...extra,
  };
}

after(() => console.log(`${validatedResponses()} API responses validated against DigitalOcean's OpenAPI schemas`));

describe('local App Platform: API contract (simulated components)', () => {
  let p: TestPlatform;

  const createApp = async (spec: any): Promise<{ app: any; deployment: any }> => {
    const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec });
    const deployment = await waitForDeployment(p.api, app.id, app.pending_deployment.id);
    return { app, deployment };
  };

  before(async () => {
    p = await startTestPlatform({ faults: { simulate: true }, revisionLimit: 2 });
  });
  after(async () => {
    await p?.stop();
    if (p) await fs.rm(p.dataDir, { recursive: true, force: true });
  });

  it('requires the bearer token: 401 unauthorized in DigitalOcean\'s shape', async () => {
    for (const token of [null, 'wrong-token']) {
      const r = await p.api.request('GET', '/v2/apps', undefined, { token });
      assert.equal(r.status, 401);
      assert.equal(r.body.id, 'unauthorized');
      assert.equal(r.body.message, 'Unable to authenticate you.');
      assert.equal(r.body.request_id, r.headers.get('x-request-id'));
    }
    const admin = await fetch(`${p.url}/_local/faults`);
    assert.equal(admin.status, 401);
  });

  it('answers 404 not_found for unknown apps, deployments and paths; 400 for unparsable bodies', async () => {
    const r = await p.api.request('GET', '/v2/apps/3c6d1e5a-0000-4000-8000-000000000000');
    assert.equal(r.status, 404);
    assert.deepEqual(Object.keys(r.body).sort(), ['id', 'message', 'request_id']);
    assert.equal(r.body.id, 'not_found');
    const unknownPath = await fetch(`${p.url}/v2/nothing-here`, { headers: { authorization: `Bearer ${p.token}` } });
    assert.equal(unknownPath.status, 404);
    assert.equal((await unknownPath.json()).id, 'not_found');
    const bad = await p.api.request('POST', '/v2/apps', undefined, { rawBody: '{"spec": ' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.id, 'bad_request');
    const wrongType = await p.api.request('POST', '/v2/apps/propose', { spec: specNamed('x-y'), app_id: 42 });
    assert.equal(wrongType.status, 422);
    assert.equal(wrongType.body.id, 'unprocessable_entity');
  });

  it('propose validates the spec the way App Platform does', async () => {
    const ok = await p.api.expect(200, 'POST', '/v2/apps/propose', { spec: specNamed('proposed') });
    assert.equal(ok.app_name_available, true);
    assert.equal(ok.app_cost, 5);
    assert.equal(ok.spec.name, 'proposed');
    const cases: Array<[string, any, RegExp]> = [
      ['bad name', specNamed('Bad_Name'), /name/],
      ['name too long', specNamed('a'.repeat(33)), /name/],
      ['duplicate components', specNamed('dups', { workers: [{ name: 'web', git: gitSource, run_command: 'x' }] }), /unique/],
      ['http_port range', specNamed('port', { services: [{ name: 'web', git: gitSource, run_command: 'x', http_port: 70000 }] }), /http_port/],
      ['no source', specNamed('nosrc', { services: [{ name: 'web', run_command: 'x' }] }), /source is required/],
      ['two sources', specNamed('twosrc', { services: [{ name: 'web', git: gitSource, github: { repo: 'a/b', branch: 'main' }, run_command: 'x' }] }), /only one source/],
      ['unknown field', specNamed('unknown', { colour: 'blue' }), /unknown field/],
      ['bad env key', specNamed('envs', { envs: [{ key: '1BAD', value: 'x' }] }), /key/],
      ['bad region', specNamed('region', { region: 'mars' }), /region/],
      ['no components', { name: 'empty' }, /at least one/],
      ['ingress to nowhere', specNamed('ingress', { ingress: { rules: [{ match: { path: { prefix: '/' } }, component: { name: 'nope' } }] } }), /unknown component/],
    ];
    for (const [what, spec, message] of cases) {
      const r = await p.api.request('POST', '/v2/apps/propose', { spec });
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.equal(r.body.id, 'bad_request');
      assert.match(r.body.message, message, what);
    }
    const unsupported = await p.api.request('POST', '/v2/apps/propose', { spec: specNamed('static', { static_sites: [{ name: 'site', git: gitSource }] }) });
    assert.equal(unsupported.status, 422);
    assert.match(unsupported.body.message, /not supported by the local App Platform/);
    assert.equal((await p.api.request('POST', '/v2/apps', { spec: specNamed('Bad_Name') })).status, 400);
  });

  it('creates an app; the name must be unique; GET by id or name; DELETE answers 200 {id}', async () => {
    const { app, deployment } = await createApp(specNamed('unique-app'));
    assert.equal(deployment.phase, 'ACTIVE');
    assert.equal(deployment.progress.success_steps, deployment.progress.total_steps);
    const dup = await p.api.request('POST', '/v2/apps', { spec: specNamed('unique-app') });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.id, 'conflict');
    const taken = await p.api.expect(200, 'POST', '/v2/apps/propose', { spec: specNamed('unique-app') });
    assert.equal(taken.app_name_available, false);
    assert.equal(taken.app_name_suggestion, 'unique-app-2');
    assert.equal((await p.api.expect(200, 'POST', '/v2/apps/propose', { spec: specNamed('unique-app'), app_id: app.id })).app_name_available, true);
    assert.equal((await p.api.expect(200, 'GET', `/v2/apps/${app.id}`)).app.id, app.id);
    assert.equal((await p.api.expect(200, 'GET', `/v2/apps/unique-app`)).app.id, app.id);
    assert.equal((await p.api.expect(200, 'GET', `/v2/apps/anything?name=unique-app`)).app.id, app.id);
    // The simulated component answers on the app's live URL.
    const served = await get(`${app.live_url}/hello?x=1`);
    assert.equal(served.status, 200);
    assert.equal(served.json.deployment_id, deployment.id);
    assert.equal(served.json.path, '/hello?x=1');
    assert.deepEqual(await p.api.expect(200, 'DELETE', `/v2/apps/${app.id}`), { id: app.id });
    assert.equal((await p.api.request('DELETE', `/v2/apps/${app.id}`)).status, 404);
  });

  it('runs workers next to services; one data folder serves one platform at a time', async () => {
    const { app, deployment } = await createApp(specNamed('with-worker', { workers: [{ name: 'queue', git: gitSource, run_command: 'python3 worker.py' }] }));
    assert.equal(deployment.phase, 'ACTIVE');
    assert.equal(deployment.progress.total_steps, 9);
    assert.match(deployment.workers[0].source_commit_hash, /^[0-9a-f]{40}$/);
    assert.equal(deployment.workers[0].name, 'queue');
    const { app_health } = await p.api.expect(200, 'GET', `/v2/apps/${app.id}/health`);
    assert.deepEqual(app_health.components.map((c: any) => c.name), ['web', 'queue']);
    await assert.rejects(startTestPlatform({ dataDir: p.dataDir }), /in use by another local App Platform/);
    assert.equal((await p.api.request('GET', `/v2/apps/${app.id}`)).status, 200, 'the running platform is unaffected');
  });

  it('paginates apps: page/per_page 1–200, links.pages, meta.total', async () => {
    const before = (await p.api.expect(200, 'GET', '/v2/apps')).meta.total;
    for (let i = 0; i < 5; i++) await p.api.expect(200, 'POST', '/v2/apps', { spec: specNamed(`page-app-${i}`) });
    const total = before + 5;
    const first = await p.api.expect(200, 'GET', '/v2/apps?per_page=2');
    assert.equal(first.meta.total, total);
    assert.equal(first.apps.length, 2);
    assert.equal(first.links.pages.first, undefined);
    assert.match(first.links.pages.next, /page=2&per_page=2$/);
    assert.match(first.links.pages.last, new RegExp(`page=${Math.ceil(total / 2)}&per_page=2$`));
    const last = await p.api.expect(200, 'GET', `/v2/apps?page=${Math.ceil(total / 2)}&per_page=2`);
    assert.equal(last.links.pages.next, undefined);
    assert.match(last.links.pages.prev, /page=\d+&per_page=2$/);
    const seen = new Set<string>();
    for (let page = 1; page <= Math.ceil(total / 2); page++) {
      for (const a of (await p.api.expect(200, 'GET', `/v2/apps?page=${page}&per_page=2`)).apps) seen.add(a.id);
    }
    assert.equal(seen.size, total);
    assert.deepEqual((await p.api.expect(200, 'GET', `/v2/apps?page=99&per_page=200`)).apps, []);
    for (const q of ['per_page=0', 'per_page=201', 'page=0', 'page=x']) {
      const r = await p.api.request('GET', `/v2/apps?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.id, 'bad_request');
    }
    assert.equal((await p.api.expect(200, 'GET', '/v2/apps?per_page=200')).apps.length, total);
  });

  it('lists and gets instance sizes; lists regions', async () => {
    const { instance_sizes } = await p.api.expect(200, 'GET', '/v2/apps/tiers/instance_sizes');
    assert.ok(instance_sizes.some((s: any) => s.slug === 'apps-s-1vcpu-0.5gb'));
    const { instance_size } = await p.api.expect(200, 'GET', '/v2/apps/tiers/instance_sizes/apps-d-1vcpu-1gb');
    assert.equal(instance_size.cpu_type, 'DEDICATED');
    assert.equal((await p.api.request('GET', '/v2/apps/tiers/instance_sizes/apps-x-huge')).status, 404);
    const { regions } = await p.api.expect(200, 'GET', '/v2/apps/regions');
    assert.ok(regions.some((r: any) => r.slug === 'fra' && r.data_centers.includes('fra1')));
  });

  it('alerts come from the spec; destinations can be assigned', async () => {
    const spec = specNamed('alerting', { alerts: [{ rule: 'DEPLOYMENT_FAILED' }, { rule: 'DEPLOYMENT_LIVE' }] });
    spec.services[0].alerts = [{ rule: 'CPU_UTILIZATION', operator: 'GREATER_THAN', value: 85, window: 'FIVE_MINUTES' }];
    const { app } = await createApp(spec);
    const { alerts } = await p.api.expect(200, 'GET', `/v2/apps/${app.id}/alerts`);
    assert.deepEqual(alerts.map((a: any) => a.spec.rule), ['DEPLOYMENT_FAILED', 'DEPLOYMENT_LIVE', 'CPU_UTILIZATION']);
    assert.equal(alerts[2].component_name, 'web');
    assert.equal(alerts[0].phase, 'ACTIVE');
    const { alert } = await p.api.expect(200, 'POST', `/v2/apps/${app.id}/alerts/${alerts[0].id}/destinations`, { emails: ['ops@odoobo.invalid'] });
    assert.deepEqual(alert.emails, ['ops@odoobo.invalid']);
    assert.deepEqual((await p.api.expect(200, 'GET', `/v2/apps/${app.id}/alerts`)).alerts[0].emails, ['ops@odoobo.invalid']);
    const { app_health } = await p.api.expect(200, 'GET', `/v2/apps/${app.id}/health`);
    assert.deepEqual(app_health.components.map((c: any) => [c.name, c.state]), [['web', 'HEALTHY']]);
  });

  it('queues deployments (pending_deployment), cancels a queued one, and counts steps accurately mid-flight', async () => {
    await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true, buildMs: 600 });
    try {
      const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec: specNamed('queued') });
      const running = app.pending_deployment;
      const { deployment: queued } = await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {});
      const { app: withQueue } = await p.api.expect(200, 'GET', `/v2/apps/${app.id}`);
      assert.equal(withQueue.in_progress_deployment.id, running.id);
      assert.equal(withQueue.pending_deployment.id, queued.id);
      assert.equal(withQueue.in_progress_deployment.phase, 'BUILDING');
      assertCounters(withQueue.in_progress_deployment.progress);
      assert.equal(withQueue.in_progress_deployment.progress.running_steps, 1);
      const { deployment: canceled } = await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments/${queued.id}/cancel`);
      assert.equal(canceled.phase, 'CANCELED');
      assert.ok(canceled.progress.error_steps > 0);
      assertCounters(canceled.progress);
      const done = await waitForDeployment(p.api, app.id, running.id);
      assert.equal(done.phase, 'ACTIVE');
      const built = done.progress.steps[0];
      assert.ok(Date.parse(built.ended_at) - Date.parse(built.started_at) >= 550, 'phase duration fault: the build lasted buildMs');
    } finally {
      await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true });
    }
  });

  it('cancels a deployment mid-build (phase duration fault)', async () => {
    await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true, buildMs: 30_000 });
    try {
      const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec: specNamed('cancel-me') });
      const dep = app.pending_deployment;
      await waitFor('BUILDING', async () => (await p.api.expect(200, 'GET', `/v2/apps/${app.id}/deployments/${dep.id}`)).deployment.phase === 'BUILDING');
      const t0 = Date.now();
      const { deployment } = await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments/${dep.id}/cancel`);
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(deployment.phase, 'CANCELED');
      assert.equal(deployment.progress.steps[0].steps[0].reason.code, 'DeploymentCanceled');
      assertCounters(deployment.progress);
      assert.equal((await get(app.live_url)).status, 503, 'no deployment ever went live');
    } finally {
      await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true });
    }
  });

  it('faults: build failure and health failure end in ERROR with DigitalOcean reasons; the old deployment keeps serving', async () => {
    const { app, deployment: good } = await createApp(specNamed('faulty'));
    await p.api.expect(200, 'PATCH', '/_local/faults', { failBuilds: 1 });
    const buildFail = await waitForDeployment(p.api, app.id, (await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {})).deployment.id);
    assert.equal(buildFail.phase, 'ERROR');
    assert.equal(buildFail.progress.steps[0].steps[1].steps[0].reason.code, 'BuildJobExitNonZero');
    await p.api.expect(200, 'PATCH', '/_local/faults', { failHealthChecks: 1 });
    const healthFail = await waitForDeployment(p.api, app.id, (await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {})).deployment.id);
    assert.equal(healthFail.phase, 'ERROR');
    assert.equal(healthFail.progress.steps[1].steps[1].steps[0].steps[1].reason.code, 'DeployContainerHealthChecksFailed');
    assert.equal((await get(`${app.live_url}/x`)).json.deployment_id, good.id);
    const { faults } = await p.api.expect(200, 'GET', '/_local/faults');
    assert.equal(faults.failBuilds, 0);
    assert.equal(faults.failHealthChecks, 0);
    const next = await waitForDeployment(p.api, app.id, (await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, { force_build: true })).deployment.id);
    assert.equal(next.phase, 'ACTIVE');
    assert.equal(next.cause, 'manual (force build)');
    const bad = await fetch(`${p.url}/_local/faults`, { method: 'PUT', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' }, body: '{"buildMs":-1}' });
    assert.equal(bad.status, 422);
  });

  it('faults: 429 bursts with retry-after, 5xx, added latency', async () => {
    await p.api.expect(200, 'PATCH', '/_local/faults', { tooManyRequests: { count: 2, retryAfterSeconds: 7 } });
    for (let i = 0; i < 2; i++) {
      const r = await p.api.request('GET', '/v2/apps/regions');
      assert.equal(r.status, 429);
      assert.equal(r.body.id, 'too_many_requests');
      assert.equal(r.headers.get('retry-after'), '7');
      assert.equal(r.headers.get('ratelimit-remaining'), '0');
    }
    assert.equal((await p.api.request('GET', '/v2/apps/regions')).status, 200);
    await p.api.expect(200, 'PATCH', '/_local/faults', { serverErrors: { count: 1, status: 503 } });
    const e = await p.api.request('GET', '/v2/apps/regions');
    assert.equal(e.status, 503);
    assert.equal(e.body.id, 'server_error');
    assert.equal((await p.api.request('GET', '/v2/apps/regions')).status, 200);
    await p.api.expect(200, 'PATCH', '/_local/faults', { latencyMs: 250 });
    const t0 = Date.now();
    await p.api.expect(200, 'GET', '/v2/apps/regions');
    assert.ok(Date.now() - t0 >= 240, `latency ${Date.now() - t0} ms`);
    await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true });
  });

  it('rollback validation: exceeded_revision_limit, region_conflict, app_pinned; pinned apps refuse deployments', async () => {
    const { app, deployment: d1 } = await createApp(specNamed('revisions'));
    const deployOnce = async (): Promise<any> =>
      waitForDeployment(p.api, app.id, (await p.api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {})).deployment.id);
    const d2 = await deployOnce();
    await deployOnce();
    const d4 = await deployOnce();
    const validate = (id: string): Promise<any> => p.api.expect(200, 'POST', `/v2/apps/${app.id}/rollback/validate`, { deployment_id: id });
    // revisionLimit 2: d1 has 3 newer successful deployments, d2 has 2.
    const tooOld = await validate(d1.id);
    assert.equal(tooOld.error.code, 'exceeded_revision_limit');
    assert.match(tooOld.error.message, /maximum historical revision limit of 2 for the "basic" app tier/);
    assert.equal((await validate(d2.id)).valid, true);
    const { app: moved } = await p.api.expect(200, 'PUT', `/v2/apps/${app.id}`, { spec: specNamed('revisions', { region: 'ams' }) });
    const inAms = await waitForDeployment(p.api, app.id, moved.pending_deployment.id);
    const conflictRegion = await validate(d4.id);
    assert.equal(conflictRegion.valid, false);
    assert.equal(conflictRegion.error.code, 'region_conflict');
    const { app: back } = await p.api.expect(200, 'PUT', `/v2/apps/${app.id}`, { spec: specNamed('revisions') });
    const beforeRollback = await waitForDeployment(p.api, app.id, back.pending_deployment.id);
    assert.equal((await validate(inAms.id)).error.code, 'region_conflict');
    assert.equal((await validate(beforeRollback.id)).error.code, 'incompatible_phase');
    assert.equal((await validate(d4.id)).valid, true);
    const { deployment: rb } = await p.api.expect(200, 'POST', `/v2/apps/${app.id}/rollback`, { deployment_id: d4.id });
    assert.equal((await validate(d4.id)).error.code, 'app_pinned');
    const refused = await p.api.request('POST', `/v2/apps/${app.id}/rollback`, { deployment_id: d4.id });
    assert.equal(refused.status, 409);
    assert.equal((await p.api.request('POST', `/v2/apps/${app.id}/deployments`, {})).status, 409);
    assert.equal((await waitForDeployment(p.api, app.id, rb.id)).phase, 'ACTIVE');
    const { deployment: rev } = await p.api.expect(200, 'POST', `/v2/apps/${app.id}/rollback/revert`);
    assert.equal(rev.cloned_from, beforeRollback.id);
    assert.equal((await waitForDeployment(p.api, app.id, rev.id)).phase, 'ACTIVE');
    assert.equal((await p.api.request('POST', `/v2/apps/${app.id}/rollback/revert`)).status, 409, 'nothing left to revert');
    assert.equal((await p.api.request('POST', `/v2/apps/${app.id}/rollback`, {})).status, 400, 'deployment_id is required');
  });

  it('live logs with follow=true stream a build until it ends', async () => {
    await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true, buildMs: 800 });
    try {
      const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec: specNamed('follow-build') });
      const dep = app.pending_deployment;
      const logs = await p.api.expect(200, 'GET', `/v2/apps/${app.id}/deployments/${dep.id}/logs?type=BUILD&follow=true`);
      const frames: string[] = [];
      const closed = await new Promise<{ code: number }>((resolve, reject) => {
        const ws = new WebSocket(logs.live_url);
        const timer = setTimeout(() => reject(new Error('timed out')), 15_000);
        ws.on('message', (d) => frames.push(JSON.parse(String(d)).data));
        ws.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code });
        });
        ws.on('error', reject);
      });
      assert.equal(closed.code, 1000);
      assert.ok(frames.some((f) => /^web \S+ starting build of service web/.test(f)));
      assert.ok(frames.some((f) => /^web \S+ build complete\n$/.test(f)), 'followed to the end of the build');
      for (const f of frames) assert.match(f, /^web \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z .*\n$/);
      const bad = logs.live_url.replace(/signature=[0-9a-f]+/, 'signature=00');
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(bad);
        ws.on('close', (code) => resolve(code));
        ws.on('error', () => resolve(-1));
      });
      assert.equal(refused, 1008);
    } finally {
      await p.api.expect(200, 'PUT', '/_local/faults', { simulate: true });
    }
  });
});

describe('local App Platform: rate limits', () => {
  it('answers 429 too_many_requests with retry-after once the per-minute limit is used up', async () => {
    const p = await startTestPlatform({ rateLimit: { perHour: 5000, perMinute: 3 } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await p.api.request('GET', '/v2/apps/regions');
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('ratelimit-limit'), '5000');
        assert.equal(r.headers.get('ratelimit-remaining'), String(5000 - i - 1));
      }
      const limited = await p.api.request('GET', '/v2/apps/regions');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.id, 'too_many_requests');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.ok(Number(limited.headers.get('ratelimit-reset')) > Date.now() / 1000);
    } finally {
      await p.stop();
      await fs.rm(p.dataDir, { recursive: true, force: true });
    }
  });
});
