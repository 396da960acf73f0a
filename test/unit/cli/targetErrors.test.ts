/**
 * What the CLI says when the target answers "no" (issue 14): `rollback --to` an id the app does not have names the
 * deployment as unknown and lists the ones it could be (not APP_NOT_FOUND while the app exists), and a 401 from a local
 * platform points at ODOOBO_LOCAL_TOKEN, not at the DigitalOcean token. A real local App Platform (simulated skills).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../src/core/do/client';
import type { Deployment } from '../../../src/core/do/schemas';
import { startTestPlatform, type TestPlatform } from '../../builders/platform';
import { git, RepoFixture } from '../../builders/repo';

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env } });
  const json = argv.includes('--json') ? JSON.parse(out.join('\n')) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

describe('odoobo against a local App Platform that refuses', () => {
  let repo: RepoFixture;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let env: NodeJS.ProcessEnv;
  let deployments: Deployment[] = [];
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.dir];

  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-cli-target-', skills: [{ name: 'pr-review' }, { name: 'nl-sql' }] });
    for (const n of ['pr-review', 'nl-sql']) await git(repo.dir, 'push', '-q', 'origin', `main:refs/heads/skill/${n}`);
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.originDir }, faults: { simulate: true } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    for (const extra of [[], ['--force-rebuild']]) {
      const d = await odoobo(['deploy', 'pr-review', '--no-smoke', ...extra, ...T(), '--json'], env);
      assert.equal(d.code, 0, JSON.stringify(d.json, null, 2));
    }
    const app = (await client.findAppByName('pr-review'))!;
    deployments = await client.listAllDeployments(app.id);
    assert.deepEqual(deployments.map((d) => d.phase), ['ACTIVE', 'SUPERSEDED']);
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('rollback --to an unknown deployment: DEPLOYMENT_NOT_FOUND listing the app\'s deployments (id, phase, cause, age), exit 1', async () => {
    const r = await odoobo(['rollback', 'pr-review', '--to', 'nope-0000', '--yes', ...T(), '--json'], env);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.error.code, 'DEPLOYMENT_NOT_FOUND');
    assert.match(r.json.error.message, /^pr-review: no deployment "nope-0000" in the app pr-review \(\S+\) on local; its deployments:$/);
    assert.deepEqual(r.json.error.candidates.map((c: any) => [c.id, c.shortId, c.phase]), deployments.map((d) => [d.id, d.id.slice(0, 8), d.phase]));
    assert.ok(r.json.error.candidates.every((c: any) => c.cause && c.createdAt), JSON.stringify(r.json.error.candidates));
    assert.match(r.json.error.mitigation, /Pass --to one of these/);

    const plain = await odoobo(['rollback', 'pr-review', '--to', 'nope-0000', '--yes', ...T()], env);
    assert.equal(plain.code, 1);
    assert.doesNotMatch(plain.err, /APP_NOT_FOUND|no longer exists/);
    const lines = plain.err.split('\n');
    assert.match(lines[0], /^odoobo rollback: DEPLOYMENT_NOT_FOUND: pr-review: no deployment "nope-0000" in the app pr-review/);
    for (const [i, d] of deployments.entries()) {
      assert.match(lines[1 + i], new RegExp(`^  ${d.id.slice(0, 8)}  ${d.phase} +${d.cause!.replace(/[()]/g, '\\$&')}, \\d+ (s|min) ago$`));
    }
    assert.match(lines.at(-1)!, /^ {2}→ Pass --to one of these/);
    assert.equal((await client.findAppByName('pr-review'))!.pinned_deployment, undefined, 'nothing changed');
  });

  it('rollback --to a unique prefix of 8 characters rolls back to that deployment', async () => {
    const superseded = deployments[1];
    const r = await odoobo(['rollback', 'pr-review', '--to', superseded.id.slice(0, 8), '--yes', '--commit', ...T(), '--json'], env);
    assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
    assert.equal(r.json.check.target.id, superseded.id);
    assert.equal(r.json.result.toDeploymentId, superseded.id);
  });

  it('rollback of a skill that was never deployed still says so (not an unknown deployment)', async () => {
    const r = await odoobo(['rollback', 'nl-sql', '--to', 'nope-0000', '--yes', ...T()], env);
    assert.equal(r.code, 1);
    assert.match(r.err, /^odoobo rollback: nl-sql: no app named "nl-sql" on local: it was never deployed there\.$/);
  });

  it('a wrong ODOOBO_LOCAL_TOKEN: every command exits 3 and points at ODOOBO_LOCAL_TOKEN, never at DIGITALOCEAN_ACCESS_TOKEN', async () => {
    const wrong = { ODOOBO_LOCAL_TOKEN: 'wrong-token-0123456789abcdef0123456789' };
    const runs = [
      ['deploy', 'pr-review', '--no-smoke'],
      ['deploy', 'pr-review', '--no-smoke', '--json'],
      ['rollback', 'pr-review', '--yes'],
      ['rollback', 'pr-review', '--to', 'nope-0000', '--yes', '--json'],
      ['rollback', 'pr-review', '--unpin', '--json'],
      ['test', 'pr-review'],
      ['logs', 'pr-review'],
    ];
    for (const argv of runs) {
      const r = await odoobo([...argv, ...T()], wrong);
      const all = r.out + r.err;
      assert.equal(r.code, 3, `${argv.join(' ')}: ${all}`);
      assert.match(all, /UNAUTHORIZED/, argv.join(' '));
      assert.match(all, /refused ODOOBO_LOCAL_TOKEN: set it to the token that platform was started with/, `${argv.join(' ')}: ${all}`);
      assert.doesNotMatch(all, /DIGITALOCEAN_ACCESS_TOKEN|Set DigitalOcean Token/, argv.join(' '));
      assert.ok(!all.includes(wrong.ODOOBO_LOCAL_TOKEN), 'no token in the output');
    }
  });

  it('the same 401 on the digitalocean target still points at DIGITALOCEAN_ACCESS_TOKEN', async () => {
    const r = await odoobo(['rollback', 'pr-review', '--yes', '--target', 'digitalocean', '--api-url', platform.url, '-C', repo.dir], {
      DIGITALOCEAN_ACCESS_TOKEN: 'dop_v1_wrong0123456789abcdef0123456789',
    });
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /→ .*DIGITALOCEAN_ACCESS_TOKEN/);
    assert.doesNotMatch(r.err, /ODOOBO_LOCAL_TOKEN/);
  });
});
