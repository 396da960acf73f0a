/**
 * Credentials stay where they belong. `odoobo platform start` takes its token and the skills' secrets from files or the
 * environment, never the command line; a skill's processes get an allow-listed environment (the spec's envs, PORT,
 * HOST, a minimal PATH, home and locale), none of the platform's credentials; and a component that listens on every
 * interface is named in the deploy log.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { parseSecrets, readSecretsFile, readTokenFile, secretsFromEnv, CredentialFileError } from '../../../src/platform/config';
import { parseProcNetTcp } from '../../../src/platform/runtime/ports';
import {
  get, platformProcesses, REPO_ROOT, startTestPlatform, tempDir, waitFor, waitForDeployment, waitNoProcesses,
} from '../../builders/platform';
import { DoApi } from '../../builders/platformApi';
import { SkillRepo } from '../../builders/platformRepo';

const CLI = path.join(REPO_ROOT, 'src/cli/odoobo.ts');
const secret = (prefix: string): string => `${prefix}${randomBytes(20).toString('hex')}`;

/** The NUL-separated entries of /proc/<pid>/<file> (cmdline or environ). */
function procEntries(pid: number, file: 'cmdline' | 'environ'): string[] {
  return readFileSync(`/proc/${pid}/${file}`, 'latin1').split('\0').filter(Boolean);
}

function envOfPid(pid: number): Record<string, string> {
  return Object.fromEntries(procEntries(pid, 'environ').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

interface Cli {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** `odoobo platform start` as a user runs it; resolves once it printed its ready line. */
async function startCli(args: string[], env: NodeJS.ProcessEnv): Promise<Cli> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'platform', 'start', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const url = await waitFor('the ready line', async () => {
    if (child.exitCode !== null) throw new Error(`the CLI exited with ${child.exitCode}: ${err}`);
    return /^local App Platform listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1];
  }, 30_000, 50);
  return { child, url, stderr: () => err };
}

async function stopCli(cli: Cli): Promise<number | null> {
  if (cli.child.exitCode !== null) return cli.child.exitCode;
  const done = new Promise<number | null>((resolve) => cli.child.once('exit', (code) => resolve(code)));
  cli.child.kill('SIGTERM');
  return done;
}

/** Runs the CLI to completion (for commands that refuse to start). */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, env });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** The platform's own environment in these tests: the credentials a developer's shell typically holds. */
function hostileParentEnv(values: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: 'Europe/Berlin',
    ...values,
  };
}

