/**
 * State survives the platform: a stopped platform stops every process it started, and the next one on the same data
 * folder serves the ACTIVE deployment again on the same stable URL. After a crash (SIGKILL of `odoobo platform start`)
 * the next start stops what the dead platform left running.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  get, platformProcesses, REPO_ROOT, startTestPlatform, tempDir, waitFor, waitForDeployment, waitNoProcesses, validatedResponses,
} from '../../builders/platform';
import { DoApi } from '../../builders/platformApi';
import { SkillRepo } from '../../builders/platformRepo';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

after(() => console.log(`${validatedResponses()} API responses validated against DigitalOcean's OpenAPI schemas`));

describe('local App Platform: restart with persisted state', () => {
  let repo: SkillRepo;
  let dataDir = '';

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    dataDir = await tempDir();
  });
  after(async () => {
    await repo?.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('stops everything on stop(); a new platform on the same data folder serves the ACTIVE deployment again', async () => {
    const token = 'restart-token-0123456789abcdef0123456789';
    const p1 = await startTestPlatform({ dataDir, token, repos: { 'odoobo/odoobo-skills': repo.origin } });
    let appId = '';
    let liveUrl = '';
    let active: any;
    let interrupted: any;
    try {
      const { app } = await p1.api.expect(200, 'POST', '/v2/apps', { spec: await repo.spec() });
      appId = app.id;
      liveUrl = app.live_url;
      active = await waitForDeployment(p1.api, appId, app.pending_deployment.id);
      assert.equal(active.phase, 'ACTIVE');
      assert.equal((await get(`${liveUrl}/health`)).status, 200);
      // A deployment in flight when the platform stops.
      await p1.api.expect(200, 'PATCH', '/_local/faults', { buildMs: 60_000 });
      interrupted = (await p1.api.expect(200, 'POST', `/v2/apps/${appId}/deployments`, {})).deployment;
      await waitFor('BUILDING', async () => (await p1.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${interrupted.id}`)).deployment.phase === 'BUILDING');
      assert.ok(platformProcesses(dataDir).length > 0);
    } finally {
      await p1.stop();
    }
    assert.deepEqual(platformProcesses(dataDir), [], 'stop() stops every process it started');
    await assert.rejects(fetch(`${liveUrl}/health`));

    const p2 = await startTestPlatform({ dataDir, token, repos: { 'odoobo/odoobo-skills': repo.origin } });
    try {
      await p2.restored;
      const { app } = await p2.api.expect(200, 'GET', `/v2/apps/${appId}`);
      assert.equal(app.live_url, liveUrl, 'the same stable URL');
      assert.equal(app.active_deployment.id, active.id);
      assert.equal(app.active_deployment.phase, 'ACTIVE');
      const h = await get(`${liveUrl}/health`);
      assert.equal(h.status, 200);
      assert.equal(h.json.version, '0.1.0');
      const { deployment: stopped } = await p2.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${interrupted.id}`);
      assert.equal(stopped.phase, 'ERROR');
      assert.ok(stopped.progress.error_steps > 0);
      assert.equal(stopped.progress.steps[0].steps[0].reason.code, 'PlatformStopped');
      // Logs written before the restart are still there.
      const logs = await p2.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${active.id}/logs?type=BUILD`);
      assert.match(await (await fetch(logs.historic_urls[0])).text(), /checked out commit/);
      // And the restored deployment hands over to a new one as usual.
      const commit = await repo.setVersion('0.2.0');
      const next = await waitForDeployment(p2.api, appId, (await p2.api.expect(200, 'POST', `/v2/apps/${appId}/deployments`, {})).deployment.id);
      assert.equal(next.phase, 'ACTIVE');
      assert.equal(next.services[0].source_commit_hash, commit);
      assert.equal((await get(`${liveUrl}/health`)).json.version, '0.2.0');
    } finally {
      await p2.stop();
    }
    await waitNoProcesses(dataDir);
  });
});

/** `odoobo platform start` as a child process; resolves once it printed its ready line. */
async function startCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/odoobo.ts'), 'platform', 'start', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const url = await waitFor(
    'the ready line',
    async () => {
      if (child.exitCode !== null) throw new Error(`the CLI exited with ${child.exitCode}: ${err}`);
      return /^local App Platform listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1];
    },
    30_000,
    50,
  );
  return { child, url, stdout: () => out, stderr: () => err };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('odoobo platform start: crash cleanup', () => {
  let repo: SkillRepo;
  let dataDir = '';
  const children: ChildProcess[] = [];

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    dataDir = await tempDir();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Whatever happened above, leave nothing running.
    for (const pid of platformProcesses(dataDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await repo?.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('after SIGKILL, the next start stops the leftover processes and serves the app again', async () => {
    const token = 'cli-token-0123456789abcdef0123456789';
    const args = ['--port', '0', '--data-dir', dataDir, '--repo', `odoobo/odoobo-skills=${repo.origin}`, '--python', '/usr/bin/python3', '--health-period-ms', '100'];
    const first = await startCli(args, { ODOOBO_LOCAL_TOKEN: token });
    children.push(first.child);
    const api1 = new DoApi(first.url, token);
    const { app } = await api1.expect(200, 'POST', '/v2/apps', { spec: await repo.spec() });
    const active = await waitForDeployment(api1, app.id, app.pending_deployment.id);
    assert.equal(active.phase, 'ACTIVE');
    assert.equal((await get(`${app.live_url}/health`)).status, 200);
    // A deployment in flight at the crash.
    await api1.expect(200, 'PATCH', '/_local/faults', { buildMs: 60_000 });
    const inFlight = (await api1.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {})).deployment;

    const leftovers = platformProcesses(dataDir);
    assert.ok(leftovers.length > 0);
    first.child.kill('SIGKILL');
    await exited(first.child);
    assert.ok(leftovers.some(alive), 'the skill outlives its killed platform (orphaned process group)');

    const second = await startCli(args, { ODOOBO_LOCAL_TOKEN: token });
    children.push(second.child);
    assert.deepEqual(leftovers.filter(alive), [], `leftovers stopped: ${second.stderr()}`);
    assert.match(second.stderr(), /stopped \d+ process\(es\) left over by a previous run/);
    const api2 = new DoApi(second.url, token);
    const h = await waitFor('the restored app to answer', async () => {
      const r = await get(`${app.live_url}/health`, 10_000).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 30_000, 100);
    assert.equal(h.json.version, '0.1.0');
    const { deployment: crashed } = await api2.expect(200, 'GET', `/v2/apps/${app.id}/deployments/${inFlight.id}`);
    assert.equal(crashed.phase, 'ERROR');
    assert.equal(crashed.progress.steps[0].steps[0].reason.code, 'PlatformRestarted');
    assert.equal((await api2.expect(200, 'GET', `/v2/apps/${app.id}`)).app.active_deployment.id, active.id);
    const restoredPids = platformProcesses(dataDir);
    assert.ok(restoredPids.length > 0 && restoredPids.every((pid) => !leftovers.includes(pid)));

    second.child.kill('SIGTERM');
    const { code } = await exited(second.child);
    assert.equal(code, 0);
    assert.equal(second.stdout(), `local App Platform listening on ${second.url}\n`, 'exactly one line on stdout');
    await waitNoProcesses(dataDir);
  });

  it('--help prints usage; a missing token is a usage error', async () => {
    const run = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/odoobo.ts'), ...args], {
          cwd: REPO_ROOT,
          env: { ...process.env, ODOOBO_LOCAL_TOKEN: '', ...env },
        });
        let out = '';
        let err = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (err += d));
        c.on('exit', (code) => resolve({ code, out, err }));
      });
    const help = await run(['platform', 'start', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: odoobo platform start/);
    assert.match(help.out, /--python <path>/);
    const noToken = await run(['platform', 'start', '--port', '0', '--data-dir', path.join(dataDir, 'unused')]);
    assert.equal(noToken.code, 2);
    assert.match(noToken.err, /token is required/);
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.out, /platform start\s+start the local App Platform/);
    assert.equal((await run(['deploy-everything'])).code, 2);
  });
});
