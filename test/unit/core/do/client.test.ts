import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { WebSocketServer } from 'ws';
import { AppPlatformClient, AppPlatformClientOptions } from '../../../../src/core/do/client';
import { AppPlatformError } from '../../../../src/core/do/errors';
import { LogLevel } from '../../../../src/core/do/http';
import { RequestBudget } from '../../../../src/core/do/budget';
import { followLiveLogs, LogLine, parseLogFrame } from '../../../../src/core/do/logs';
import { tokenFromEnv } from '../../../../src/core/do/token';
import { appFor, deploymentAt, FakeClock, specFor } from '../../../builders/do';
import { Handler, startServer, sendJson, TestServer } from '../../../builders/doServer';
import { REPO_DIR } from '../../../builders/paths';
import { OPENAPI_FILE } from '../../../builders/platformApi';

const TOKEN = `dop_v1_${'0123456789abcdef'.repeat(4)}`;
const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const OPENAPI_PATHS = Object.entries(
  (JSON.parse(readFileSync(path.join(SHARED, 'do-openapi/specification/apps-only.v2.bundled.json'), 'utf8')) as { paths: Record<string, Record<string, unknown>> }).paths,
).flatMap(([p, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`), template: p })));

let requestAjv: { doc: { paths: Record<string, Record<string, OpenApiOperation>> }; ajv: Ajv } | undefined;
/** Checks a request body against the operation's requestBody schema in the OpenAPI description (ajv). */
function checkRequestBody(method: string, pathname: string, body: unknown): void {
  if (!requestAjv) {
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as { paths: Record<string, Record<string, OpenApiOperation>> };
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(ajv);
    for (const f of ['uint32', 'uint64']) ajv.addFormat(f, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    ajv.addSchema(doc, 'do');
    requestAjv = { doc, ajv };
  }
  const { doc, ajv } = requestAjv;
  const op = OPENAPI_PATHS.find((o) => o.method === method && o.re.test(pathname));
  const schema = op && doc.paths[op.template][method.toLowerCase()].requestBody?.content?.['application/json']?.schema;
  if (!schema?.$ref) return;
  const validate = ajv.getSchema(`do${schema.$ref}`) ?? ajv.compile({ $ref: `do${schema.$ref}` });
  assert.ok(validate(body), `${method} ${pathname}: request body does not match the OpenAPI: ${JSON.stringify(validate.errors)}`);
}
type OpenApiOperation = { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } };

const servers: TestServer[] = [];
const clients: AppPlatformClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

/** A client with fast retries (baseDelay 1 ms) unless overridden. */
function clientFor(server: TestServer | string, options: AppPlatformClientOptions = {}): AppPlatformClient {
  const c = new AppPlatformClient({
    baseUrl: typeof server === 'string' ? server : server.url,
    token: TOKEN,
    ...options,
    retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.retry },
  });
  clients.push(c);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<AppPlatformError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppPlatformError, `expected AppPlatformError, got ${inspect(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

const appBody = (name = 'nl-sql') => ({ app: appFor(name) });
const depBody = (id = 'dep-1') => ({ deployment: deploymentAt({ id, phase: 'PENDING_BUILD' }) });

describe('operations: methods, paths, queries, bodies and headers as in the OpenAPI description', () => {
  const spec = specFor('nl-sql');
  const cases: Array<{
    name: string;
    call: (c: AppPlatformClient) => Promise<unknown>;
    method: string;
    path: string;
    query?: Record<string, string | string[]>;
    body?: unknown;
    reply: unknown;
    check?: (result: unknown) => void;
  }> = [
    { name: 'listAppsPage', call: (c) => c.listAppsPage({ page: 2, per_page: 50, with_projects: true }), method: 'GET', path: '/v2/apps', query: { page: '2', per_page: '50', with_projects: 'true' }, reply: { apps: [appFor('a1')], meta: { total: 51 } }, check: (r) => assert.equal((r as { meta: { total: number } }).meta.total, 51) },
    { name: 'getApp', call: (c) => c.getApp('app-1'), method: 'GET', path: '/v2/apps/app-1', reply: appBody(), check: (r) => assert.equal((r as { spec: { name: string } }).spec.name, 'nl-sql') },
    { name: 'createApp', call: (c) => c.createApp(spec), method: 'POST', path: '/v2/apps', body: { spec }, reply: appBody() },
    { name: 'updateApp', call: (c) => c.updateApp('app-1', spec), method: 'PUT', path: '/v2/apps/app-1', body: { spec }, reply: appBody() },
    { name: 'deleteApp', call: (c) => c.deleteApp('app-1'), method: 'DELETE', path: '/v2/apps/app-1', reply: { id: 'app-1' }, check: (r) => assert.deepEqual(r, { id: 'app-1' }) },
    { name: 'proposeApp', call: (c) => c.proposeApp({ spec, app_id: 'app-1' }), method: 'POST', path: '/v2/apps/propose', body: { spec, app_id: 'app-1' }, reply: { app_name_available: true, spec, app_cost: 5 }, check: (r) => assert.equal((r as { app_cost: number }).app_cost, 5) },
    { name: 'createDeployment', call: (c) => c.createDeployment('app-1', { force_build: true }), method: 'POST', path: '/v2/apps/app-1/deployments', body: { force_build: true }, reply: depBody(), check: (r) => assert.equal((r as { phase: string }).phase, 'PENDING_BUILD') },
    { name: 'listDeployments', call: (c) => c.listDeployments('app-1', { page: 1, per_page: 5, deployment_types: ['MANUAL', 'AUTOSCALED'] }), method: 'GET', path: '/v2/apps/app-1/deployments', query: { page: '1', per_page: '5', deployment_types: ['MANUAL', 'AUTOSCALED'] }, reply: { deployments: [], meta: { total: 0 } } },
    { name: 'getDeployment', call: (c) => c.getDeployment('app-1', 'dep-1'), method: 'GET', path: '/v2/apps/app-1/deployments/dep-1', reply: depBody() },
    { name: 'cancelDeployment', call: (c) => c.cancelDeployment('app-1', 'dep-1'), method: 'POST', path: '/v2/apps/app-1/deployments/dep-1/cancel', reply: { deployment: deploymentAt({ phase: 'CANCELED' }) } },
    { name: 'validateRollback', call: (c) => c.validateRollback('app-1', { deployment_id: 'dep-0' }), method: 'POST', path: '/v2/apps/app-1/rollback/validate', body: { deployment_id: 'dep-0', skip_pin: false }, reply: { valid: true, warnings: [] }, check: (r) => assert.equal((r as { valid: boolean }).valid, true) },
    { name: 'rollback', call: (c) => c.rollback('app-1', { deployment_id: 'dep-0', skip_pin: true }), method: 'POST', path: '/v2/apps/app-1/rollback', body: { deployment_id: 'dep-0', skip_pin: true }, reply: depBody('dep-2') },
    { name: 'commitRollback', call: (c) => c.commitRollback('app-1'), method: 'POST', path: '/v2/apps/app-1/rollback/commit', reply: '' },
    { name: 'revertRollback', call: (c) => c.revertRollback('app-1'), method: 'POST', path: '/v2/apps/app-1/rollback/revert', reply: depBody('dep-3') },
    { name: 'getLogs (deployment + component)', call: (c) => c.getLogs('app-1', { deploymentId: 'dep-1', component: 'web', type: 'BUILD', follow: true, podConnectionTimeout: '3m' }), method: 'GET', path: '/v2/apps/app-1/deployments/dep-1/components/web/logs', query: { type: 'BUILD', follow: 'true', pod_connection_timeout: '3m' }, reply: { live_url: 'wss://logs/x' } },
    { name: 'getLogs (deployment, aggregate)', call: (c) => c.getLogs('app-1', { deploymentId: 'dep-1', type: 'DEPLOY' }), method: 'GET', path: '/v2/apps/app-1/deployments/dep-1/logs', query: { type: 'DEPLOY' }, reply: { historic_urls: ['https://x/1'] }, check: (r) => assert.deepEqual((r as { historic_urls: string[] }).historic_urls, ['https://x/1']) },
    { name: 'getLogs (active deployment, component)', call: (c) => c.getLogs('app-1', { component: 'web', type: 'RUN', follow: false }), method: 'GET', path: '/v2/apps/app-1/components/web/logs', query: { type: 'RUN', follow: 'false' }, reply: {} },
    { name: 'getLogs (active deployment, aggregate)', call: (c) => c.getLogs('app-1', { type: 'RUN_RESTARTED' }), method: 'GET', path: '/v2/apps/app-1/logs', query: { type: 'RUN_RESTARTED' }, reply: {}, check: (r) => assert.deepEqual((r as { historic_urls: string[] }).historic_urls, []) },
    { name: 'getAppHealth', call: (c) => c.getAppHealth('app-1'), method: 'GET', path: '/v2/apps/app-1/health', reply: { app_health: { components: [{ name: 'web', state: 'HEALTHY' }] } }, check: (r) => assert.equal((r as { components: Array<{ state: string }> }).components[0].state, 'HEALTHY') },
    { name: 'listInstanceSizes', call: (c) => c.listInstanceSizes(), method: 'GET', path: '/v2/apps/tiers/instance_sizes', reply: { instance_sizes: [{ slug: 'apps-s-1vcpu-0.5gb' }] }, check: (r) => assert.equal((r as Array<{ slug: string }>)[0].slug, 'apps-s-1vcpu-0.5gb') },
    { name: 'getInstanceSize', call: (c) => c.getInstanceSize('apps-s-1vcpu-0.5gb'), method: 'GET', path: '/v2/apps/tiers/instance_sizes/apps-s-1vcpu-0.5gb', reply: { instance_size: { slug: 'apps-s-1vcpu-0.5gb', cpus: '1' } } },
    { name: 'listRegions', call: (c) => c.listRegions(), method: 'GET', path: '/v2/apps/regions', reply: { regions: [{ slug: 'fra' }] } },
    { name: 'listAlerts', call: (c) => c.listAlerts('app-1'), method: 'GET', path: '/v2/apps/app-1/alerts', reply: { alerts: [{ id: 'al-1', spec: { rule: 'DEPLOYMENT_FAILED' } }] } },
    { name: 'assignAlertDestinations', call: (c) => c.assignAlertDestinations('app-1', 'al-1', { emails: ['a@b.c'] }), method: 'POST', path: '/v2/apps/app-1/alerts/al-1/destinations', body: { emails: ['a@b.c'], slack_webhooks: [] }, reply: { alert: { id: 'al-1', emails: ['a@b.c'] } }, check: (r) => assert.deepEqual((r as { emails: string[] }).emails, ['a@b.c']) },
    { name: 'restartApp (all components)', call: (c) => c.restartApp('app-1'), method: 'POST', path: '/v2/apps/app-1/restart', body: {}, reply: depBody('dep-r'), check: (r) => assert.equal((r as { id: string }).id, 'dep-r') },
    { name: 'restartApp (named components)', call: (c) => c.restartApp('app-1', { components: ['web', 'worker'] }), method: 'POST', path: '/v2/apps/app-1/restart', body: { components: ['web', 'worker'] }, reply: depBody('dep-r') },
    { name: 'listInstances', call: (c) => c.listInstances('app-1'), method: 'GET', path: '/v2/apps/app-1/instances', reply: { instances: [{ component_name: 'web', instance_name: 'web-abc-1', instance_alias: 'web-0', component_type: 'SERVICE' }] }, check: (r) => assert.equal((r as Array<{ instance_alias: string }>)[0].instance_alias, 'web-0') },
    { name: 'getExecUrl (active deployment)', call: (c) => c.getExecUrl('app-1', 'web'), method: 'GET', path: '/v2/apps/app-1/components/web/exec', reply: { url: 'wss://exec/?token=xxx' }, check: (r) => assert.equal(r, 'wss://exec/?token=xxx') },
    { name: 'getExecUrl (deployment, instance)', call: (c) => c.getExecUrl('app-1', 'web', { deploymentId: 'dep-1', instanceName: 'web-abc-1' }), method: 'GET', path: '/v2/apps/app-1/deployments/dep-1/components/web/exec', query: { instance_name: 'web-abc-1' }, reply: { url: 'wss://exec/?token=yyy' } },
  ];

  for (const tc of cases) {
    it(tc.name, async () => {
      const server = await serve((_req, res) => void (tc.reply === '' ? res.writeHead(200).end() : sendJson(res, 200, tc.reply)));
      const result = await tc.call(clientFor(server));
      assert.equal(server.requests.length, 1);
      const req = server.requests[0];
      assert.equal(req.method, tc.method);
      assert.equal(req.path, tc.path);
      const documented = OPENAPI_PATHS.some((o) => o.method === req.method && o.re.test(req.path));
      assert.ok(documented, `${req.method} ${req.path} is not an operation of the OpenAPI description`);
      const query: Record<string, string | string[]> = {};
      for (const k of new Set(req.query.keys())) {
        const all = req.query.getAll(k);
        query[k] = all.length > 1 ? all : all[0];
      }
      assert.deepEqual(query, tc.query ?? {});
      assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(req.headers.accept, 'application/json');
      if (tc.body !== undefined) {
        assert.equal(req.headers['content-type'], 'application/json');
        assert.deepEqual(req.json, tc.body);
        checkRequestBody(req.method, req.path, req.json);
      }
      tc.check?.(result);
    });
  }

  it('encodes ids into the path and keeps a base URL path prefix', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, appBody()));
    await clientFor(`${server.url}/prefix/`).getApp('a b/c');
    assert.equal(server.requests[0].url, '/prefix/v2/apps/a%20b%2Fc');
  });

  it('sends no Authorization header without a token, and asks a token provider before every attempt', async () => {
    const server = await serve((_req, res, n) => (n === 2 ? sendJson(res, 503, { id: 'x', message: 'y' }) : sendJson(res, 200, appBody())));
    await clientFor(server, { token: undefined }).getApp('a1');
    assert.equal(server.requests[0].headers.authorization, undefined);
    let asked = 0;
    await clientFor(server, { token: async () => `${TOKEN.slice(0, -1)}${++asked}` }).getApp('a1');
    assert.equal(asked, 2);
    assert.equal(server.requests[1].headers.authorization, `Bearer ${TOKEN.slice(0, -1)}1`);
    assert.equal(server.requests[2].headers.authorization, `Bearer ${TOKEN.slice(0, -1)}2`);
  });
});

describe('pagination', () => {
  const apps = ['a1', 'a2', 'a3', 'a4', 'a5'].map((n) => appFor(n));
  const page = (n: number, size: number) => apps.slice((n - 1) * size, n * size);

  it('follows links.pages.next across 3 pages (by page number, not by the link’s host)', async () => {
    const server = await serve((req, res) => {
      const n = Number(req.query.get('page'));
      const size = Number(req.query.get('per_page'));
      const next = n < 3 ? { next: `https://api.digitalocean.com/v2/apps?page=${n + 1}&per_page=${size}`, last: `https://api.digitalocean.com/v2/apps?page=3&per_page=${size}` } : {};
      sendJson(res, 200, { apps: page(n, size), links: { pages: next }, meta: { total: apps.length } });
    });
    const all = await clientFor(server).listApps({ per_page: 2 });
    assert.deepEqual(all.map((a) => a.spec.name), ['a1', 'a2', 'a3', 'a4', 'a5']);
    assert.deepEqual(server.requests.map((r) => r.query.get('page')), ['1', '2', '3']);
    assert.ok(server.requests.every((r) => r.query.get('per_page') === '2'));
  });

  it('counts pages against meta.total when links are missing, and stops on a short page', async () => {
    const server = await serve((req, res) => {
      const n = Number(req.query.get('page'));
      sendJson(res, 200, { apps: page(n, Number(req.query.get('per_page'))), meta: { total: apps.length } });
    });
    const all = await clientFor(server).listApps({ per_page: 2 });
    assert.equal(all.length, 5);
    assert.equal(server.requests.length, 3);
  });

  it('asks for 200 per page by default and finds an app by name', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { apps, links: {}, meta: { total: apps.length } }));
    const found = await clientFor(server).findAppByName('a4');
    assert.equal(found?.id, 'app-a4');
    assert.equal(server.requests[0].query.get('per_page'), '200');
    assert.equal(await clientFor(server).findAppByName('zz'), undefined);
  });

  it('lists every deployment page (listAllDeployments)', async () => {
    const deps = [1, 2, 3].map((i) => deploymentAt({ id: `d${i}`, phase: 'SUPERSEDED' }));
    const server = await serve((req, res) => {
      const n = Number(req.query.get('page'));
      sendJson(res, 200, { deployments: [deps[n - 1]], links: { pages: n < 3 ? { next: `http://elsewhere/v2/apps/x/deployments?page=${n + 1}` } : {} }, meta: { total: 3 } });
    });
    const all = await clientFor(server).listAllDeployments('app-1', { per_page: 1 });
    assert.deepEqual(all.map((d) => d.id), ['d1', 'd2', 'd3']);
  });
});

