/**
 * One local App Platform per repository, shared by every command and the editor (real processes): a CLI deploy is seen
 * by a second client through core's discovery at the same URL and keeps serving after the command; `status --live`
 * asks the platform and does not call a killed app healthy; kill -9 of the platform → the next command starts a fresh
 * one that restores the app; two CLI processes racing to start it → one platform; `platform stop` leaves no process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { defaultCliCommand, endpointFile, findLocalPlatform, markedProcesses, readEndpoint } from '../../../../src/core/localPlatform';
import { platformProcesses } from '../../../builders/platform';
import { SkillRepo } from '../../../builders/platformRepo';
import { git, RepoFixture } from '../../../builders/repo';

function capture(env: NodeJS.ProcessEnv = {}): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY: false }, out, err };
}

async function odoobo(argv: string[]): Promise<{ code: number; out: string; err: string; json?: any }> {
  const c = capture({ PATH: process.env.PATH, HOME: process.env.HOME });
  const code = await main(argv, c.io);
  const json = argv.includes('--json') ? JSON.parse(c.out.join('\n')) : undefined;
  return { code, out: c.out.join('\n'), err: c.err.join('\n'), json };
}

/** `odoobo <argv>` in a process of its own (as two terminals would run it). */
function odooboProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const cli = defaultCliCommand();
  return new Promise((resolve) => {
    const options = { env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 120_000 };
    execFile(cli.command, [...cli.args, ...argv], options, (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

async function dataDirOf(dir: string): Promise<string> {
  const common = (await git(dir, 'rev-parse', '--path-format=absolute', '--git-common-dir')).trim();
  return path.join(common, 'odoobo', 'local-platform');
}

/** The platform processes among the marked ones (the apps carry the marker too). */
async function platformPids(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await markedProcesses(dataDir)) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').join(' ').includes('platform start')) pids.push(pid);
  }
  return pids;
}

async function stopAndCheck(dir: string, dataDir: string): Promise<void> {
  const s = await odoobo(['platform', 'stop', '-C', dir, '--json']);
  assert.equal(s.code, 0, s.out + s.err);
  assert.deepEqual(platformProcesses(dataDir), [], 'no process of the platform (or of its apps) is left');
}

describe('the shared local App Platform with a real skill', () => {
  let repo: SkillRepo;
  let dir: string;
  let dataDir: string;
  let liveUrl = '';
  before(async () => {
    repo = await SkillRepo.create('pr-review');
    dir = repo.fixture.dir;
    dataDir = await dataDirOf(dir);
  });
  after(async () => {
    await odoobo(['platform', 'stop', '-C', dir]).catch(() => undefined);
    await repo?.remove();
  });

  it('a CLI deploy is seen by a second client (core discovery, as the editor) at the same URL, and serves after the command', async () => {
    const d = await odoobo(['deploy', 'pr-review', '--target', 'local', '-C', dir, '--json']);
    assert.equal(d.code, 0, JSON.stringify(d.json, null, 2) + d.err);
    assert.match(d.err, /started the local App Platform at http:\/\/127\.0\.0\.1:\d+ \(pid \d+, data: .*\.git\/odoobo\/local-platform\)/);
    liveUrl = d.json.results[0].liveUrl;
    const health = await fetch(`${liveUrl}/health`);
    assert.equal(health.status, 200, 'the skill still serves after the deploy command ended');

    const endpoint = await findLocalPlatform(dataDir);
    assert.ok(endpoint, 'the endpoint file names a live platform');
    assert.equal(endpoint.url, d.json.apiUrl);
    assert.equal((await fs.stat(endpointFile(dataDir))).mode & 0o777, 0o600);
    const client = new AppPlatformClient({ baseUrl: endpoint.url, token: endpoint.token });
    try {
      const apps = await client.listApps();
      assert.deepEqual(apps.map((a) => [a.spec.name, a.live_url]), [['pr-review', liveUrl]]);
    } finally {
      await client.close();
    }

    const ps = await odoobo(['platform', 'status', '-C', dir, '--json']);
    assert.equal(ps.code, 0);
    assert.equal(ps.json.pid, endpoint.pid);
    assert.equal(ps.json.apps[0].live_url, liveUrl);
    assert.equal(ps.json.apps[0].active_deployment.phase, 'ACTIVE');

    const live = await odoobo(['status', '--live', '-C', dir, '--json']);
    assert.equal(live.code, 0, live.err);
    assert.equal(live.json.live.apps[0].state, 'healthy');
    assert.equal(live.json.live.summary.healthy, 1);
  });

  it('status --live after the app\'s process was killed does not say healthy', async () => {
    const endpoint = (await readEndpoint(dataDir))!;
    const apps = (await markedProcesses(dataDir)).filter((p) => p !== endpoint.pid);
    assert.ok(apps.length > 0, 'the app runs as processes of its own');
    for (const p of apps) process.kill(p, 'SIGKILL');
    const live = await odoobo(['status', '--live', '-C', dir, '--json']);
    assert.equal(live.code, 0, live.err);
    const a = live.json.live.apps[0];
    assert.notEqual(a.state, 'healthy', JSON.stringify(a));
    assert.equal(a.health, 'UNHEALTHY');
    assert.equal(live.json.live.summary.healthy, 0);
    const text = await odoobo(['status', '--live', '-C', dir]);
    assert.match(text.out, /LAST DEPLOYMENT \(recorded\)/);
    assert.match(text.out, /live on local \(http:\/\/127\.0\.0\.1:\d+\)/);
  });

  it('kill -9 of the platform → the next command starts a fresh one that restores the app from its state', async () => {
    const before = (await readEndpoint(dataDir))!;
    process.kill(before.pid, 'SIGKILL');
    const t = await odoobo(['test', 'pr-review', '--target', 'local', '-C', dir, '--json']);
    assert.equal(t.code, 0, JSON.stringify(t.json, null, 2) + t.err);
    assert.match(t.err, /started the local App Platform/);
    const after = (await readEndpoint(dataDir))!;
    assert.notEqual(after.pid, before.pid, 'a fresh platform');
    assert.equal(t.json.results[0].liveUrl, liveUrl, 'the same live URL after the restart');
    assert.equal((await fetch(`${liveUrl}/health`)).status, 200);
    assert.deepEqual(await platformPids(dataDir), [after.pid], 'one platform');
  });

  it('platform stop stops it and every process it runs; status no longer counts on it', async () => {
    const pid = (await readEndpoint(dataDir))!.pid;
    assert.ok(platformProcesses(dataDir).length >= 2, 'the platform and its app run');
    await stopAndCheck(dir, dataDir);
    assert.throws(() => process.kill(pid, 0));
    assert.equal(await readEndpoint(dataDir), undefined, 'the endpoint file is gone');
    await assert.rejects(fetch(`${liveUrl}/health`));
    const ps = await odoobo(['platform', 'status', '-C', dir]);
    assert.equal(ps.code, 1);
    assert.match(ps.out, /no local App Platform is running/);
    const st = await odoobo(['status', '-C', dir]);
    assert.match(st.out, /ACTIVE local .* · platform not running/);
    const live = await odoobo(['status', '--live', '-C', dir, '--json']);
    assert.equal(live.json.live.summary.healthy, 0);
    assert.equal(await readEndpoint(dataDir), undefined, 'status --live did not start it');
  });
});

describe('starting the shared platform', () => {
  let repo: RepoFixture;
  let dataDir: string;
  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-race-', skills: [{ name: 'alpha' }] });
    dataDir = await dataDirOf(repo.dir);
  });
  after(async () => {
    await odoobo(['platform', 'stop', '-C', repo.dir]).catch(() => undefined);
    await repo?.remove();
  });

  it('two CLI processes racing to start it end up with one platform (one pid, one endpoint)', async () => {
    try {
      // alpha is not deployed: each command connects (starting the platform when none answers), then reports NOT_DEPLOYED.
      const argv = ['test', 'alpha', '--target', 'local', '-C', repo.dir, '--json'];
      const [one, two] = await Promise.all([odooboProcess(argv), odooboProcess(argv)]);
      const started = [one, two].filter((r) => /started the local App Platform/.test(r.err));
      assert.equal(started.length, 1, `exactly one started it:\n${one.err}\n---\n${two.err}`);
      const urls = [one, two].map((r) => JSON.parse(r.out).apiUrl);
      assert.equal(urls[0], urls[1], 'both talk to the same platform');
      const endpoint = (await readEndpoint(dataDir))!;
      assert.equal(endpoint.url, urls[0]);
      assert.deepEqual(await platformPids(dataDir), [endpoint.pid], 'one platform process');
    } finally {
      await stopAndCheck(repo.dir, dataDir);
    }
  });

  it('a stale endpoint file (dead pid) is replaced; --idle-stop stops an idle platform and removes its endpoint', async () => {
    try {
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
      const stale = { url: 'http://127.0.0.1:9', token: 'x'.repeat(48), pid: 999_999_99, startedAt: new Date().toISOString(), dataDir };
      await fs.writeFile(endpointFile(dataDir), JSON.stringify(stale), { mode: 0o600 });
      const { ensureLocalPlatform } = await import('../../../../src/core/localPlatform');
      const p = await ensureLocalPlatform({ dataDir, workspace: repo.dir, env: { PATH: process.env.PATH }, idleStopMinutes: 0.02 });
      assert.equal(p.started, true);
      assert.notEqual(p.url, stale.url);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (await markedProcesses(dataDir)).length) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await markedProcesses(dataDir), [], 'it stopped itself after 1.2 s idle');
      assert.equal(await readEndpoint(dataDir), undefined);
      assert.match(await fs.readFile(path.join(dataDir, 'platform.log'), 'utf8'), /idle for 0\.02 min/);
    } finally {
      await stopAndCheck(repo.dir, dataDir);
    }
  });
});
