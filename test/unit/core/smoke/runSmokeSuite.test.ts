/**
 * The smoke suite against the real skills (skills/<name>, FastAPI under /usr/bin/python3 -m uvicorn) and against small
 * node:http servers that each break one rule of the skill contract.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSkills, type Skill } from '../../../../src/core/skills/loadSkills';
import { runSmokeSuite, runSmokeSuites, SmokeAbortedError, summarizeSmoke, type SmokeManifest, type SmokeResult } from '../../../../src/core/smoke';
import { REPO_DIR } from '../../../builders/paths';

const REPO_ROOT = REPO_DIR;
const PYTHON = '/usr/bin/python3';

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface RunningSkill {
  readonly skill: Skill;
  readonly url: string;
  readonly child: ChildProcess;
  output: string;
}

/** Starts a real skill with uvicorn in its own process group; resolves once /health answers. */
async function startSkill(skill: Skill): Promise<RunningSkill> {
  const port = await freePort();
  const child = spawn(PYTHON, ['-m', 'uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: skill.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const running: RunningSkill = { skill, url: `http://127.0.0.1:${port}`, child, output: '' };
  child.stdout.on('data', (d: Buffer) => (running.output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (running.output += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) assert.fail(`${skill.name} exited (${child.exitCode}): ${running.output}`);
    try {
      const r = await fetch(`${running.url}${skill.manifest.healthPath}`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === 200) return running;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) assert.fail(`${skill.name} did not answer within 30 s: ${running.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopSkill(r: RunningSkill): Promise<void> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return;
  const exited = new Promise<void>((res) => r.child.once('exit', () => res()));
  try {
    process.kill(-r.child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-r.child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}

const MANIFEST: SmokeManifest = { name: 'broken', version: '1.2.3', healthPath: '/health', metadataPath: '/metadata', invokePath: '/invoke', docsPath: '/docs' };

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/** A node:http server that follows the skill contract, except where `overrides` (by "METHOD /path" or "*") say. */
async function contractServer(overrides: Record<string, Handler> = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const defaults: Record<string, Handler> = {
    'GET /health': (_q, res) => json(res, 200, { status: 'ok', skill: 'broken', version: '1.2.3' }),
    'GET /metadata': (_q, res) =>
      json(res, 200, { name: 'broken', description: 'A test skill', version: '1.2.3', invoke_path: '/invoke', health_path: '/health', docs_path: '/docs', inputs: { type: 'object' } }),
    'GET /docs': (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!DOCTYPE html><html><body>docs</body></html>');
    },
    'POST /invoke': (_q, res) => json(res, 200, { ok: true }),
    'GET /invoke': (_q, res) => json(res, 405, { detail: 'Method Not Allowed' }),
    '*': (_q, res) => json(res, 404, { detail: 'Not Found' }),
  };
  const routes = { ...defaults, ...overrides };
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    void (routes[key] ?? routes['*'])(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the suite against a server with `overrides`; answers the result. */
async function against(overrides: Record<string, Handler>, extra: Partial<Parameters<typeof runSmokeSuite>[0]> = {}): Promise<SmokeResult> {
  const s = await contractServer(overrides);
  try {
    return await runSmokeSuite({ skill: 'broken', manifest: MANIFEST, baseUrl: s.url, ...extra });
  } finally {
    await s.close();
  }
}

function byName(r: SmokeResult): Record<string, SmokeResult['checks'][number]> {
  return Object.fromEntries(r.checks.map((c) => [c.name, c]));
}

/** Exactly the named check failed with `code`; every other check passed. */
function onlyFailure(r: SmokeResult, name: string, code: string, status: 'failed' | 'error' = 'failed'): void {
  const failing = r.checks.filter((c) => c.status !== 'passed');
  assert.deepEqual(failing.map((c) => [c.name, c.status, c.code]), [[name, status, code]], JSON.stringify(r.checks, null, 2));
  assert.equal(r.passed, false);
  assert.ok(failing[0].mitigation && failing[0].mitigation.length > 20, 'a mitigation');
  assert.ok(failing[0].message.length > 0);
}

describe('runSmokeSuite against the real skills (uvicorn on /usr/bin/python3)', () => {
  const running: RunningSkill[] = [];

  before(async () => {
    const { skills, problems } = await loadSkills(REPO_ROOT);
    assert.deepEqual(problems, []);
    assert.ok(skills.length >= 5, `skills found: ${skills.map((s) => s.name).join(', ')}`);
    running.push(...(await Promise.all(skills.map(startSkill))));
  });
  after(async () => {
    await Promise.all(running.map(stopSkill));
    for (const r of running) await fs.rm(path.join(r.skill.dir, '__pycache__'), { recursive: true, force: true }).catch(() => undefined);
  });

  it('every check passes for every skill, in parallel; each check is named, timed and explained', async () => {
    const seen: string[] = [];
    const results = await runSmokeSuites(
      running.map((r) => ({ skill: r.skill.name, manifest: r.skill.manifest, baseUrl: r.url })),
      { concurrency: 5, onResult: (res) => seen.push(res.skill) },
    );
    assert.deepEqual(results.map((r) => r.skill), running.map((r) => r.skill.name), 'results keep the input order');
    assert.deepEqual([...seen].sort(), running.map((r) => r.skill.name).sort());
    for (const r of results) {
      assert.equal(r.passed, true, `${r.skill}: ${JSON.stringify(r.checks, null, 2)}`);
      assert.deepEqual(r.checks.map((c) => c.name), ['health', 'response-time', 'metadata', 'unknown-path', 'wrong-method', 'docs']);
      for (const c of r.checks) {
        assert.equal(c.status, 'passed');
        assert.equal(c.code, undefined);
        assert.ok(Number.isFinite(c.durationMs) && c.durationMs >= 0);
        assert.ok(c.message.length > 0);
      }
      assert.match(byName(r).metadata.message, new RegExp(`${r.skill} 0\\.1\\.0`));
      assert.equal(summarizeSmoke(r), '6/6 checks passed');
    }
  });

  it('a real skill whose manifest version differs from what it serves fails METADATA_INVALID only', async () => {
    const r = running.find((x) => x.skill.name === 'pr-review') ?? running[0];
    const result = await runSmokeSuite({ skill: r.skill.name, manifest: { ...r.skill.manifest, version: '9.9.9' }, baseUrl: r.url });
    onlyFailure(result, 'metadata', 'METADATA_INVALID');
    assert.match(byName(result).metadata.message, /version is "0\.1\.0", manifest\.json says "9\.9\.9"/);
  });
});

describe('runSmokeSuite names each broken rule', () => {
  it('a server that follows the contract passes every check', async () => {
    const r = await against({});
    assert.equal(r.passed, true, JSON.stringify(r.checks, null, 2));
    assert.equal(r.skill, 'broken');
  });

  it('health answers 500 → HEALTH_CHECK_FAIL', async () => {
    const r = await against({ 'GET /health': (_q, res) => (res.writeHead(500), res.end('boom')) });
    onlyFailure(r, 'health', 'HEALTH_CHECK_FAIL');
    assert.match(byName(r).health.message, /answered 500: boom/);
  });

  it('health answers for another skill → HEALTH_CHECK_FAIL', async () => {
    const r = await against({ 'GET /health': (_q, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{"status":"ok","skill":"other"}')) });
    onlyFailure(r, 'health', 'HEALTH_CHECK_FAIL');
    assert.match(byName(r).health.message, /another skill/);
  });

  it('health slower than the threshold → PERFORMANCE_DEGRADATION (health itself passes)', async () => {
    const r = await against(
      {
        'GET /health': async (_q, res) => {
          await sleep(300);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"status":"ok","skill":"broken","version":"1.2.3"}');
        },
      },
      { responseTimeThresholdMs: 100 },
    );
    onlyFailure(r, 'response-time', 'PERFORMANCE_DEGRADATION');
    assert.match(byName(r).health.message, /answered 200/);
    assert.match(byName(r)['response-time'].message, /took \d+ ms, over the limit of 100 ms/);
  });

  it('health that never answers → health error, response time failed (PERFORMANCE_DEGRADATION)', async () => {
    const r = await against({ 'GET /health': () => undefined }, { timeoutMs: 300, responseTimeThresholdMs: 100 });
    const c = byName(r);
    assert.equal(c.health.status, 'error');
    assert.equal(c.health.code, 'HEALTH_CHECK_FAIL');
    assert.match(c.health.message, /no answer within 300 ms/);
    assert.equal(c['response-time'].status, 'failed');
    assert.equal(c['response-time'].code, 'PERFORMANCE_DEGRADATION');
    assert.equal(r.passed, false);
  });

  it('metadata with the wrong version → METADATA_INVALID naming the field', async () => {
    const r = await against({
      'GET /metadata': (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: 'broken', description: 'd', version: '2.0.0', invoke_path: '/invoke', health_path: '/health', docs_path: '/docs', inputs: {} }));
      },
    });
    onlyFailure(r, 'metadata', 'METADATA_INVALID');
    assert.match(byName(r).metadata.message, /version is "2\.0\.0", manifest\.json says "1\.2\.3"/);
  });

  it('metadata without required fields, or not JSON → METADATA_INVALID listing what is missing', async () => {
    const missing = await against({ 'GET /metadata': (_q, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{"name":"broken","version":"1.2.3"}')) });
    onlyFailure(missing, 'metadata', 'METADATA_INVALID');
    for (const field of ['description', 'invoke_path', 'health_path', 'docs_path', 'inputs']) assert.match(byName(missing).metadata.message, new RegExp(field));
    const notJson = await against({ 'GET /metadata': (_q, res) => (res.writeHead(200), res.end('hello')) });
    onlyFailure(notJson, 'metadata', 'METADATA_INVALID');
    assert.match(byName(notJson).metadata.message, /did not answer JSON/);
  });

  it('unknown paths answer 200 (a catch-all) → ENDPOINT_404', async () => {
    const r = await against({ '*': (_q, res) => (res.writeHead(200), res.end('anything')) });
    onlyFailure(r, 'unknown-path', 'ENDPOINT_404');
    assert.match(byName(r)['unknown-path'].message, /GET \/odoobo-smoke-[0-9a-f]{12} \(an unknown path\) answered 200, not 404/);
  });

  it('GET on the invoke path answers 200 → METHOD_405', async () => {
    const r = await against({ 'GET /invoke': (_q, res) => (res.writeHead(200), res.end('{}')) });
    onlyFailure(r, 'wrong-method', 'METHOD_405');
    assert.match(byName(r)['wrong-method'].message, /answered 200, not 405/);
  });

  it('no /docs → DOCS_MISSING; /docs that is not HTML → DOCS_MISSING', async () => {
    const none = await against({ 'GET /docs': (_q, res) => (res.writeHead(404), res.end()) });
    onlyFailure(none, 'docs', 'DOCS_MISSING');
    assert.match(byName(none).docs.message, /answered 404, not 200/);
    const json = await against({ 'GET /docs': (_q, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{}')) });
    onlyFailure(json, 'docs', 'DOCS_MISSING');
    assert.match(byName(json).docs.message, /not HTML/);
  });

  it('nothing listening → every check is an error with its own code', async () => {
    const port = await freePort();
    const r = await runSmokeSuite({ skill: 'broken', manifest: MANIFEST, baseUrl: `http://127.0.0.1:${port}/` });
    assert.equal(r.passed, false);
    assert.deepEqual(r.checks.map((c) => [c.status, c.code]), [
      ['error', 'HEALTH_CHECK_FAIL'],
      ['error', 'PERFORMANCE_DEGRADATION'],
      ['error', 'METADATA_INVALID'],
      ['error', 'ENDPOINT_404'],
      ['error', 'METHOD_405'],
      ['error', 'DOCS_MISSING'],
    ]);
    assert.match(r.checks[0].message, /ECONNREFUSED/);
  });

  it('aborting rejects with SmokeAbortedError; suites run in parallel up to the concurrency', async () => {
    const slow = await contractServer({
      'GET /health': async (_q, res) => {
        await sleep(250);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      },
    });
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      await assert.rejects(runSmokeSuite({ skill: 'broken', manifest: MANIFEST, baseUrl: slow.url, signal: ac.signal }), SmokeAbortedError);

      const started = Date.now();
      const results = await runSmokeSuites(Array.from({ length: 4 }, () => ({ skill: 'broken', manifest: MANIFEST, baseUrl: slow.url })), { concurrency: 4 });
      const took = Date.now() - started;
      assert.ok(results.every((r) => r.passed), JSON.stringify(results.map((r) => r.checks.filter((c) => c.status !== 'passed'))));
      assert.ok(took < 900, `4 suites of ≥250 ms each ran in parallel (${took} ms)`);
    } finally {
      await slow.close();
    }
  });
});