describe('retries', () => {
  it('waits the retry-after seconds of a 429, then succeeds', async () => {
    const server = await serve((_req, res, n) =>
      n === 1 ? sendJson(res, 429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'retry-after': '0.3' }) : sendJson(res, 200, appBody()),
    );
    const app = await clientFor(server).getApp('a1');
    assert.equal(app.spec.name, 'nl-sql');
    assert.equal(server.requests.length, 2);
    const gap = server.requests[1].at - server.requests[0].at;
    assert.ok(gap >= 280 && gap < 2000, `waited ${gap} ms for retry-after 0.3 s (backoff alone is ≤ 5 ms)`);
  });

  it('reads retry-after as an HTTP date', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0), true);
    const server = await serve((_req, res, n) =>
      n === 1 ? sendJson(res, 429, { id: 'too_many_requests', message: 'slow down' }, { 'retry-after': new Date(clock.t + 5_000).toUTCString() }) : sendJson(res, 200, appBody()),
    );
    await clientFor(server, { clock, budget: false }).getApp('a1');
    assert.deepEqual(clock.sleeps, [5_000]);
  });

  it('falls back to ratelimit-reset (epoch seconds) when there is no retry-after, capped', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0), true);
    let resetIn = 7;
    const server = await serve((_req, res, n) =>
      n % 2 === 1
        ? sendJson(res, 429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'ratelimit-limit': '250', 'ratelimit-remaining': '0', 'ratelimit-reset': String(clock.t / 1000 + resetIn) })
        : sendJson(res, 200, appBody()),
    );
    const client = clientFor(server, { clock, budget: false, retry: { maxRateLimitWaitMs: 60_000 } });
    await client.getApp('a1');
    assert.deepEqual(clock.sleeps, [7_000]);
    resetIn = 3_600; // the hourly window: wait at most the cap, then try again
    await client.getApp('a1');
    assert.deepEqual(clock.sleeps, [7_000, 60_000]);
  });

  it('gives up after maxAttempts 429s with RATE_LIMIT_EXCEEDED', async () => {
    const server = await serve((_req, res) => sendJson(res, 429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'retry-after': '0' }));
    const err = await rejection(clientFor(server, { retry: { maxAttempts: 3 } }).listRegions());
    assert.equal(err.code, 'RATE_LIMIT_EXCEEDED');
    assert.equal(err.status, 429);
    assert.equal(err.attempts, 3);
    assert.equal(server.requests.length, 3);
  });

  it('retries a burst of 5xx for a GET', async () => {
    const statuses = [503, 502, 500];
    const server = await serve((_req, res, n) => (n <= 3 ? sendJson(res, statuses[n - 1], { id: 'server_error', message: 'Unexpected server-side error' }) : sendJson(res, 200, appBody())));
    const logs: string[] = [];
    const app = await clientFor(server, { log: (_l, m) => logs.push(m) }).getApp('a1');
    assert.equal(app.id, 'app-nl-sql');
    assert.equal(server.requests.length, 4);
    assert.equal(logs.filter((l) => /retry/.test(l)).length, 3);
  });

  it('does not retry a non-idempotent POST (create deployment) after a 5xx', async () => {
    const server = await serve((_req, res) => sendJson(res, 503, { id: 'service_unavailable', message: 'try later' }));
    const err = await rejection(clientFor(server).createDeployment('app-1'));
    assert.equal(err.code, 'DEPLOYMENT_CREATE_FAILED');
    assert.equal(err.status, 503);
    assert.equal(server.requests.length, 1);
  });

  it('does retry the explicitly idempotent POSTs (propose, rollback/validate)', async () => {
    const server = await serve((req, res, n) =>
      n % 2 === 1 ? sendJson(res, 500, { id: 'server_error', message: 'x' }) : sendJson(res, 200, req.path.endsWith('propose') ? { app_cost: 5 } : { valid: true }),
    );
    const c = clientFor(server);
    assert.equal((await c.proposeApp({ spec: specFor('x1') })).app_cost, 5);
    assert.equal((await c.validateRollback('a', { deployment_id: 'd' })).valid, true);
    assert.equal(server.requests.length, 4);
  });

  it('retries a GET whose connection is reset mid-body, but not a POST', async () => {
    const server = await serve((req, res, n) => {
      if (n === 1 || req.method === 'POST') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
        res.write('{"app": {"id": "app-1", "sp');
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      sendJson(res, 200, appBody());
    });
    const c = clientFor(server);
    const app = await c.getApp('a1');
    assert.equal(app.spec.name, 'nl-sql');
    assert.equal(server.requests.length, 2);
    const err = await rejection(c.createDeployment('app-1'));
    assert.equal(err.code, 'NETWORK_ERROR');
    assert.equal(server.requests.length, 3);
  });

  it('retries a refused connection even for a POST (nothing was sent), then reports NETWORK_ERROR', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, {}));
    const url = server.url;
    await server.close();
    const err = await rejection(clientFor(url, { retry: { maxAttempts: 2 } }).createDeployment('app-1'));
    assert.equal(err.code, 'NETWORK_ERROR');
    assert.equal(err.attempts, 2);
    assert.match(err.message, /ECONNREFUSED/);
  });
});

