/**
 * `odoobo deploy` and `odoobo rollback` against an in-process local App Platform: a real skill (skills/pr-review in a
 * temporary repository with a bare origin) deployed, redeployed, broken after going live (smoke tests fail → automatic
 * rollback; with --no-rollback: needsRollback), rolled back by hand, unpinned, canceled with Ctrl-C; and a plan of
 * simulated skills (parallel, --fail-fast, exit 3 for a refused token). Exit codes and --json shapes.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../src/core/do/client';
import { StatusStore } from '../../../src/core/status';
import { startTestPlatform, waitNoProcesses, type TestPlatform } from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';
import { git, RepoFixture } from '../../builders/repo';

function capture(env: NodeJS.ProcessEnv = {}, isTTY?: boolean): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY }, out, err };
}

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const c = capture(env);
  const code = await main(argv, c.io);
  let json: any;
  if (argv.includes('--json')) {
    assert.equal(c.out.length, 1, `one JSON document on stdout, got:\n${c.out.join('\n')}\nstderr:\n${c.err.join('\n')}`);
    json = JSON.parse(c.out[0]);
  }
  return { code, out: c.out.join('\n'), err: c.err.join('\n'), json };
}

async function served(liveUrl: string): Promise<string> {
  const r = await fetch(`${liveUrl}/health`);
  return ((await r.json()) as { version: string }).version;
}

async function setFaults(p: TestPlatform, faults: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${p.url}/_local/faults`, { method: 'PUT', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  assert.equal(r.status, 200, await r.text());
}

describe('odoobo deploy / rollback with a real skill on the local App Platform', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let env: NodeJS.ProcessEnv;
  let liveUrl = '';
  const deployments: Record<string, string> = {};
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];

  /** Sets the version main.py serves (and, unless `manifestToo` is false, manifest.json's), commits and pushes. */
  async function release(version: string, manifestToo = true): Promise<string> {
    if (manifestToo) await repo.change('manifest.json', (t) => t.replace(/"version": "[^"]+"/, `"version": "${version}"`), `manifest ${version}`);
    return repo.setVersion(version);
  }

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    if (platform) await waitNoProcesses(platform.dataDir);
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('deploy pr-review --json → exit 0: every step succeeded, smoke tests passed, recorded in the status file', async () => {
    const r = await odoobo(['deploy', 'pr-review', ...T(), '--json'], env);
    assert.equal(r.code, 0, JSON.stringify(r.json, null, 2) + r.err);
    const doc = r.json;
    assert.equal(doc.command, 'deploy');
    assert.equal(doc.ok, true);
    assert.equal(doc.exitCode, 0);
    assert.equal(doc.target, 'local');
    assert.equal(doc.succeeded, 1);
    assert.equal(doc.failed, 0);
    const [res] = doc.results;
    assert.equal(res.skill, 'pr-review');
    assert.equal(res.status, 'succeeded');
    assert.equal(res.phase, 'ACTIVE');
    assert.equal(res.commit, await repo.head());
    assert.equal(res.needsRollback, false);
    assert.deepEqual(res.steps.map((s: any) => s.name), ['lock', 'prepare', 'validate', 'apply', 'create', 'monitor', 'health', 'traffic', 'post-deploy', 'record']);
    assert.ok(res.steps.every((s: any) => s.status === 'succeeded'), JSON.stringify(res.steps));
    assert.equal(res.smoke.passed, true);
    assert.equal(res.smoke.checks.length, 6);
    liveUrl = res.liveUrl;
    deployments.v1 = res.deploymentId;
    assert.equal(await served(liveUrl), '0.1.0');
    const s = await (await StatusStore.forRepository(repo.fixture.dir)).skill('pr-review');
    assert.equal(s?.lastDeployment?.deploymentId, res.deploymentId);
    assert.equal(s?.lastDeployment?.phase, 'ACTIVE');
    assert.equal(s?.lastTest?.status, 'passed');
    assert.equal(s?.lastTest?.commit, res.commit);
  });

  it('a new release → deploy (plain output: a line per step and phase) → exit 0, serves 0.2.0', async () => {
    await release('0.2.0');
    const r = await odoobo(['deploy', 'pr-review', ...T()], env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^pr-review: deploying to local$/m);
    assert.match(r.out, /^pr-review: monitor succeeded \(/m);
    assert.match(r.out, /^pr-review: deployment \S+ (\S+ → )?ACTIVE$/m);
    assert.match(r.out, /^pr-review: succeeded http:\/\/127\.0\.0\.1:\d+ \(/m);
    assert.match(r.out, /^1 deployed, 0 failed on local in /m);
    assert.equal(await served(liveUrl), '0.2.0');
    deployments.v2 = (await client.findAppByName('pr-review'))!.active_deployment!.id!;
  });

  it('a release whose metadata disagrees with manifest.json goes live, fails its smoke tests and is rolled back automatically → exit 1', async () => {
    await release('0.3.0', false);
    const r = await odoobo(['deploy', 'pr-review', ...T(), '--json'], env);
    assert.equal(r.code, 1, r.err);
    const [res] = r.json.results;
    assert.equal(res.status, 'rolled-back');
    assert.equal(r.json.rolledBack, 1);
    assert.equal(res.error.code, 'METADATA_INVALID');
    assert.equal(res.error.step, 'post-deploy');
    assert.match(res.error.message, /version is "0\.3\.0", manifest\.json says "0\.2\.0"/);
    assert.equal(res.rollback.status, 'succeeded');
    assert.equal(res.rollback.toDeploymentId, deployments.v2);
    assert.equal(res.rollback.pinned, false, 'the automatic rollback is committed');
    assert.equal(res.needsRollback, false);
    assert.equal(await served(liveUrl), '0.2.0');
    const last = (await (await StatusStore.forRepository(repo.fixture.dir)).skill('pr-review'))?.lastTest;
    assert.equal(last?.status, 'failed');
  });

  it('the same with --no-rollback: stays live and failing, needsRollback: true, exit 1', async () => {
    const r = await odoobo(['deploy', 'pr-review', '--no-rollback', ...T(), '--json'], env);
    assert.equal(r.code, 1, r.err);
    const [res] = r.json.results;
    assert.equal(res.status, 'failed');
    assert.equal(res.rollback, undefined);
    assert.equal(res.needsRollback, true);
    assert.equal(await served(liveUrl), '0.3.0');
  });

  it('rollback without --yes and without a terminal → exit 2, nothing changed', async () => {
    const before = (await client.findAppByName('pr-review'))!.active_deployment!.id;
    const r = await odoobo(['rollback', 'pr-review', ...T()], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /add --yes to roll back without a terminal/);
    assert.equal((await client.findAppByName('pr-review'))!.active_deployment!.id, before);
  });

  it('rollback pr-review --yes --json → the newest earlier deployment serves again, pinned; deploy is refused while pinned; --unpin', async () => {
    const r = await odoobo(['rollback', 'pr-review', '--yes', ...T(), '--json'], env);
    assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
    assert.equal(r.json.command, 'rollback');
    assert.equal(r.json.action, 'rollback');
    assert.equal(r.json.check.valid, true);
    assert.equal(r.json.result.status, 'succeeded');
    assert.equal(r.json.result.pinned, true);
    assert.equal(r.json.result.serving.healthy, true);
    assert.equal(await served(liveUrl), '0.2.0');
    assert.equal((await client.findAppByName('pr-review'))!.pinned_deployment?.id, r.json.result.rollbackDeploymentId);

    const blocked = await odoobo(['deploy', 'pr-review', '--no-smoke', ...T(), '--json'], env);
    assert.equal(blocked.code, 1);
    assert.equal(blocked.json.results[0].status, 'failed');
    assert.equal(blocked.json.results[0].error.code, 'DEPLOYMENT_CREATE_FAILED');

    const unpin = await odoobo(['rollback', 'pr-review', '--unpin', ...T()], env);
    assert.equal(unpin.code, 0, unpin.out + unpin.err);
    assert.match(unpin.out, /unpin done/);
    assert.equal((await client.findAppByName('pr-review'))!.pinned_deployment, undefined);
  });

  it('rollback --to the first deployment --commit (plain output) → serves 0.1.0, unpinned', async () => {
    const r = await odoobo(['rollback', 'pr-review', '--to', deployments.v1, '--yes', '--commit', ...T()], env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`^pr-review: roll back from \\S+ \\([0-9a-f]{7}\\) to ${deployments.v1} \\([0-9a-f]{7}\\)`, 'm'));
    assert.match(r.out, /^ {2}rollback-monitor: succeeded/m);
    assert.match(r.out, /^rollback done: deployment \S+ serves at http/m);
    assert.equal(await served(liveUrl), '0.1.0');
    assert.equal((await client.findAppByName('pr-review'))!.pinned_deployment, undefined);
  });

  it('rollback --to an unknown deployment → exit 1 with the code; --unpin with --to → exit 2', async () => {
    const r = await odoobo(['rollback', 'pr-review', '--to', 'nope-0000', '--yes', ...T(), '--json'], env);
    assert.equal(r.code, 1);
    assert.equal(r.json.ok, false);
    assert.ok(r.json.error.code, JSON.stringify(r.json));
    assert.equal(r.json.error.code, 'DEPLOYMENT_NOT_FOUND', 'the app exists: the deployment is what is unknown');
    assert.ok(r.json.error.candidates.some((c: any) => c.id === deployments.v1), JSON.stringify(r.json.error.candidates));
    const u = await odoobo(['rollback', 'pr-review', '--unpin', '--to', 'x', ...T()], env);
    assert.equal(u.code, 2);
    assert.match(u.err, /do not go together/);
  });

  it('Ctrl-C during a deploy cancels the deployment on the server → exit 130; the previous version keeps serving', async () => {
    await release('0.4.0');
    await setFaults(platform, { buildMs: 20_000 });
    try {
      const c = capture(env);
      const running = main(['deploy', 'pr-review', ...T()], c.io);
      const deadline = Date.now() + 30_000;
      while (!c.out.some((l) => /BUILDING/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(c.out.some((l) => /BUILDING/.test(l)), c.out.join('\n'));
      process.emit('SIGINT', 'SIGINT');
      assert.equal(await running, 130, c.out.join('\n') + c.err.join('\n'));
      assert.match(c.out.join('\n'), /^pr-review: canceled/m);
      const app = (await client.findAppByName('pr-review'))!;
      const deps = await client.listAllDeployments(app.id);
      assert.equal(deps[0].phase, 'CANCELED', 'the newest deployment was canceled on the server');
      assert.equal(await served(liveUrl), '0.1.0');
    } finally {
      await setFaults(platform, {});
    }
  });
});

describe('odoobo deploy with the embedded local App Platform (no --api-url)', () => {
  let repo: SkillRepo;
  before(async () => {
    repo = await SkillRepo.create('pr-review');
  });
  after(async () => {
    const dataDir = `${repo.fixture.dir}/.git/odoobo/local-platform`;
    await main(['platform', 'stop', '-C', repo.fixture.dir], capture({}).io).catch(() => 1);
    await waitNoProcesses(dataDir).catch(() => undefined);
    await repo?.remove();
  });

  // Changed: the platform used to stop with the command; now it is the repository's shared one and keeps serving.
  it('deploy starts the repository\'s platform (github repo → the workspace origin); it keeps serving, and a later `odoobo test` uses it and passes', async () => {
    const d = await odoobo(['deploy', 'pr-review', '--target', 'local', '-C', repo.fixture.dir, '--json'], {});
    assert.equal(d.code, 0, JSON.stringify(d.json, null, 2) + d.err);
    assert.match(d.err, /note: started the local App Platform .*\.git\/odoobo\/local-platform/);
    assert.equal(d.json.results[0].status, 'succeeded');
    const liveUrl = d.json.results[0].liveUrl;
    assert.equal((await fetch(`${liveUrl}/health`)).status, 200, 'the skill keeps serving after the command');

    const t = await odoobo(['test', 'pr-review', '--target', 'local', '-C', repo.fixture.dir, '--json'], {});
    assert.equal(t.code, 0, JSON.stringify(t.json, null, 2) + t.err);
    assert.equal(t.json.results[0].status, 'passed');
    assert.equal(t.json.results[0].liveUrl, liveUrl, 'the same live URL after the restart');
  });
});

describe('odoobo deploy: a plan of several skills', () => {
  let repo: RepoFixture;
  let platform: TestPlatform;
  const names = ['alpha', 'beta', 'gamma'];
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.dir];

  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-cli-plan-', skills: names.map((name) => ({ name })) });
    for (const n of names) await git(repo.dir, 'push', '-q', 'origin', `main:refs/heads/skill/${n}`);
    await git(repo.dir, 'fetch', '-q', 'origin');
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.originDir }, faults: { simulate: true } });
  });
  after(async () => {
    await platform?.stop();
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('deploy --all --concurrency 3 --no-smoke --json → every skill succeeded in one plan', async () => {
    const r = await odoobo(['deploy', '--all', '--concurrency', '3', '--no-smoke', ...T(), '--json'], { ODOOBO_LOCAL_TOKEN: platform.token });
    assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
    assert.deepEqual(r.json.results.map((x: any) => [x.skill, x.status]), names.map((n) => [n, 'succeeded']));
    assert.equal(r.json.succeeded, 3);
    assert.ok(r.json.results.every((x: any) => !x.steps.some((s: any) => s.name === 'post-deploy')), '--no-smoke: no post-deploy step');
  });

  it('--fail-fast with a failing build and --concurrency 1: the first fails, the rest are not started → exit 1', async () => {
    await setFaults(platform, { simulate: true, failBuilds: 1 });
    try {
      const r = await odoobo(['deploy', 'alpha', 'beta', 'gamma', '--fail-fast', '--concurrency', '1', '--force-rebuild', '--no-smoke', ...T(), '--json'], { ODOOBO_LOCAL_TOKEN: platform.token });
      assert.equal(r.code, 1);
      assert.deepEqual(r.json.results.map((x: any) => x.status), ['failed', 'canceled', 'canceled']);
      assert.equal(r.json.results[0].error.code, 'BUILD_FAILED');
      assert.match(r.json.results[1].error.message, /not started: the plan stopped because alpha failed/);
      assert.equal(r.json.results[0].previousStillServing, true);
      assert.equal(r.json.results[0].needsRollback, false);
    } finally {
      await setFaults(platform, { simulate: true });
    }
  });

  it('a token the platform refuses → every skill UNAUTHORIZED → exit 3', async () => {
    const r = await odoobo(['deploy', 'alpha', 'beta', '--no-smoke', ...T(), '--json'], { ODOOBO_LOCAL_TOKEN: 'wrong-token-0123456789' });
    assert.equal(r.code, 3, JSON.stringify(r.json, null, 2));
    assert.equal(r.json.exitCode, 3);
    assert.ok(r.json.results.every((x: any) => x.error.code === 'UNAUTHORIZED'));
    assert.ok(!JSON.stringify(r.json).includes('wrong-token-0123456789'), 'no token in the output');
  });

  it('deploy without skills or --all → exit 2; an unknown skill → exit 2', async () => {
    assert.equal((await odoobo(['deploy', ...T()], {})).code, 2);
    const r = await odoobo(['deploy', 'delta', ...T()], {});
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown skill: delta \(known: alpha, beta, gamma\)/);
  });
});
