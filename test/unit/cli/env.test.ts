/**
 * `odoobo env` against an in-process local App Platform with a real skill (skills/pr-review): a secret set from stdin
 * (the spawned CLI, so stdin is real) reaches the running process's environment, appears nowhere in plaintext (API
 * answers, the repository, the platform's state files), and survives a deploy of a changed spec (doctl #934); list
 * shows keys, never values; unset removes a setting and deploys.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../src/core/do/client';
import { platformProcesses, REPO_ROOT, startTestPlatform, waitFor, waitNoProcesses, type TestPlatform } from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';

const SECRET = `ghp_${'Zx9'.repeat(12)}`;

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY: false };
  const code = await main(argv, io);
  const json = argv.includes('--json') ? JSON.parse(out.join('\n')) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

/** The CLI as a process, the value on its stdin. */
type Spawned = { code: number; out: string; err: string; cmdline: string };
function spawnCli(argv: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/odoobo.ts', ...argv], {
      cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err, cmdline }));
    child.stdin.end(`${stdin}\n`);
  });
}

/** GITHUB_TOKEN in the environment of each running pr-review process of the platform. */
function runningTokens(dataDir: string): string[] {
  return platformProcesses(dataDir).flatMap((pid) => {
    try {
      const vars = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const t = vars.find((v) => v.startsWith('GITHUB_TOKEN='));
      return t === undefined ? [] : [t.slice('GITHUB_TOKEN='.length)];
    } catch {
      return [];
    }
  });
}

async function grepDir(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    if ((await fs.readFile(file)).includes(needle)) hits.push(file);
  }
  return hits;
}

describe('odoobo env on the local App Platform', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let env: NodeJS.ProcessEnv;
  let specFile: string;
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    specFile = path.join(repo.fixture.dir, 'infra', 'pr-review.yaml');
    const d = await odoobo(['deploy', 'pr-review', ...T(), '--json'], env);
    assert.equal(d.code, 0, JSON.stringify(d.json));
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    if (platform) await waitNoProcesses(platform.dataDir);
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('a key that is not an env var name, or a value on the command line, is refused (exit 2)', async () => {
    const bad = await odoobo(['env', 'set', 'pr-review', '1TOKEN', '--secret', ...T()], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /INVALID_KEY: "1TOKEN" is not an env var name/);
    const argv = await odoobo(['env', 'set', 'pr-review', `GITHUB_TOKEN=${SECRET}`, '--secret', ...T()], env);
    assert.equal(argv.code, 2);
    assert.ok(!argv.err.includes(SECRET), 'the value is not echoed');
  });

  it('env set --secret from stdin: the running skill gets it, and no API answer, file or argv holds it in plaintext', async () => {
    const before = await fs.readFile(specFile, 'utf8');
    const r = await spawnCli(['env', 'set', 'pr-review', 'GITHUB_TOKEN', '--secret', ...T()], env, SECRET);
    assert.equal(r.code, 0, r.out + r.err);
    assert.ok(!r.cmdline.includes(SECRET) && !r.out.includes(SECRET) && !r.err.includes(SECRET));
    assert.equal(await fs.readFile(specFile, 'utf8'), before, 'GITHUB_TOKEN was already a SECRET key without a value');
    await waitFor('the new process to have the secret', async () => {
      const t = runningTokens(platform.dataDir);
      return t.length > 0 && t.every((v) => v === SECRET);
    });
    const app = await client.findAppByName('pr-review');
    const token = app!.spec.services![0].envs!.find((e) => e.key === 'GITHUB_TOKEN')!;
    assert.match(token.value ?? '', /^EV\[1:/, 'the API answers the encrypted value');
    assert.ok(!JSON.stringify(app).includes(SECRET));
    assert.deepEqual(await grepDir(platform.dataDir, SECRET), [], 'the platform keeps no plaintext copy');
    assert.deepEqual(await grepDir(repo.fixture.dir, SECRET), [], 'nor does the repository');
  });

  it('env list shows keys, scopes, types and that the live app holds a value, never the value', async () => {
    const r = await odoobo(['env', 'list', 'pr-review', ...T(), '--json'], env);
    assert.equal(r.code, 0, r.err);
    const token = r.json.vars.find((v: any) => v.key === 'GITHUB_TOKEN');
    const want = { key: 'GITHUB_TOKEN', component: 'pr-review', scope: 'RUN_TIME', type: 'SECRET', valueInRepo: false, live: 'set' };
    assert.deepEqual(token, want);
    const text = await odoobo(['env', 'list', 'pr-review', ...T()], env);
    assert.match(text.out, /^GITHUB_TOKEN +pr-review +RUN_TIME +SECRET +value set$/m);
    assert.ok(!text.out.includes('EV[') && !text.out.includes('api.github.com'));
  });

  it('a deploy of a changed spec carries the secret over (doctl #934): the new process still has it', async () => {
    const deployed = await spawnCli(['env', 'set', 'pr-review', 'MODEL', ...T(), '--json'], env, 'some-model');
    assert.equal(deployed.code, 0, deployed.out + deployed.err);
    const doc = JSON.parse(deployed.out);
    assert.equal(doc.specChanged, true);
    assert.equal(doc.deploy.ok, true);
    assert.match(await fs.readFile(specFile, 'utf8'), /- key: MODEL\n\s+scope: RUN_TIME\n\s+type: GENERAL\n\s+value: "some-model"/);
    const app = await client.findAppByName('pr-review');
    const active = await client.getDeployment(app!.id, app!.active_deployment!.id!);
    assert.equal(active.spec?.services?.[0].envs?.find((e) => e.key === 'MODEL')?.value, 'some-model', 'the changed spec is live');
    await waitFor('the new processes to run, with the secret', async () => {
      const t = runningTokens(platform.dataDir);
      return t.length > 0 && t.every((v) => v === SECRET);
    });
  });

  it('env unset removes a setting from the spec and deploys', async () => {
    const r = await odoobo(['env', 'unset', 'pr-review', 'MODEL', ...T(), '--json'], env);
    assert.equal(r.code, 0, JSON.stringify(r.json));
    assert.doesNotMatch(await fs.readFile(specFile, 'utf8'), /key: MODEL\n/);
    const app = await client.findAppByName('pr-review');
    assert.equal(app!.spec.services?.[0].envs?.some((e) => e.key === 'MODEL'), false);
    const t = runningTokens(platform.dataDir);
    assert.ok(t.length > 0 && t.every((v) => v === SECRET), 'the secret survives this deploy too');
  });
});