describe('timeouts, bad bodies and cancellation', () => {
  it('fails with TIMEOUT when the answer does not come in time (no retry)', async () => {
    const server = await serve(() => undefined);
    const started = Date.now();
    const err = await rejection(clientFor(server, { timeoutMs: 150 }).getApp('a1'));
    assert.equal(err.code, 'TIMEOUT');
    assert.ok(Date.now() - started < 1500);
    assert.equal(server.requests.length, 1);
  });

  it('counts the body in the timeout: headers then a stalled body is a TIMEOUT', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
      res.write('{"app":');
    });
    const err = await rejection(clientFor(server, { timeoutMs: 200 }).getApp('a1'));
    assert.equal(err.code, 'TIMEOUT');
  });

  it('reports malformed JSON as INVALID_RESPONSE naming the operation', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, '{"app": {"id": '));
    const err = await rejection(clientFor(server).getApp('a1'));
    assert.equal(err.code, 'INVALID_RESPONSE');
    assert.equal(err.operation, 'apps_get');
    assert.match(err.message, /^apps_get: the answer is not valid JSON/);
    assert.equal(server.requests.length, 1);
  });

  it('reports a missing required field as INVALID_RESPONSE with the field path', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { app: { id: 'a1', spec: { region: 'fra' } } }));
    const err = await rejection(clientFor(server).getApp('a1'));
    assert.equal(err.code, 'INVALID_RESPONSE');
    assert.deepEqual(err.issues, ['app.spec.name: Required']);
    assert.match(err.message, /app\.spec\.name: Required/);
  });

  it('aborts during a backoff sleep at once with ABORTED', async () => {
    const server = await serve((_req, res) => sendJson(res, 429, { id: 'too_many_requests', message: 'x' }, { 'retry-after': '30' }));
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 100);
    const err = await rejection(clientFor(server).getApp('a1', { signal: ac.signal }));
    assert.equal(err.code, 'ABORTED');
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(server.requests.length, 1);
  });

  it('aborts a request in flight, and does not send one whose signal is already aborted', async () => {
    const server = await serve(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    assert.equal((await rejection(clientFor(server).listRegions({ signal: ac.signal }))).code, 'ABORTED');
    const before = server.requests.length;
    assert.equal((await rejection(clientFor(server).listRegions({ signal: AbortSignal.abort() }))).code, 'ABORTED');
    assert.equal(server.requests.length, before);
  });
});

