/**
 * The local App Platform against hostile requests and hostile files: every registered route (collected with fastify's
 * onRoute hook) × missing / wrong token × encoded path variants; Host, Origin and content-type checks; deep bodies;
 * long ids; wrong-typed spec fields; corrupt state files; short tokens; the data folder's modes. A real server on
 * 127.0.0.1, real requests with raw paths (node:http, so nothing normalises them on the way).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { buildApiServer, MAX_BODY_DEPTH } from '../../../src/platform/api/server';
import { startLocalPlatform } from '../../../src/platform/index';
import { LocalAppPlatform } from '../../../src/platform/platform';
import { checkAppSpec } from '../../../src/platform/spec/checkSpec';
import { FAST_HEALTH, PYTHON, REPO_ROOT, startTestPlatform, tempDir, waitForDeployment } from '../../builders/platform';

const TOKEN = `hostile-${randomBytes(24).toString('hex')}`;

const JSON_TYPE = { 'content-type': 'application/json' };

/** A spec whose source the simulated platform accepts (a git URL; nothing is fetched). */
function localSpec(name: string): any {
  const spec = validSpec(name);
  const { github: _github, ...service } = spec.services[0];
  return { ...spec, services: [{ ...service, git: { repo_clone_url: '/nonexistent.git', branch: 'main' } }] };
}

function validSpec(name: string): any {
  return {
    name,
    region: 'fra',
    envs: [{ key: 'GREETING', value: 'hi', scope: 'RUN_TIME' }],
    alerts: [{ rule: 'DEPLOYMENT_FAILED' }],
    services: [{
      name: 'web',
      github: { repo: 'odoobo/odoobo-skills', branch: 'main', deploy_on_push: true },
      source_dir: 'skills/web',
      run_command: 'uvicorn main:app --port $PORT',
      http_port: 8080,
      health_check: { http_path: '/health' },
    }],
    ingress: { rules: [{ match: { path: { prefix: '/' } }, component: { name: 'web' } }] },
  };
}

interface Raw {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  readonly body?: any;
}

/** A request with the path sent exactly as given (fetch's URL parser would normalise `/./`, `..` and more). */
interface RawOptions {
  token?: string;
  headers?: Record<string, string>;
  body?: string;
}

function raw(port: number, method: string, rawPath: string, opts: RawOptions = {}): Promise<Raw> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    // Host '' stands for no Host header at all.
    if (headers.host === '') delete headers.host;
    const options = { host: '127.0.0.1', port, method, path: rawPath, headers, agent: false, setHost: headers.host !== undefined };
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${rawPath}: no answer in 10 s`)));
    req.end(opts.body);
  });
}

function assertDoError(r: Raw, status: number, id: string, what: string): void {
  assert.equal(r.status, status, `${what}: status (body ${r.text.slice(0, 300)})`);
  assert.ok(r.body, `${what}: a JSON body (got ${r.text.slice(0, 200)})`);
  assert.deepEqual(Object.keys(r.body).sort(), ['id', 'message', 'request_id'], `${what}: DigitalOcean's error shape`);
  assert.equal(r.body.id, id, `${what}: error id (${r.body.message})`);
  assert.equal(typeof r.body.request_id, 'string');
}

