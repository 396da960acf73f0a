/**
 * `--env <name>` on deploy, status, logs, test, rollback, validate and merge, against an in-process local App Platform
 * (simulated components) and a real repository with infra/environments.yaml: each command reads or changes the
 * environment's app, records under it, and an unknown name is wrong usage naming the file and the known names.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { StatusStore } from '../../../../src/core/status';
import { startTestPlatform, type TestPlatform } from '../../../builders/platform';
import { git, RepoFixture } from '../../../builders/repo';

const ENVIRONMENTS = [
  'default: staging',
  'environments:',
  '  staging:',
  '    app: "{app}-staging"',
  '  production:',
  '    app: "{app}"',
  '    approval: true',
  '  qa:',
  '    app: "{app}-qa"',
  '',
].join('\n');

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env } };
  const code = await main(argv, io);
  const json = argv.includes('--json') && out.length === 1 ? JSON.parse(out[0]) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

describe('odoobo … --env <name>', () => {
  let repo: RepoFixture;
  let platform: TestPlatform;
  let env: NodeJS.ProcessEnv;
  let skillHead = '';
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.dir];
  const app = async (name: string) => {
    const r = await fetch(`${platform.url}/v2/apps?per_page=200`, { headers: { authorization: `Bearer ${platform.token}` } });
    return ((await r.json()) as { apps: any[] }).apps.find((a) => a.spec.name === name);
  };

  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-cli-env-', skills: [{ name: 'alpha' }] });
    await fs.writeFile(path.join(repo.dir, 'infra', 'environments.yaml'), ENVIRONMENTS);
    await fs.writeFile(path.join(repo.dir, 'infra', 'alpha.production.yaml'), 'services:\n  - name: alpha\n    instance_count: 2\n    instance_size_slug: apps-s-1vcpu-1gb\n');
    await git(repo.dir, 'add', 'infra');
    await git(repo.dir, 'commit', '-q', '-m', 'environments');
    // skill/alpha one commit ahead of main (what a merge merges), production's branch at the same commit.
    await git(repo.dir, 'checkout', '-q', '-b', 'skill/alpha');
    await fs.writeFile(path.join(repo.dir, 'skills', 'alpha', 'notes.txt'), 'v2\n');
    await git(repo.dir, 'add', '.');
    await git(repo.dir, 'commit', '-q', '-m', 'alpha v2');
    skillHead = (await git(repo.dir, 'rev-parse', 'HEAD')).trim();
    await git(repo.dir, 'checkout', '-q', 'main');
    await git(repo.dir, 'push', '-q', 'origin', 'main', 'skill/alpha', 'skill/alpha:refs/heads/env/production/alpha');
    await git(repo.dir, 'fetch', '-q', 'origin');
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.originDir }, faults: { simulate: true } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
  });
  after(async () => {
    await platform?.stop();
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('deploy --env production / plain deploy: each environment its app, overlay and branch; --json says which', async () => {
    const prod = await odoobo(['deploy', 'alpha', '--env', 'production', '--no-smoke', ...T(), '--json'], env);
    assert.equal(prod.code, 0, JSON.stringify(prod.json, null, 2) + prod.err);
    assert.equal(prod.json.environment, 'production');
    assert.equal(prod.json.results[0].environment, 'production');
    const p = await app('alpha');
    assert.deepEqual([p.spec.services[0].instance_count, p.spec.services[0].github.branch], [2, 'env/production/alpha']);
    assert.equal(p.id, prod.json.results[0].appId);

    const staging = await odoobo(['deploy', 'alpha', '--no-smoke', ...T()], env);
    assert.equal(staging.code, 0, staging.out + staging.err);
    assert.match(staging.out, /^alpha: deploying to local$/m, 'the default environment reads as before');
    const s = await app('alpha-staging');
    assert.deepEqual([s.spec.services[0].instance_count, s.spec.services[0].github.branch], [1, 'skill/alpha']);
    const file = (await (await StatusStore.forRepository(repo.dir)).read()).skills.alpha;
    assert.equal(file.lastDeployment?.appId, s.id);
    assert.equal(file.environments?.production.lastDeployment?.appId, p.id);
  });

  it('an unknown --env is wrong usage (exit 2) naming infra/environments.yaml and the known environments', async () => {
    for (const argv of [['deploy', 'alpha'], ['status'], ['logs', 'alpha'], ['test', 'alpha'], ['rollback', 'alpha'], ['merge', 'alpha']]) {
      const r = await odoobo([...argv, '--env', 'prod', ...(argv[0] === 'status' || argv[0] === 'merge' ? ['-C', repo.dir] : T())], env);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
      assert.match(r.err, /unknown environment "prod".*infra\/environments\.yaml declares staging, production, qa/, argv.join(' '));
      assert.equal(r.out, '', argv.join(' '));
    }
    const v = await odoobo(['validate', '--env', 'prod', path.join(repo.dir, 'infra', 'alpha.yaml')], env);
    assert.equal(v.code, 2);
    assert.match(v.err, /unknown environment "prod"/);
  });

  it('status --env production shows and exports that environment; --live asks for its apps', async () => {
    const r = await odoobo(['status', '--env', 'production', '--json', '-C', repo.dir], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.environment, 'production');
    const prod = await app('alpha');
    assert.equal(r.json.skills.alpha.environments.production.last_deployment.app_id, prod.id);
    assert.equal(r.json.skills.alpha.last_deployment.app_id, (await app('alpha-staging')).id, 'the top level stays the default one');
    const text = await odoobo(['status', '--env', 'qa', '-C', repo.dir], env);
    assert.match(text.out, /^alpha .*\s-\s/m, 'qa has no recorded deployment');
    const live = await odoobo(['status', '--live', '--env', 'production', ...T(), '--json'], env);
    assert.equal(live.code, 0, live.err);
    assert.deepEqual(live.json.live.apps.map((a: any) => [a.skill, a.app, a.appId]), [['alpha', 'alpha', prod.id]]);
  });

  it('logs, test and rollback read the environment\'s app; test records under it', async () => {
    const logs = await odoobo(['logs', 'alpha', '--env', 'qa', ...T()], env);
    assert.equal(logs.code, 1);
    assert.match(logs.err, /no app named "alpha-qa"/);

    const qa = await odoobo(['test', 'alpha', '--env', 'qa', ...T(), '--json'], env);
    assert.equal(qa.code, 1);
    assert.equal(qa.json.environment, 'qa');
    assert.deepEqual([qa.json.results[0].app, qa.json.results[0].error.code], ['alpha-qa', 'NOT_DEPLOYED']);

    const store = await StatusStore.forRepository(repo.dir);
    const before = (await store.read()).skills.alpha.lastTest;
    const prod = await odoobo(['test', 'alpha', '--env', 'production', ...T(), '--json'], env);
    assert.equal(prod.json.results[0].app, 'alpha');
    assert.equal(prod.json.results[0].appId, (await app('alpha')).id);
    const s = (await store.read()).skills.alpha;
    assert.ok(s.environments?.production.lastTest, 'recorded under production');
    assert.deepEqual(s.lastTest, before, 'the default environment\'s test is untouched');

    const rb = await odoobo(['rollback', 'alpha', '--env', 'production', '--yes', ...T(), '--json'], env);
    assert.equal(rb.code, 1);
    assert.equal(rb.json.environment, 'production');
    assert.equal(rb.json.error.code, 'NO_PREVIOUS_DEPLOYMENT');
    const none = await odoobo(['rollback', 'alpha', '--env', 'qa', '--yes', ...T(), '--json'], env);
    assert.equal(none.code, 1);
    assert.match(none.json.error.message, /no app named "alpha-qa"/);
  });

  it('validate --env lints base + overlay: an overlay error is reported on the overlay; overlays and environments.yaml alone', async () => {
    const base = path.join(repo.dir, 'infra', 'alpha.yaml');
    const overlay = path.join(repo.dir, 'infra', 'alpha.production.yaml');
    assert.equal((await odoobo(['validate', '--env', 'production', base, overlay], env)).code, 0);
    const saved = await fs.readFile(overlay, 'utf8');
    try {
      await fs.writeFile(overlay, 'services:\n  - name: alpha\n    run_command: uvicorn main:app --port 9000\n');
      const r = await odoobo(['validate', '--env', 'production', '--format', 'json', base], env);
      assert.equal(r.code, 1);
      const findings = JSON.parse(r.out) as any[];
      assert.deepEqual(findings.filter((f) => f.severity === 'error').map((f) => [path.basename(f.file), f.line, f.code]), [
        ['alpha.production.yaml', 3, 'PORT_MISMATCH'],
      ]);
      assert.equal((await odoobo(['validate', base], env)).code, 0, 'the base alone is fine');
    } finally {
      await fs.writeFile(overlay, saved);
    }
    const envFile = path.join(repo.dir, 'infra', 'environments.yaml');
    assert.equal((await odoobo(['validate', envFile], env)).code, 0);
    await fs.writeFile(envFile, ENVIRONMENTS.replace('approval: true', 'aproval: true'));
    try {
      const r = await odoobo(['validate', envFile], env);
      assert.equal(r.code, 1);
      assert.match(r.out, /environments\.yaml:6:\d+\s+error\s+SCHEMA_ERROR\s+environments\.production: .*"aproval"/);
    } finally {
      await fs.writeFile(envFile, ENVIRONMENTS);
    }
  });

  it('merge is gated by the merge-gate environment (staging here); --env qa reads qa\'s deployment', async () => {
    const qa = await odoobo(['merge', 'alpha', '--env', 'qa', '-C', repo.dir, '--json'], env);
    assert.equal(qa.code, 1, qa.err);
    const unmet = qa.json.results[0].unmet.map((u: any) => `${u.code}: ${u.message}`);
    assert.ok(unmet.includes('NO_DEPLOYMENT: alpha has no recorded deployment in qa.'), unmet.join('\n'));
    // Simulated builds report a made-up commit: staging's record says it built skill/alpha's HEAD, production's does not.
    const store = await StatusStore.forRepository(repo.dir);
    const staging = (await store.read()).skills.alpha.lastDeployment!;
    await store.recordDeployment('alpha', { ...staging, commit: skillHead }, { environment: { name: 'staging', isDefault: true } });
    const prod = await odoobo(['merge', 'alpha', '--env', 'production', '-C', repo.dir, '--json'], env);
    assert.equal(prod.code, 1);
    // …and production's last smoke run (the simulated app fails it, above) is production's, not staging's.
    assert.deepEqual(prod.json.results[0].unmet.map((u: any) => u.code), ['DEPLOYMENT_STALE', 'SMOKE_TESTS_FAILED']);
    const merged = await odoobo(['merge', 'alpha', '-C', repo.dir, '--json'], env);
    assert.equal(merged.code, 0, JSON.stringify(merged.json, null, 2));
    assert.equal(merged.json.results[0].status, 'merged');
    assert.equal(merged.json.results[0].skillHead, skillHead);
    assert.equal(merged.json.results[0].deployment.appId, (await app('alpha-staging')).id);
    const trailer = await git(repo.dir, 'log', '-1', '--format=%(trailers:key=Environment,valueonly)', 'main');
    assert.equal(trailer.trim(), 'staging');
  });
});