describe('request budget and rate-limit headers', () => {
  it('makes the 6th request of a 5-per-second budget wait for the window (injected clock)', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget({ limit: 5, windowMs: 1_000, clock });
    const server = await serve((_req, res) => sendJson(res, 200, { regions: [] }));
    const c = clientFor(server, { budget, clock });
    const all = Promise.all(Array.from({ length: 6 }, () => c.listRegions()));
    await until(() => server.requests.length === 5);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.requests.length, 5, 'the 6th must wait');
    assert.equal(budget.waiting, 1);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(server.requests.length, 5, 'still inside the window');
    clock.advance(1);
    await all;
    assert.equal(server.requests.length, 6);
  });

  it('shares one budget across clients and waits in real time with a short window', async () => {
    const budget = new RequestBudget({ limit: 2, windowMs: 300 });
    const server = await serve((_req, res) => sendJson(res, 200, { regions: [] }));
    const a = clientFor(server, { budget });
    const b = clientFor(server, { budget });
    await Promise.all([a.listRegions(), b.listRegions(), a.listRegions()]);
    const gap = server.requests[2].at - server.requests[0].at;
    assert.ok(gap >= 280, `third request after ${gap} ms`);
  });

  it('lets a caller waiting for the budget abort', async () => {
    const clock = new FakeClock();
    const budget = new RequestBudget({ limit: 1, windowMs: 60_000, clock });
    const server = await serve((_req, res) => sendJson(res, 200, { regions: [] }));
    const c = clientFor(server, { budget, clock });
    await c.listRegions();
    const ac = new AbortController();
    const waiting = c.listRegions({ signal: ac.signal });
    ac.abort();
    assert.equal((await rejection(waiting)).code, 'ABORTED');
    assert.equal(budget.waiting, 0);
    assert.equal(clock.pending, 0, 'no sleeper left behind');
  });

  it('exposes ratelimit-limit/remaining/reset of the last answer and tells listeners', async () => {
    let remaining = 250;
    const server = await serve((_req, res) => sendJson(res, 200, { regions: [] }, { 'ratelimit-limit': '250', 'ratelimit-remaining': String(--remaining), 'ratelimit-reset': '1444931833' }));
    const c = clientFor(server);
    assert.equal(c.rateLimit, undefined);
    const seen: number[] = [];
    const stop = c.onRateLimit((i) => seen.push(i.remaining!));
    await c.listRegions();
    await c.listRegions();
    stop();
    await c.listRegions();
    assert.deepEqual(seen, [249, 248]);
    assert.deepEqual({ ...c.rateLimit!, observedAt: 0 }, { limit: 250, remaining: 247, reset: 1444931833, observedAt: 0 });
  });
});