/** The ways a path may be written so that a router decodes or normalises it to the same (or a near) route. */
function variants(p: string): string[] {
  const segs = p.split('/');
  const first = segs[1];
  const enc = (c: string): string => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  const rest = segs.slice(2).join('/');
  const tail = rest ? `/${rest}` : '';
  return [
    p,
    `/${first.split('').map(enc).join('')}${tail}`, // /%76%32/apps
    `/${enc(first[0])}${first.slice(1)}${tail}`, // /%762/apps
    `/${first.split('').map(enc).join('').toLowerCase()}${tail}`,
    `/${first}${tail.replace('/', '%2F')}`, // /v2%2Fapps
    `/${first}${tail.replace('/', '%2f')}`,
    `/%25${enc(first[0]).slice(1)}${first.slice(1)}${tail}`, // double encoding: /%2576/2/apps
    `/${first.split('').map((c) => `%25${enc(c).slice(1)}`).join('')}${tail}`,
    `/${p}`, // //v2/apps
    p.replace(/\//g, '//'),
    `/.${p}`, // /./v2/apps
    `/${first}/.${tail}`,
    `/${first}/x/..${tail}`,
    `/${first}/%2e${tail}`,
    `/${first}/%2e%2e/${first}${tail}`,
    `${p}.`, // trailing dots
    `/${first}.${tail}`,
    `${p}/`,
    `${p}%00`,
    `${p};x`,
    `${p}?x=1`,
    `/${first.toUpperCase()}${tail}`, // /V2/apps
    `/${first[0].toUpperCase()}${first.slice(1)}${tail.toUpperCase()}`,
    `/${first}\\${rest}`.replace(/\\$/, ''),
  ];
}

describe('local App Platform: hostile requests', () => {
  let dataDir: string;
  let platform: LocalAppPlatform;
  let api: FastifyInstance;
  let port: number;
  const routes: Array<{ method: string; url: string }> = [];

  before(async () => {
    dataDir = await tempDir('odoobo-hostile-');
    const faults = { simulate: true, buildMs: 10, deployMs: 10 };
    platform = new LocalAppPlatform({ dataDir, token: TOKEN, python: PYTHON, faults, healthChecks: FAST_HEALTH, shutdownGraceSeconds: 2 });
    await platform.init();
    // The real server, with a hook that records every route as fastify registers it.
    api = await buildApiServer(platform, {
      onRoute: (r: RouteOptions) => {
        for (const m of [r.method].flat()) routes.push({ method: m, url: r.url });
      },
    });
    await api.listen({ port: 0, host: '127.0.0.1' });
    port = (api.server.address() as { port: number }).port;
    platform.apiBase = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await api?.close();
    await platform?.shutdown();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const PUBLIC = ['/_local/logs/archive/:deployment_id/:type', '/_local/logs/live/:deployment_id/:type'];

  it('every registered route and every encoded variant of its path needs the token (401 in DigitalOcean\'s shape)', async () => {
    assert.ok(routes.length >= 25, `routes collected by onRoute: ${routes.length}`);
    assert.ok(routes.some((r) => r.url === '/_local/faults' && r.method === 'PUT'));
    let checked = 0;
    for (const route of routes) {
      const concrete = route.url.replace(/:deployment_id/g, 'd0').replace(/:type/g, 'BUILD').replace(/:[a-z_]+/g, 'some-app');
      const isPublic = PUBLIC.includes(route.url);
      for (const v of variants(concrete)) {
        for (const token of [undefined, 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
          const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined;
          const r = await raw(port, route.method, v, { token, body, headers: body ? { 'content-type': 'application/json' } : {} });
          const what = `${route.method} ${v} (route ${route.url}, token ${token === undefined ? 'none' : 'wrong'})`;
          if (isPublic) {
            // The signed log URLs check their signature instead: never an answer without one.
            assert.ok([401, 403, 404].includes(r.status), `${what}: ${r.status} ${r.text.slice(0, 200)}`);
          } else if (route.method === 'HEAD') {
            assert.equal(r.status, 401, what);
          } else {
            assertDoError(r, 401, 'unauthorized', what);
            assert.ok(r.headers['ratelimit-limit'], `${what}: counted by the rate limiter`);
          }
          checked++;
        }
      }
    }
    // Paths no route has, and methods no route takes, answer 401 too: nothing about them leaks without the token.
    for (const v of ['/', '/nothing', '/v3/apps', '/_local', '/_local/logs', '/v2/apps/x/y/z/w']) {
      assertDoError(await raw(port, 'GET', v), 401, 'unauthorized', v);
    }
    const preflight = await raw(port, 'OPTIONS', '/v2/apps', { headers: { origin: `http://127.0.0.1:${port}` } });
    assertDoError(preflight, 401, 'unauthorized', 'OPTIONS');
    console.log(`${routes.length} routes, ${checked} requests without a valid token: all refused`);
  });

  it('with the token, the decoded path reaches the route (the check and the router agree)', async () => {
    const plain = await raw(port, 'GET', '/v2/apps', { token: TOKEN });
    assert.equal(plain.status, 200);
    const encoded = await raw(port, 'GET', '/%76%32/apps', { token: TOKEN });
    assert.equal(encoded.status, 200, 'the router decodes %76%32; the token check saw the same route');
    assert.deepEqual(encoded.body.apps, plain.body.apps);
  });

  it('refuses a Host that is not this server on loopback (DNS rebinding) and cross-origin requests', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `127.0.0.2:${port}`, `[::1]:${port}`, '']) {
      assertDoError(await raw(port, 'GET', '/v2/apps', { token: TOKEN, headers: { host } }), 403, 'forbidden', `Host ${host}`);
    }
    const signed = await raw(port, 'GET', '/_local/logs/archive/d0/BUILD', { headers: { host: 'rebound.example' } });
    assertDoError(signed, 403, 'forbidden', 'signed URL, foreign Host');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await raw(port, 'GET', '/v2/apps', { token: TOKEN, headers: { host } })).status, 200, `Host ${host}`);
    }
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, 'http://localhost']) {
      assertDoError(await raw(port, 'GET', '/v2/apps', { token: TOKEN, headers: { origin } }), 403, 'forbidden', `Origin ${origin}`);
      const body = JSON.stringify({ spec: validSpec('csrf') });
      const post = await raw(port, 'POST', '/v2/apps', { headers: { origin, 'content-type': 'text/plain' }, body });
      assertDoError(post, 403, 'forbidden', `cross-origin POST from ${origin}`);
    }
    assert.equal((await raw(port, 'GET', '/v2/apps', { token: TOKEN, headers: { origin: `http://127.0.0.1:${port}` } })).status, 200);
  });

  it('accepts request bodies only as application/json (415 in DigitalOcean\'s shape)', async () => {
    const body = JSON.stringify({ spec: validSpec('typed') });
    const types = ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'];
    types.push('application/jsonx');
    for (const type of types) {
      for (const route of ['/v2/apps/propose', '/v2/apps', '/_local/faults']) {
        const r = await raw(port, 'POST', route, { token: TOKEN, headers: { 'content-type': type }, body });
        assertDoError(r, 415, 'unsupported_media_type', `${type} to ${route}`);
        const anonymous = await raw(port, 'POST', route, { headers: { 'content-type': type }, body });
        assertDoError(anonymous, 401, 'unauthorized', `${type} without a token`);
      }
    }
    assertDoError(await raw(port, 'POST', '/v2/apps/propose', { token: TOKEN, body }), 415, 'unsupported_media_type', 'no content-type');
    const utf8 = { 'content-type': 'application/json; charset=utf-8' };
    const ok = await raw(port, 'POST', '/v2/apps/propose', { token: TOKEN, headers: utf8, body });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.app_name_available, true);
    // No body at all is not a content type to refuse (clients send none on POSTs without parameters).
    const none = await raw(port, 'POST', '/v2/apps/propose', { token: TOKEN, body: '' });
    assertDoError(none, 422, 'unprocessable_entity', 'propose without a body');
    assert.match(none.body.message, /spec/);
  });

  it('bounds the nesting of JSON bodies: 400 bad_request, not a stack overflow', async () => {
    const deepCases = [['/v2/apps', 3000], ['/v2/apps/propose', 6000], ['/v2/apps', 200_000], ['/_local/faults', 5000]] as const;
    for (const [route, depth] of deepCases) {
      const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const service = `{"name":"web","git":{"repo_clone_url":"/x","branch":"main"},"run_command":"x","extra":${deep}}`;
      const body = `{"spec":{"name":"deep","services":[${service}]}}`;
      const r = await raw(port, 'POST', route, { token: TOKEN, headers: { 'content-type': 'application/json' }, body });
      assertDoError(r, 400, 'bad_request', `${route} nested ${depth} deep`);
      assert.match(r.body.message, new RegExp(`deeper than ${MAX_BODY_DEPTH} levels`));
    }
    const objects = `{"spec":${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}}`;
    const deepObjects = await raw(port, 'POST', '/v2/apps', { token: TOKEN, headers: JSON_TYPE, body: objects });
    assertDoError(deepObjects, 400, 'bad_request', 'deep objects');
    // A body nested within the bound is parsed and checked as a spec (400 naming the field, not the nesting).
    const shallow = { spec: { ...validSpec('shallow'), services: [{ ...validSpec('shallow').services[0], extra: [[[[1]]]] }] } };
    const r = await raw(port, 'POST', '/v2/apps/propose', { token: TOKEN, headers: JSON_TYPE, body: JSON.stringify(shallow) });
    assertDoError(r, 400, 'bad_request', 'shallow extra field');
    assert.match(r.body.message, /field "services\[0\]\.extra": unknown field/);
    assert.equal((await raw(port, 'GET', '/v2/apps', { token: TOKEN })).status, 200, 'the platform still answers');
  });

  it('answers ids over 100 characters and malformed escapes in DigitalOcean\'s shape, with or without a token', async () => {
    const long = 'a'.repeat(101);
    const paths = [`/v2/apps/${long}`, `/v2/apps/${long}/deployments`, `/v2/apps/x/deployments/${long}`];
    paths.push(`/v2/apps/x/alerts/${long}/destinations`, `/_local/logs/archive/${long}/BUILD`);
    for (const p of paths) {
      const method = p.endsWith('destinations') ? 'POST' : 'GET';
      assertDoError(await raw(port, method, p), 401, 'unauthorized', `${p.slice(0, 40)}… without a token`);
      assertDoError(await raw(port, method, p, { token: TOKEN }), 404, 'not_found', `${p.slice(0, 40)}… with the token`);
      const rebound = await raw(port, method, p, { token: TOKEN, headers: { host: 'evil.example' } });
      assertDoError(rebound, 403, 'forbidden', 'long id, foreign Host');
    }
    assertDoError(await raw(port, 'GET', '/v2/apps/%zz'), 401, 'unauthorized', 'malformed escape without a token');
    assertDoError(await raw(port, 'GET', '/v2/apps/%zz', { token: TOKEN }), 400, 'bad_request', 'malformed escape');
  });

  it('refuses wrong-typed spec fields at propose, create and update (400 naming the field)', async () => {
    const victim = JSON.stringify({ spec: validSpec('victim') });
    const created = await raw(port, 'POST', '/v2/apps', { token: TOKEN, headers: JSON_TYPE, body: victim });
    assert.equal(created.status, 200, created.text);
    const appId = created.body.app.id;
    const base = validSpec('victim');
    const svc = (extra: Record<string, unknown>): any => ({ ...base, services: [{ ...base.services[0], ...extra }] });
    const rules = (rule: unknown): any => ({ ...validSpec('victim'), ingress: { rules: [rule] } });
    const gh = validSpec('victim').services[0].github;
    const cases: Array<[string, any, RegExp]> = [];
    for (const v of ['yes', 1, 0, null, [], {}]) {
      cases.push([`deploy_on_push ${JSON.stringify(v)}`, svc({ github: { ...gh, deploy_on_push: v } }), /github\.deploy_on_push/]);
    }
    cases.push(['environment_slug ""', svc({ environment_slug: '' }), /services\[0\]\.environment_slug/]);
    cases.push(['environment_slug 5', svc({ environment_slug: 5 }), /services\[0\]\.environment_slug/]);
    for (const v of ['/', 5, [], null]) {
      cases.push([`ingress match ${JSON.stringify(v)}`, rules({ match: v, component: { name: 'web' } }), /ingress\.rules\[0\]\.match/]);
      cases.push([`ingress component ${JSON.stringify(v)}`, rules({ match: { path: { prefix: '/' } }, component: v }), /\]\.component/]);
    }
    cases.push(['ingress prefix 5', rules({ match: { path: { prefix: 5 } }, component: { name: 'web' } }), /match\.path\.prefix/]);
    cases.push(['health_check unknown key', svc({ health_check: { http_path: '/h', bogus: 1 } }), /health_check\.bogus": unknown field/]);
    cases.push(['health_check typo', svc({ health_check: { http_path: '/health', perod_seconds: 3 } }), /health_check\.perod_seconds/]);
    cases.push(['unknown service field', svc({ colour: 'blue' }), /services\[0\]\.colour": unknown field/]);
    cases.push(['envs value number', { ...validSpec('victim'), envs: [{ key: 'A', value: 1 }] }, /envs\[0\]\.value/]);
    cases.push(['alert rule unknown', { ...validSpec('victim'), alerts: [{ rule: 'EVERYTHING' }] }, /alerts\[0\]\.rule/]);
    cases.push(['routes not a list', svc({ routes: 'x' }), /services\[0\]\.routes/]);
    cases.push(['protocol bogus', svc({ protocol: 'GOPHER' }), /services\[0\]\.protocol/]);
    cases.push(['instance_count string', svc({ instance_count: '2' }), /services\[0\]\.instance_count/]);
    cases.push(['source_dir /etc', svc({ source_dir: '/etc' }), /source_dir": must be a relative path inside the repository/]);
    cases.push(['source_dir escaping', svc({ source_dir: 'skills/../../..' }), /services\[0\]\.source_dir/]);
    cases.push(['source_dir windows', svc({ source_dir: 'C:\\Windows' }), /services\[0\]\.source_dir/]);
    for (const [what, spec, field] of cases) {
      for (const [method, route] of [['POST', '/v2/apps/propose'], ['POST', '/v2/apps'], ['PUT', `/v2/apps/${appId}`]]) {
        const r = await raw(port, method, route, { token: TOKEN, headers: JSON_TYPE, body: JSON.stringify({ spec }) });
        assertDoError(r, 400, 'bad_request', `${what} at ${method} ${route}`);
        assert.match(r.body.message, field, `${what} at ${method} ${route}`);
      }
    }
    const list = await raw(port, 'GET', '/v2/apps', { token: TOKEN });
    assert.deepEqual(list.body.apps.map((a: any) => a.spec.name), ['victim'], 'nothing hostile was created');
    console.log(`${cases.length} wrong-typed specs refused at propose, create and update`);
  });

  it('accepts the repository\'s own specs (infra/, the fixtures) and specs with app-level envs and alerts', async () => {
    const infra = path.join(REPO_ROOT, 'infra');
    // Base specs only: overlays (<skill>.<env>.yaml) and environments.yaml are not app specs on their own.
    const bases = (await fs.readdir(infra)).filter((f) => /^[^.]+\.yaml$/.test(f) && f !== 'environments.yaml');
    const files = bases.map((f) => path.join(infra, f));
    files.push(path.join(REPO_ROOT, 'test/fixtures/appspecs/full.yaml'));
    assert.ok(files.length >= 5);
    for (const file of files) {
      const r = checkAppSpec(parseYaml(readFileSync(file, 'utf8')));
      // `unsupported`: valid for DigitalOcean, but not runnable locally (e.g. a static site): never a wrong field.
      assert.ok(r.ok || r.unsupported, `${path.relative(REPO_ROOT, file)}: ${r.ok ? '' : r.errors.join('; ')}`);
    }
    assert.ok(checkAppSpec(validSpec('with-envs')).ok);
  });
});

describe('local App Platform: hostile files and settings', () => {
  it('refuses a bearer token shorter than 32 characters at start', async () => {
    const dataDir = await tempDir('odoobo-hostile-token-');
    try {
      for (const token of ['t', 'test-0123456789abcdef', 'x'.repeat(31)]) {
        const why = /the bearer token is \d+ characters long; the local App Platform needs at least 32 /;
        await assert.rejects(startLocalPlatform({ dataDir, token }), why);
      }
      const p = await startLocalPlatform({ dataDir, token: 'y'.repeat(32), python: PYTHON });
      await p.stop();
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps its data folder private (0700) and its logs 0600, also for a folder that existed', async () => {
    const dataDir = await tempDir('odoobo-hostile-modes-');
    await fs.chmod(dataDir, 0o755);
    const p = await startTestPlatform({ dataDir, faults: { simulate: true, buildMs: 10, deployMs: 10 } });
    try {
      assert.equal((await fs.stat(dataDir)).mode & 0o777, 0o700);
      const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec: localSpec('modes') });
      await waitForDeployment(p.api, app.id, app.pending_deployment.id);
      await p.stop();
      const logs = path.join(dataDir, 'logs');
      const files = (await fs.readdir(logs, { recursive: true })).map((f) => path.join(logs, String(f)));
      const logFiles = [];
      for (const f of files) if ((await fs.stat(f)).isFile()) logFiles.push(f);
      assert.ok(logFiles.length >= 2, `log files: ${logFiles.join(', ')}`);
      for (const f of logFiles) assert.equal((await fs.stat(f)).mode & 0o777, 0o600, f);
    } finally {
      await p.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('moves corrupt state files aside (kept, named in the log) and starts with the others', async () => {
    const dataDir = await tempDir('odoobo-hostile-state-');
    try {
      const first = await startTestPlatform({ dataDir, faults: { simulate: true, buildMs: 10, deployMs: 10 } });
      const { app } = await first.api.expect(200, 'POST', '/v2/apps', { spec: localSpec('survivor') });
      await waitForDeployment(first.api, app.id, app.pending_deployment.id);
      await first.stop();
      const apps = path.join(dataDir, 'state', 'apps');
      const good = await fs.readFile(path.join(apps, `${app.id}.json`), 'utf8');
      const corrupt: Record<string, string> = {
        'truncated.json': good.slice(0, 1000),
        'x.json': '{"id":"x"}',
        'null.json': 'null',
        'list.json': '[]',
        'renamed.json': good,
        'no-deployments.json': JSON.stringify({ ...JSON.parse(good), id: 'no-deployments', deployments: 'none' }),
      };
      for (const [name, text] of Object.entries(corrupt)) await fs.writeFile(path.join(apps, name), text);
      await fs.writeFile(path.join(dataDir, 'state', 'platform.json'), '{"logSecret": ');

      const second = await startTestPlatform({ dataDir, token: first.token, faults: { simulate: true } });
      try {
        const { apps: listed } = await second.api.expect(200, 'GET', '/v2/apps');
        assert.deepEqual(listed.map((a: any) => a.id), [app.id], 'the good app is served');
        const left = await fs.readdir(apps);
        for (const [name, text] of Object.entries(corrupt)) {
          assert.ok(!left.includes(name), `${name} moved away`);
          const kept = left.find((f) => f.startsWith(`${name}.corrupt-`));
          assert.ok(kept, `${name} kept as ${name}.corrupt-<time>: ${left.join(', ')}`);
          assert.equal(await fs.readFile(path.join(apps, kept), 'utf8'), text, 'kept as it was');
          const named = second.logLines.some((l) => l.includes(path.join(apps, name)) && l.includes('corrupt'));
          assert.ok(named, `the log names ${name}: ${second.logLines.join('\n')}`);
        }
        const meta = path.join(dataDir, 'state', 'platform.json');
        assert.ok(second.logLines.some((l) => l.includes(meta)), 'a corrupt platform.json is named too');
      } finally {
        await second.stop();
      }
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