describe('odoobo platform start: credentials never on command lines, skills get an allow-listed environment', () => {
  let repo: SkillRepo;
  let dir = '';
  const clis: Cli[] = [];
  const dataDirs: string[] = [];

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    dir = await tempDir('odoobo-credentials-');
  });
  after(async () => {
    for (const c of clis) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    for (const d of dataDirs) for (const pid of platformProcesses(d)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await repo?.remove();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('token and secrets from a file and the environment: no value in any cmdline; the skill sees only its allow-list', async () => {
    const token = secret('tok-');
    const values = {
      DIGITALOCEAN_ACCESS_TOKEN: secret('dop_v1_'),
      DO_ACCESS_TOKEN: secret('dop_v1_'),
      GITHUB_TOKEN: secret('ghp_parent_'),
      ODOOBO_LOCAL_TOKEN: secret('unused-local-'),
      npm_config__authToken: secret('npm_'),
      NPM_TOKEN: secret('npm_'),
      GIT_ASKPASS: '/nonexistent/askpass',
      GIT_CONFIG_PARAMETERS: `'http.extraHeader=Authorization: Bearer ${secret('gitcfg_')}'`,
      SSH_AUTH_SOCK: path.join(dir, 'agent.sock'),
      AWS_SECRET_ACCESS_KEY: secret('aws_'),
      ODOOBO_SECRET_EXTRA_SECRET: secret('extra_'),
    };
    const fileSecrets = { GITHUB_TOKEN: secret('ghp_file_'), ANTHROPIC_API_KEY: secret('sk-ant-') };
    const tokenFile = path.join(dir, 'token');
    await fs.writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const secretsFile = path.join(dir, 'secrets.env');
    const lines = [
      '# for every app',
      `GITHUB_TOKEN=${fileSecrets.GITHUB_TOKEN}`,
      '',
      `pr-review/ANTHROPIC_API_KEY=${fileSecrets.ANTHROPIC_API_KEY}`,
      'other-app/ANTHROPIC_API_KEY=not-for-pr-review',
    ];
    await fs.writeFile(secretsFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    const dataDir = path.join(dir, 'data');
    dataDirs.push(dataDir);
    const buildEnvFile = path.join(dir, 'build-env');
    const cli = await startCli(
      ['--port', '0', '--data-dir', dataDir, '--token-file', tokenFile, '--secrets-file', secretsFile,
        '--repo', `odoobo/odoobo-skills=${repo.origin}`, '--python', '/usr/bin/python3', '--health-period-ms', '100'],
      hostileParentEnv(values),
    );
    clis.push(cli);
    assert.doesNotMatch(cli.stderr(), /warning/, 'the safe forms print no warning');
    const api = new DoApi(cli.url, token);
    const base = await repo.spec();
    const spec = {
      ...base,
      envs: [{ key: 'APP_LEVEL', value: 'from the app', scope: 'RUN_AND_BUILD_TIME', type: 'GENERAL' }],
      services: [{
        ...base.services[0],
        // Build commands are skill code too: record what they see.
        build_command: `env > ${buildEnvFile}`,
        envs: [
          ...base.services[0].envs,
          { key: 'EXTRA_SECRET', scope: 'RUN_AND_BUILD_TIME', type: 'SECRET' },
          { key: 'PUBLIC', scope: 'RUN_TIME', type: 'GENERAL', value: 'served at ${APP_URL}' },
        ],
      }],
    };
    const { app } = await api.expect(200, 'POST', '/v2/apps', { spec });
    const dep = await waitForDeployment(api, app.id, app.pending_deployment.id);
    assert.equal(dep.phase, 'ACTIVE');
    assert.equal((await get(`${app.live_url}/health`)).status, 200);

    const skillPids = platformProcesses(dataDir);
    assert.ok(skillPids.length > 0, 'the skill runs');
    const forbidden = [token, ...Object.values(fileSecrets), values.ODOOBO_SECRET_EXTRA_SECRET];
    for (const pid of [cli.child.pid!, ...skillPids]) {
      const cmdline = procEntries(pid, 'cmdline').join(' ');
      for (const s of forbidden) assert.ok(!cmdline.includes(s), `pid ${pid}'s command line holds a credential: ${cmdline}`);
    }

    // The spec's own envs (infra/pr-review.yaml's service) are what App Platform gives the skill.
    const specKeys = (parseYaml(readFileSync(path.join(REPO_ROOT, 'infra', 'pr-review.yaml'), 'utf8')) as {
      services: { envs?: { key: string }[] }[];
    }).services.flatMap((svc) => (svc.envs ?? []).map((e) => e.key));
    const allowed = (k: string): boolean =>
      ['HOME', 'LANG', 'TZ', 'PATH', 'PORT', 'HOST', 'PYTHONUNBUFFERED', 'ODOOBO_PLATFORM_DATA_DIR', 'ODOOBO_PLATFORM_OWNER',
        ...specKeys, 'APP_LEVEL', 'EXTRA_SECRET', 'PUBLIC',
        // What /bin/sh itself adds before it execs the run_command.
        'PWD', 'SHLVL', '_'].includes(k) || k.startsWith('LC_');
    for (const pid of skillPids) {
      const env = envOfPid(pid);
      assert.deepEqual(Object.keys(env).filter((k) => !allowed(k)), [], `pid ${pid} got variables outside the allow-list`);
      const text = procEntries(pid, 'environ').join('\n');
      for (const [k, v] of Object.entries(values)) {
        if (k !== 'ODOOBO_SECRET_EXTRA_SECRET') assert.ok(!text.includes(v), `pid ${pid} holds the platform's ${k}`);
      }
      assert.equal(env.GITHUB_TOKEN, fileSecrets.GITHUB_TOKEN, 'the spec\'s SECRET comes from the secrets file, not the parent');
      assert.equal(env.ANTHROPIC_API_KEY, fileSecrets.ANTHROPIC_API_KEY, 'an <app>/KEY secret');
      assert.equal(env.EXTRA_SECRET, values.ODOOBO_SECRET_EXTRA_SECRET, 'ODOOBO_SECRET_<KEY> from the environment');
      assert.equal(env.APP_LEVEL, 'from the app');
      assert.equal(env.PUBLIC, `served at ${app.live_url}`);
      assert.equal(env.HOST, '127.0.0.1');
      assert.match(env.PORT, /^\d+$/);
      assert.equal(env.TZ, 'Europe/Berlin');
      assert.equal(env.LC_ALL, 'C.UTF-8');
      assert.equal(env.HOME, process.env.HOME);
      assert.equal(env.PATH, `${path.join(dataDir, 'shims')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`);
      assert.equal(env.ODOOBO_PLATFORM_DATA_DIR, path.resolve(dataDir), 'the marker that finds leftovers is kept');
    }

    const buildLines = (await fs.readFile(buildEnvFile, 'utf8')).trim().split('\n');
    const buildEnv = Object.fromEntries(buildLines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const outside = Object.keys(buildEnv).filter((k) => !allowed(k) && k !== 'GIT_TERMINAL_PROMPT');
    assert.deepEqual(outside, [], 'the build command got variables outside the allow-list');
    const buildText = buildLines.join('\n');
    for (const [k, v] of Object.entries(values)) {
      if (k !== 'ODOOBO_SECRET_EXTRA_SECRET') assert.ok(!buildText.includes(v), `the build holds ${k}`);
    }
    assert.equal(buildEnv.EXTRA_SECRET, values.ODOOBO_SECRET_EXTRA_SECRET, 'build-time secrets reach the build');
    assert.equal(buildEnv.GITHUB_TOKEN, undefined, 'a RUN_TIME secret is not in the build');
    assert.equal(buildEnv.PORT, undefined);

    const logs = await api.expect(200, 'GET', `/v2/apps/${app.id}/deployments/${dep.id}/logs?type=DEPLOY`);
    const deployLog = await (await fetch(logs.historic_urls[0])).text();
    assert.doesNotMatch(deployLog, /warning: .* listens on/, 'uvicorn behind the shim binds 127.0.0.1');

    assert.equal(await stopCli(cli), 0);
    await waitNoProcesses(dataDir);
  });

  it('--token and --secret still work, with a warning that other users can read them', async () => {
    const token = secret('tok-');
    const dataDir = path.join(dir, 'data-argv');
    dataDirs.push(dataDir);
    const args = ['--port', '0', '--data-dir', dataDir, '--token', token, '--secret', `GITHUB_TOKEN=${secret('ghp_')}`];
    const cli = await startCli(args, hostileParentEnv({}));
    clis.push(cli);
    assert.match(cli.stderr(), /warning: --token is visible to every local user \(ps, \/proc\/<pid>\/cmdline\); use ODOOBO_LOCAL_TOKEN/);
    assert.match(cli.stderr(), /warning: --secret is visible to every local user .*; use --secrets-file or ODOOBO_SECRET_<KEY>/);
    assert.equal((await fetch(`${cli.url}/v2/apps`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal(await stopCli(cli), 0);
  });

  it('refuses a credential file others can read, a malformed line (named, value not shown); documents safe forms', async () => {
    const env = hostileParentEnv({ ODOOBO_LOCAL_TOKEN: secret('tok-') });
    const start = (...args: string[]): ReturnType<typeof runCli> =>
      runCli(['platform', 'start', '--port', '0', '--data-dir', path.join(dir, 'unused'), ...args], env);
    const open = path.join(dir, 'open.env');
    await fs.writeFile(open, 'KEY=value\n', { mode: 0o644 });
    await fs.chmod(open, 0o644);
    const r1 = await start('--secrets-file', open);
    assert.equal(r1.code, 2);
    assert.match(r1.err, new RegExp(`secrets file ${open} has mode 0644: other users can read it; run chmod 600`));
    const hidden = secret('sk-');
    const bad = path.join(dir, 'bad.env');
    await fs.writeFile(bad, `GOOD=1\n\nnot a key ${hidden}\n`, { mode: 0o600 });
    const r2 = await start('--secrets-file', bad);
    assert.equal(r2.code, 2);
    assert.match(r2.err, new RegExp(`${bad}:3: expected KEY=value or <app>/KEY=value`));
    assert.ok(!r2.err.includes(hidden), 'the error does not echo the line');
    const tokenFile = path.join(dir, 'open-token');
    await fs.writeFile(tokenFile, 'x'.repeat(40), { mode: 0o640 });
    await fs.chmod(tokenFile, 0o640);
    const r3 = await start('--token-file', tokenFile);
    assert.equal(r3.code, 2);
    assert.match(r3.err, /token file .* has mode 0640/);
    const r4 = await start('--secret', `GITHUB_TOKEN=`);
    assert.equal(r4.code, 2);
    const help = await runCli(['platform', 'start', '--help'], env);
    assert.match(help.out, /--token-file <path>/);
    assert.match(help.out, /--secrets-file <path>/);
    assert.match(help.out, /ODOOBO_SECRET_<KEY>/);
    assert.match(help.out, /A skill must bind \$HOST/);
    const readme = await fs.readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('odoobo platform start'));
    assert.ok(line && !/--(token|secret)(?=[\s=]|$)/.test(line), `the README's CLI line shows the safe form: ${line}`);
  });
});

describe('a skill that listens on every interface is named in the deploy log', () => {
  let repo: SkillRepo;

  before(async () => {
    repo = await SkillRepo.create('pr-review');
  });
  after(async () => {
    await repo?.remove();
  });

  it('python3 -m http.server --bind 0.0.0.0: ACTIVE, with a warning naming the component and the address', async () => {
    const p = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    try {
      const base = await repo.spec();
      const run = 'exec /usr/bin/python3 -m http.server $PORT --bind 0.0.0.0';
      const service = { ...base.services[0], run_command: run, health_check: { http_path: '/' } };
      const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec: { ...base, services: [service] } });
      const dep = await waitForDeployment(p.api, app.id, app.pending_deployment.id);
      assert.equal(dep.phase, 'ACTIVE');
      const [pid] = platformProcesses(p.dataDir);
      const port = envOfPid(pid).PORT;
      const line = await waitFor('the warning in the deploy log', async () => {
        const logs = await p.api.expect(200, 'GET', `/v2/apps/${app.id}/deployments/${dep.id}/logs?type=DEPLOY`);
        const text = await (await fetch(logs.historic_urls[0])).text();
        return text.split('\n').find((l) => l.includes('warning:'));
      }, 10_000, 100);
      const expected = `^pr-review \\S+ warning: pr-review listens on 0\\.0\\.0\\.0:${port}, which other hosts can reach; `
        + 'a skill must bind \\$HOST';
      assert.match(line, new RegExp(expected));
    } finally {
      await p.stop();
    }
    await waitNoProcesses(p.dataDir);
  });
});

describe('credential files and /proc/net/tcp parsing', () => {
  it('parses KEY=value and <app>/KEY=value lines, literally', () => {
    assert.deepEqual(parseSecrets('# c\n\nA=1\npr-review/B= x=y "q" \n', 'f'), { A: '1', 'pr-review/B': 'x=y "q"' });
    assert.throws(() => parseSecrets('A=1\nA=2\n', 'f.env'), /^Error: f\.env:2: A is set twice$/);
    const badKey = (e: Error): boolean => e instanceof CredentialFileError && /f\.env:1: "Bad\/App\/K" is not KEY/.test(e.message);
    assert.throws(() => parseSecrets('Bad/App/K=1\n', 'f.env'), badKey);
    assert.deepEqual(secretsFromEnv({ ODOOBO_SECRET_A: '1', ODOOBO_SECRET_: 'x', 'ODOOBO_SECRET_a-b': 'y', OTHER: '2' }), { A: '1' });
  });

  it('refuses what is not a regular file (a FIFO would hang a reader) and empty token files', async () => {
    const d = await tempDir('odoobo-credentials-');
    try {
      const empty = path.join(d, 'empty');
      await fs.writeFile(empty, '\n', { mode: 0o600 });
      await assert.rejects(readTokenFile(empty), /token file .*empty is empty/);
      const fifo = path.join(d, 'fifo');
      await new Promise<void>((resolve, reject) =>
        spawn('mkfifo', ['-m', '600', fifo]).on('exit', (c) => (c === 0 ? resolve() : reject(new Error('mkfifo')))));
      await assert.rejects(readSecretsFile(fifo), /secrets file .*fifo is not a regular file/);
      await assert.rejects(readSecretsFile(path.join(d, 'missing')), /secrets file .*missing: ENOENT/);
    } finally {
      await fs.rm(d, { recursive: true, force: true });
    }
  });

  it('reads listening sockets of /proc/net/tcp and tcp6, with loopback told apart', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1 0000000000000000 100 0 0 10 0',
      '   2: 0100007F:1F92 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 3 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp), [
      { address: '127.0.0.1', port: 8080, loopback: true },
      { address: '0.0.0.0', port: 8081, loopback: false },
    ]);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:1F93 00000000000000000000000000000000:0000 0A 0 0 0 0',
      '   1: 00000000000000000000000001000000:1F94 00000000000000000000000000000000:0000 0A 0 0 0 0',
      '   2: 0000000000000000FFFF00000100007F:1F95 00000000000000000000000000000000:0000 0A 0 0 0 0',
      '   3: B80D0120000000000000000001000000:1F96 00000000000000000000000000000000:0000 0A 0 0 0 0',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp6), [
      { address: '::', port: 8083, loopback: false },
      { address: '::1', port: 8084, loopback: true },
      { address: '::ffff:127.0.0.1', port: 8085, loopback: true },
      { address: '2001:db8:0:0:0:0:0:1', port: 8086, loopback: false },
    ]);
  });
});