describe('typed errors', () => {
  it('carries DigitalOcean’s id, message and request_id, the status and a mitigation', async () => {
    const server = await serve((_req, res) => sendJson(res, 404, { id: 'not_found', message: 'The resource you requested could not be found.', request_id: 'req-body-1' }, { 'x-request-id': 'req-header-1' }));
    const err = await rejection(clientFor(server).getApp('gone'));
    assert.equal(err.code, 'APP_NOT_FOUND');
    assert.equal(err.status, 404);
    assert.equal(err.id, 'not_found');
    assert.equal(err.requestId, 'req-body-1');
    assert.equal(err.operation, 'apps_get');
    assert.match(err.message, /could not be found/);
    assert.ok(err.mitigation.length > 10);
  });

  it('takes the request id from x-request-id when the body has none', async () => {
    const server = await serve((_req, res) => sendJson(res, 401, { id: 'unauthorized', message: 'Unable to authenticate you.' }, { 'x-request-id': 'req-header-2' }));
    const err = await rejection(clientFor(server).listApps());
    assert.equal(err.code, 'UNAUTHORIZED');
    assert.equal(err.requestId, 'req-header-2');
    assert.match(err.mitigation, /Set DigitalOcean Token/);
    assert.match(err.mitigation, /DIGITALOCEAN_ACCESS_TOKEN/);
  });

  it('maps status and operation to the deployment procedure’s codes', async () => {
    const code = async (status: number, call: (c: AppPlatformClient) => Promise<unknown>) => {
      const server = await serve((_req, res) => sendJson(res, status, { id: 'e', message: `status ${status}` }));
      return (await rejection(call(clientFor(server, { retry: { maxAttempts: 1 } })))).code;
    };
    assert.equal(await code(422, (x) => x.createApp(specFor('x1'))), 'SPEC_VALIDATION_FAILED');
    assert.equal(await code(400, (x) => x.updateApp('a', specFor('x1'))), 'SPEC_VALIDATION_FAILED');
    assert.equal(await code(400, (x) => x.proposeApp({ spec: specFor('x1') })), 'SPEC_VALIDATION_FAILED');
    assert.equal(await code(400, (x) => x.createDeployment('a')), 'DEPLOYMENT_CREATE_FAILED');
    assert.equal(await code(409, (x) => x.createDeployment('a')), 'DEPLOYMENT_CREATE_FAILED');
    assert.equal(await code(404, (x) => x.createDeployment('a')), 'APP_NOT_FOUND');
    assert.equal(await code(404, (x) => x.getDeployment('a', 'd')), 'NOT_FOUND');
    assert.equal(await code(409, (x) => x.updateApp('a', specFor('x1'))), 'CONFLICT');
    assert.equal(await code(403, (x) => x.deleteApp('a')), 'FORBIDDEN');
    assert.equal(await code(422, (x) => x.rollback('a', { deployment_id: 'd' })), 'ROLLBACK_INVALID');
    assert.equal(await code(500, (x) => x.listRegions()), 'SERVER_ERROR');
    assert.equal(await code(400, (x) => x.listRegions()), 'BAD_REQUEST');
  });

  it('describes a non-JSON error body by its text', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    const err = await rejection(clientFor(server).commitRollback('a'));
    assert.equal(err.code, 'SERVER_ERROR');
    assert.match(err.message, /502: <html>Bad Gateway/);
  });
});

