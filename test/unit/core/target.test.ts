/**
 * Target resolution: --target / $ODOOBO_TARGET / default, the token variables' precedence (seen by a recording HTTP
 * server), the missing-token errors (no token material in them), and the repository's shared local App Platform: its
 * data folder, workspace, note, and that it outlives close().
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEndpoint, stopLocalPlatform } from '../../../src/core/localPlatform';
import { defaultLocalDataDir, parseTargetName, connectTarget, TargetError } from '../../../src/core/target';
import { AppPlatformError } from '../../../src/core/do/errors';
import { toDeployError } from '../../../src/core/deploy/errors';
import { git, RepoFixture } from '../../builders/repo';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { REPO_DIR } from '../../builders/paths';

function capture(env: NodeJS.ProcessEnv = {}): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env } }, out, err };
}

const DO_TOKEN = 'dop_v1_' + 'a'.repeat(64);
const DO_TOKEN_2 = 'dop_v1_' + 'b'.repeat(64);
const LOCAL_TOKEN = 'local-token-0123456789';

/** An App Platform stand-in that answers an empty app list and records each request's Authorization header. */
async function recordingApi(): Promise<{ url: string; auth: string[]; close: () => Promise<void> }> {
  const auth: string[] = [];
  const server = http.createServer((req, res) => {
    auth.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ apps: [], links: {}, meta: { total: 0 } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth, close: () => new Promise((r) => server.close(() => r())) };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<TargetError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof TargetError, `expected a TargetError, got ${String(e)}`);
    assert.equal(e.code, code);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('connectTarget', () => {
  let api: Awaited<ReturnType<typeof recordingApi>>;
  let repo: RepoFixture;
  before(async () => {
    api = await recordingApi();
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-target-' });
  });
  after(async () => {
    await api.close();
    await repo.remove();
  });

  it('parses target names (do → digitalocean) and rejects others', () => {
    assert.equal(parseTargetName('local'), 'local');
    assert.equal(parseTargetName('DigitalOcean'), 'digitalocean');
    assert.equal(parseTargetName('do'), 'digitalocean');
    assert.equal(parseTargetName(undefined), undefined);
    assert.throws(() => parseTargetName('aws'), (e: TargetError) => e.code === 'INVALID_TARGET');
  });

  it('digitalocean: DIGITALOCEAN_ACCESS_TOKEN wins over DO_ACCESS_TOKEN; DO_ACCESS_TOKEN alone is used', async () => {
    const both = await connectTarget({ target: 'digitalocean', apiUrl: api.url, env: { DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN, DO_ACCESS_TOKEN: DO_TOKEN_2 }, cwd: repo.dir });
    assert.equal(both.target, 'digitalocean');
    assert.equal(both.embedded, false);
    await both.client.listApps();
    await both.close();
    const only = await connectTarget({ target: 'digitalocean', apiUrl: api.url, env: { DO_ACCESS_TOKEN: DO_TOKEN_2 }, cwd: repo.dir });
    await only.client.listApps();
    await only.close();
    assert.deepEqual(api.auth.splice(0), [`Bearer ${DO_TOKEN}`, `Bearer ${DO_TOKEN_2}`]);
  });

  it('digitalocean defaults to https://api.digitalocean.com', async () => {
    const t = await connectTarget({ target: 'digitalocean', env: { DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN }, cwd: repo.dir });
    assert.equal(t.apiUrl, 'https://api.digitalocean.com');
    await t.close();
    await t.close(); // twice is fine
  });

  it('digitalocean without a token → UNAUTHORIZED with a mitigation and no token material', async () => {
    const env = { DO_ACCESS_TOKEN: '   ', ODOOBO_LOCAL_TOKEN: LOCAL_TOKEN, GITHUB_TOKEN: DO_TOKEN_2 };
    const e = await rejectsWith(connectTarget({ target: 'digitalocean', env, cwd: repo.dir }), 'UNAUTHORIZED');
    assert.match(e.message, /DIGITALOCEAN_ACCESS_TOKEN and DO_ACCESS_TOKEN are not set/);
    assert.match(e.mitigation, /DIGITALOCEAN_ACCESS_TOKEN/);
    for (const secret of [LOCAL_TOKEN, DO_TOKEN_2, 'dop_v1_']) {
      assert.ok(!e.message.includes(secret) && !e.mitigation.includes(secret), `no ${secret.slice(0, 8)}… in the error`);
    }
  });

  it('the target comes from --target, else $ODOOBO_TARGET, else local', async () => {
    const fromEnv = await connectTarget({ apiUrl: api.url, env: { ODOOBO_TARGET: 'digitalocean', DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN }, cwd: repo.dir });
    assert.equal(fromEnv.target, 'digitalocean');
    await fromEnv.close();
    const flagWins = await connectTarget({ target: 'local', apiUrl: api.url, env: { ODOOBO_TARGET: 'digitalocean', ODOOBO_LOCAL_TOKEN: LOCAL_TOKEN }, cwd: repo.dir });
    assert.equal(flagWins.target, 'local');
    await flagWins.client.listApps();
    await flagWins.close();
    assert.deepEqual(api.auth.splice(0), [`Bearer ${LOCAL_TOKEN}`], 'local with --api-url sends ODOOBO_LOCAL_TOKEN, never the DigitalOcean token');
    await rejectsWith(connectTarget({ env: { ODOOBO_TARGET: 'heroku' }, cwd: repo.dir }), 'INVALID_TARGET');
  });

  it('local with --api-url but no ODOOBO_LOCAL_TOKEN → LOCAL_TOKEN_MISSING (the DigitalOcean token is not sent there)', async () => {
    const e = await rejectsWith(connectTarget({ target: 'local', apiUrl: api.url, env: { DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN }, cwd: repo.dir }), 'LOCAL_TOKEN_MISSING');
    assert.ok(!e.message.includes(DO_TOKEN));
    assert.match(e.mitigation, /ODOOBO_LOCAL_TOKEN/);
    assert.match(e.mitigation, /ODOOBO_LOCAL_TOKEN or --token-file/, 'a platform reads its token from the environment or a file');
    assert.doesNotMatch(e.mitigation, /--token /, 'never advise a token on the command line (other users see argv)');
  });

  it('a malformed --api-url, or one with credentials → INVALID_API_URL', async () => {
    await rejectsWith(connectTarget({ target: 'local', apiUrl: 'not a url', env: { ODOOBO_LOCAL_TOKEN: LOCAL_TOKEN }, cwd: repo.dir }), 'INVALID_API_URL');
    await rejectsWith(connectTarget({ target: 'local', apiUrl: 'ftp://127.0.0.1', env: { ODOOBO_LOCAL_TOKEN: LOCAL_TOKEN }, cwd: repo.dir }), 'INVALID_API_URL');
    const e = await rejectsWith(connectTarget({ target: 'digitalocean', apiUrl: 'https://user:secret-pass@example.com', env: { DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN }, cwd: repo.dir }), 'INVALID_API_URL');
    assert.ok(!e.message.includes('secret-pass'));
  });

  // Changed from the old behaviour (an embedded platform that stopped with close()): the platform is shared and stays.
  it('local without --api-url starts the shared platform detached: data in <git-common-dir>/odoobo/local-platform, workspace = repository, a note; close() leaves it serving', async () => {
    const common = (await git(repo.dir, 'rev-parse', '--path-format=absolute', '--git-common-dir')).trim();
    const dataDir = path.join(common, 'odoobo', 'local-platform');
    const notes: string[] = [];
    const sub = path.join(repo.dir, 'skills');
    await fs.mkdir(sub, { recursive: true });
    try {
      const t = await connectTarget({ env: { DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN }, cwd: sub, onNote: (l) => notes.push(l) });
      assert.equal(t.target, 'local');
      assert.equal(t.embedded, false);
      assert.equal(t.localPlatform?.started, true);
      assert.equal(t.localPlatform?.dataDir, dataDir);
      assert.notEqual(t.localPlatform?.pid, process.pid, 'a process of its own');
      assert.match(t.localPlatform.token, /^[0-9a-f]{48}$/);
      const cmdline = await fs.readFile(`/proc/${t.localPlatform.pid}/cmdline`, 'utf8');
      assert.ok(!cmdline.includes(t.localPlatform.token), 'the token is not in argv');
      assert.match(cmdline, /--workspace\0[^\0]*odoobo-target-/);
      assert.equal(notes.length, 1);
      assert.match(notes[0], /started the local App Platform .* keeps serving after this command.*odoobo platform stop/);
      assert.deepEqual(await t.client.listApps(), []);
      await t.close();
      await t.close();
      const again = await connectTarget({ env: {}, cwd: repo.dir, onNote: (l) => notes.push(l) });
      assert.equal(again.localPlatform?.started, false);
      assert.equal(again.apiUrl, t.apiUrl, 'the same platform, found through its endpoint file');
      assert.equal(notes.length, 1, 'no note when it was running already');
      await again.close();
      assert.equal((await readEndpoint(dataDir))?.pid, t.localPlatform.pid);
    } finally {
      const stopped = await stopLocalPlatform(dataDir);
      assert.deepEqual(stopped.remaining, []);
    }
  });

  it('outside a git repository the embedded platform keeps its data in ~/.odoobo/local-platform', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-nogit-'));
    try {
      assert.equal(await defaultLocalDataDir(dir), path.join(os.homedir(), '.odoobo', 'local-platform'));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a platform that does not start → PLATFORM_START_FAILED, with the end of its log', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-nostart-'));
    try {
      const platformCli = { command: process.execPath, args: ['-e', 'console.error("the data folder is in use (pid 1)"); process.exit(3)'] };
      const e = await rejectsWith(connectTarget({ env: {}, cwd: repo.dir, dataDir, platformCli }), 'PLATFORM_START_FAILED');
      assert.match(e.message, /exited during start-up \(code 3\)/);
      assert.match(e.message, /the data folder is in use/);
      assert.match(e.mitigation, /platform\.log/);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the real platform answers the API, keeps serving after close(), and stops with stopLocalPlatform', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-shared-'));
    try {
      const t = await connectTarget({ target: 'local', env: {}, cwd: repo.dir, dataDir, waitRestored: true });
      assert.match(t.apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(await t.client.listApps(), []);
      const url = t.apiUrl;
      await t.close();
      const res = await fetch(`${url}/v2/apps`, { headers: { authorization: `Bearer ${t.localPlatform!.token}` } });
      assert.equal(res.status, 200, 'still serving after close()');
      const stopped = await stopLocalPlatform(dataDir);
      assert.equal(stopped.wasRunning, true);
      await assert.rejects(fetch(`${url}/v2/apps`), 'the API is gone');
      assert.equal(await readEndpoint(dataDir), undefined, 'the endpoint file is removed');
    } finally {
      await stopLocalPlatform(dataDir);
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the CLI reports target problems with exit 3', () => {
  it('digitalocean without a token → exit 3, UNAUTHORIZED and its mitigation, no token material; --json → one document', async () => {
    const repoRoot = REPO_DIR;
    const { io, out, err } = capture({ ODOOBO_LOCAL_TOKEN: LOCAL_TOKEN });
    assert.equal(await main(['test', '--all', '--target', 'digitalocean', '-C', repoRoot], io), 3);
    assert.match(err.join('\n'), /UNAUTHORIZED: No DigitalOcean API token/);
    assert.match(err.join('\n'), /→ Set DIGITALOCEAN_ACCESS_TOKEN/);
    assert.ok(!err.join('\n').includes(LOCAL_TOKEN));
    assert.deepEqual(out, []);

    const j = capture({});
    assert.equal(await main(['test', 'pr-review', '--target', 'digitalocean', '--json', '-C', repoRoot], j.io), 3);
    assert.equal(j.out.length, 1);
    const doc = JSON.parse(j.out[0]);
    assert.equal(doc.ok, false);
    assert.equal(doc.exitCode, 3);
    assert.equal(doc.error.code, 'UNAUTHORIZED');
    assert.match(doc.error.mitigation, /DIGITALOCEAN_ACCESS_TOKEN/);
  });

  it('a token the API refuses (401) → exit 3', async () => {
    const server = http.createServer((_q, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"id":"unauthorized","message":"Unable to authenticate you"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { io, err } = capture({ DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN });
      const code = await main(['logs', 'pr-review', '--target', 'digitalocean', '--api-url', `http://127.0.0.1:${(server.address() as AddressInfo).port}`, '-C', REPO_DIR], io);
      assert.equal(code, 3, err.join('\n'));
      assert.match(err.join('\n'), /UNAUTHORIZED/);
      assert.ok(!err.join('\n').includes(DO_TOKEN));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('connectTarget for the extension, and the 401 hint of each target', () => {
  let api: Awaited<ReturnType<typeof recordingApi>>;
  let refusing: http.Server;
  let refusingUrl: string;
  let repo: RepoFixture;
  before(async () => {
    api = await recordingApi();
    refusing = http.createServer((_q, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"id":"unauthorized","message":"Unable to authenticate you","request_id":"r-1"}');
    });
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    repo = await RepoFixture.create({ prefix: 'odoobo-connect-' });
  });
  after(async () => {
    await api.close();
    await new Promise<void>((r) => refusing.close(() => r()));
    await repo.remove();
  });

  it("uses the caller's own local platform and its stored DigitalOcean token; close() leaves that platform alone", async () => {
    let asked = 0;
    const localPlatform = async () => (asked++, { url: api.url, token: LOCAL_TOKEN });
    const local = await connectTarget({ target: 'local', env: {}, cwd: repo.dir, localPlatform });
    assert.equal(local.embedded, false);
    assert.equal(local.apiUrl, api.url);
    await local.client.listApps();
    await local.close();
    const remote = await connectTarget({ target: 'digitalocean', apiUrl: api.url, env: { DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN_2 }, cwd: repo.dir, digitalOceanToken: DO_TOKEN });
    await remote.client.listApps();
    await remote.close();
    assert.equal(asked, 1);
    assert.deepEqual(api.auth.splice(0), [`Bearer ${LOCAL_TOKEN}`, `Bearer ${DO_TOKEN}`]);
  });

  it('a 401 from a local platform names ODOOBO_LOCAL_TOKEN (client and deploy errors alike); from DigitalOcean its token', async () => {
    const refusal = async (options: Partial<Parameters<typeof connectTarget>[0]>): Promise<AppPlatformError> => {
      const t = await connectTarget({ apiUrl: refusingUrl, cwd: repo.dir, env: { ODOOBO_LOCAL_TOKEN: LOCAL_TOKEN, DIGITALOCEAN_ACCESS_TOKEN: DO_TOKEN }, ...options });
      try {
        await t.client.listApps();
      } catch (e) {
        assert.ok(e instanceof AppPlatformError && e.code === 'UNAUTHORIZED', String(e));
        return e;
      } finally {
        await t.close();
      }
      assert.fail('expected a 401');
    };
    const cli = await refusal({ target: 'local' });
    assert.match(cli.mitigation, /^The local App Platform at --api-url refused ODOOBO_LOCAL_TOKEN: .*--token-file.*leave out --api-url/);
    assert.equal(toDeployError(cli, 'apply').mitigation, cli.mitigation, 'the deploy procedure keeps the hint');
    const editor = await refusal({ target: 'local', apiUrlName: 'odoobo.apiUrl' });
    assert.match(editor.mitigation, /local App Platform at odoobo\.apiUrl refused ODOOBO_LOCAL_TOKEN/);
    for (const e of [cli, editor]) assert.doesNotMatch(e.mitigation + toDeployError(e, 'apply').mitigation, /DIGITALOCEAN_ACCESS_TOKEN|DigitalOcean Token/);
    const remote = await refusal({ target: 'digitalocean' });
    assert.match(remote.mitigation, /DIGITALOCEAN_ACCESS_TOKEN/);
    assert.match(toDeployError(remote, 'apply').mitigation, /DIGITALOCEAN_ACCESS_TOKEN/);
  });
});