describe('the token never leaks', () => {
  it('is absent from thrown errors (JSON, inspect, stack, cause) and from the log', async () => {
    const echo = await serve((req, res, n) => {
      const auth = String(req.headers.authorization);
      assert.equal(auth, `Bearer ${TOKEN}`);
      if (n === 1) return sendJson(res, 401, { id: 'unauthorized', message: `token ${auth} rejected`, request_id: auth });
      if (n === 2) return sendJson(res, 200, `{"broken": "${auth}`);
      if (n === 3) return sendJson(res, 200, { app: { id: TOKEN, spec: { region: auth } } });
      if (n === 4) return sendJson(res, 400, `invalid ${auth}`, { 'x-request-id': TOKEN });
      res.writeHead(200, { 'content-length': 500 });
      res.write(auth);
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const hang = await serve(() => undefined);
    const lines: string[] = [];
    const log = (level: LogLevel, m: string) => lines.push(`${level} ${m}`);
    const c = clientFor(echo, { log, retry: { maxAttempts: 1 } });
    const errors = [
      await rejection(c.getApp('a')),
      await rejection(c.getApp('a')),
      await rejection(c.getApp('a')),
      await rejection(c.listRegions()),
      await rejection(c.createDeployment('a')),
      await rejection(clientFor(hang, { log, timeoutMs: 50 }).getApp('a')),
      await rejection(clientFor(hang, { log, token: () => Promise.reject(new Error(`vault said ${TOKEN}`)) }).getApp('a')),
    ];
    assert.deepEqual(errors.map((e) => e.code), ['UNAUTHORIZED', 'INVALID_RESPONSE', 'INVALID_RESPONSE', 'BAD_REQUEST', 'NETWORK_ERROR', 'TIMEOUT', 'UNAUTHORIZED']);
    for (const e of errors) {
      for (const text of [JSON.stringify(e), inspect(e, { depth: Infinity, showHidden: true }), String(e), e.stack ?? '', JSON.stringify(e.cause ?? null)]) {
        assert.ok(!text.includes(TOKEN), `token in ${e.code}: ${text.slice(0, 300)}`);
        assert.ok(!text.includes(TOKEN.slice(7)), `token body in ${e.code}`);
      }
    }
    assert.match(errors[0].message, /Bearer \[REDACTED\]/);
    assert.ok(lines.length > 0);
    assert.ok(lines.every((l) => !l.includes(TOKEN.slice(7))), lines.join('\n'));
  });

  it('redacts a token of any shape once the client has used it', async () => {
    const odd = 'local-secret-XYZ-123456';
    const server = await serve((req, res) => sendJson(res, 403, { id: 'forbidden', message: `no access for ${String(req.headers.authorization).slice(7)}` }));
    const err = await rejection(clientFor(server, { token: async () => odd }).getApp('a'));
    assert.equal(err.code, 'FORBIDDEN');
    assert.ok(!JSON.stringify(err).includes(odd));
    assert.ok(!inspect(err, { depth: Infinity }).includes(odd));
  });

  it('tokenFromEnv reads DIGITALOCEAN_ACCESS_TOKEN, then DO_ACCESS_TOKEN', () => {
    assert.equal(tokenFromEnv({ DIGITALOCEAN_ACCESS_TOKEN: ' a-token-1234 ', DO_ACCESS_TOKEN: 'b' }), 'a-token-1234');
    assert.equal(tokenFromEnv({ DIGITALOCEAN_ACCESS_TOKEN: '', DO_ACCESS_TOKEN: 'b-token-5678' }), 'b-token-5678');
    assert.equal(tokenFromEnv({}), undefined);
  });
});

describe('logs', () => {
  it('fetches historic log URLs as text without the bearer token', async () => {
    const logsServer = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`lines of ${req.path}\n`);
    });
    const c = clientFor(logsServer);
    const texts = await c.fetchHistoricLogs([`${logsServer.url}/archive/1.log?X-Amz-Signature=abc`, `${logsServer.url}/archive/2.log`]);
    assert.deepEqual(texts, ['lines of /archive/1.log\n', 'lines of /archive/2.log\n']);
    assert.ok(logsServer.requests.every((r) => r.headers.authorization === undefined));
    assert.equal(logsServer.requests[0].query.get('X-Amz-Signature'), 'abc');
  });

  it('never puts a pre-signed URL’s query string in an error', async () => {
    const server = await serve((_req, res) => sendJson(res, 403, 'AccessDenied'));
    const err = await rejection(clientFor(server).fetchHistoricLogs([`${server.url}/archive/1.log?X-Amz-Signature=supersecret`]));
    assert.ok(!JSON.stringify(err).includes('supersecret'));
    assert.equal(err.path, `${server.url}/archive/1.log`);
  });

  it('parses the example websocket frame', () => {
    const frame = readFileSync(path.join(SHARED, 'do-openapi/examples/responses/logs.live_url.websocket-frame.example.json'), 'utf8');
    assert.deepEqual(parseLogFrame(frame), [{ component: 'foo-service', time: '2024-01-01T00:00:00Z', line: 'fake logs' }]);
    assert.deepEqual(parseLogFrame(JSON.stringify({ data: 'web 2026-01-01T10:00:00.123Z a\nweb 2026-01-01T10:00:01Z b c\n' })).map((l) => l.line), ['a', 'b c']);
    assert.deepEqual(parseLogFrame('plain text'), [{ line: 'plain text' }]);
  });

  async function wsServer(onConnection: (ws: import('ws').WebSocket, url: string, auth: string | undefined) => void) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', (ws, req) => onConnection(ws, req.url ?? '', req.headers.authorization));
    const port = (wss.address() as AddressInfo).port;
    const close = () => new Promise<void>((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => r());
    });
    return { port, close };
  }

  it('follows a live_url: frames become {component, time, line}, until the server closes', async () => {
    let seenAuth: string | undefined;
    const srv = await wsServer((ws, _url, auth) => {
      seenAuth = auth;
      ws.send(JSON.stringify({ data: 'web 2026-01-01T10:00:00Z Uvicorn running on http://0.0.0.0:8080\n' }));
      ws.send(JSON.stringify({ data: 'web 2026-01-01T10:00:01Z GET /health 200\nworker 2026-01-01T10:00:02Z tick\n' }));
      setTimeout(() => ws.close(1000), 20);
    });
    try {
      const heard: LogLine[] = [];
      const stream = clientFor('http://127.0.0.1:1').followLiveLogs(`http://127.0.0.1:${srv.port}/logs/live?token=live-token-123456`, { onLine: (l) => heard.push(l) });
      const iterated: LogLine[] = [];
      for await (const line of stream) iterated.push(line);
      await stream.done;
      assert.deepEqual(iterated, heard);
      assert.deepEqual(iterated, [
        { component: 'web', time: '2026-01-01T10:00:00Z', line: 'Uvicorn running on http://0.0.0.0:8080' },
        { component: 'web', time: '2026-01-01T10:00:01Z', line: 'GET /health 200' },
        { component: 'worker', time: '2026-01-01T10:00:02Z', line: 'tick' },
      ]);
      assert.equal(seenAuth, 'Bearer live-token-123456', 'the live URL’s own token, as doctl sends it');
    } finally {
      await srv.close();
    }
  });

  it('stops following on abort and closes the socket', async () => {
    let serverSawClose = false;
    const srv = await wsServer((ws) => {
      const timer = setInterval(() => ws.send(JSON.stringify({ data: `web ${new Date().toISOString()} still running\n` })), 10);
      ws.on('close', () => {
        serverSawClose = true;
        clearInterval(timer);
      });
    });
    try {
      const ac = new AbortController();
      const lines: LogLine[] = [];
      const stream = followLiveLogs(`ws://127.0.0.1:${srv.port}/live`, { signal: ac.signal, onLine: (l) => (lines.push(l), lines.length === 3 && ac.abort()) });
      const started = Date.now();
      await stream.done;
      assert.ok(lines.length >= 3);
      assert.ok(Date.now() - started < 2000);
      await until(() => serverSawClose);
    } finally {
      await srv.close();
    }
  });

  it('rejects done with LOGS_UNAVAILABLE when the socket cannot open', async () => {
    const srv = await wsServer(() => undefined);
    await srv.close();
    const stream = followLiveLogs(`ws://127.0.0.1:${srv.port}/live`);
    const err = await rejection(stream.done);
    assert.equal(err.code, 'LOGS_UNAVAILABLE');
    await assert.rejects(async () => {
      for await (const _ of stream) void _;
    }, AppPlatformError);
  });
});

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
