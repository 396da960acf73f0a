/**
 * `odoobo scale` against an in-process local App Platform with a real skill (skills/pr-review in a temporary repository
 * with a bare origin): refusals (a count out of the size's range, an unknown size, no --yes without a terminal) leave
 * the spec alone; --dry-run shows the cost before → after and the edit; --yes writes the edit (comments kept) and
 * deploys it, after which the app's active deployment has the new count and size.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../src/core/do/client';
import { startTestPlatform, waitNoProcesses, type TestPlatform } from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY: false };
  const code = await main(argv, io);
  let json: any;
  if (argv.includes('--json')) {
    assert.equal(out.length, 1, `one JSON document on stdout, got:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
    json = JSON.parse(out[0]);
  }
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

describe('odoobo scale on the local App Platform', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let env: NodeJS.ProcessEnv;
  let specFile: string;
  let original: string;
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    specFile = path.join(repo.fixture.dir, 'infra', 'pr-review.yaml');
    original = await fs.readFile(specFile, 'utf8');
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    if (platform) await waitNoProcesses(platform.dataDir);
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('a count out of the size’s range → exit 2 with the range; the spec is untouched', async () => {
    const r = await odoobo(['scale', 'pr-review', '--count', '2', ...T(), '--json'], env);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.error.code, 'COUNT_OUT_OF_RANGE');
    assert.deepEqual(r.json.error.range, { min: 1, max: 1 });
    assert.equal(await fs.readFile(specFile, 'utf8'), original);
  });

  it('an unknown size → exit 2 naming the nearest sizes', async () => {
    const r = await odoobo(['scale', 'pr-review', '--size', 'apps-s-1vcpu-1g', ...T()], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /UNKNOWN_SIZE: `apps-s-1vcpu-1g` is not an App Platform instance size; nearest: .*apps-s-1vcpu-1gb/);
  });

  it('--dry-run shows the cost before → after (sizes and propose) and the edit, and writes nothing', async () => {
    const r = await odoobo(['scale', 'pr-review', '--count', '2', '--size', 'apps-s-1vcpu-1gb', '--dry-run', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1 × apps-s-1vcpu-0\.5gb → 2 × apps-s-1vcpu-1gb/);
    assert.match(r.out, /monthly cost: \$5\.00\/month → \$24\.00\/month \(\+\$19\.00\)/);
    assert.match(r.out, /propose app_cost\): \$5\.00 → \$24\.00/);
    assert.match(r.out, /^ +\+ +instance_count: 2$/m);
    assert.equal(await fs.readFile(specFile, 'utf8'), original);
    const j = await odoobo(['scale', 'pr-review', '--count', '2', '--size', 'apps-s-1vcpu-1gb', '--dry-run', ...T(), '--json'], env);
    assert.equal(j.code, 0);
    const { cost } = j.json;
    assert.deepEqual([cost.before.max, cost.after.max, cost.proposed.before, cost.proposed.after], [5, 24, 5, 24]);
    assert.equal(j.json.applied, false);
  });

  it('without --yes and without a terminal → exit 2, nothing written', async () => {
    const r = await odoobo(['scale', 'pr-review', '--count', '2', '--size', 'apps-s-1vcpu-1gb', ...T()], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /pass --yes/);
    assert.equal(await fs.readFile(specFile, 'utf8'), original);
  });

  it('--yes writes the edit (comments kept) and deploys it: the active deployment has 2 × apps-s-1vcpu-1gb', async () => {
    const r = await odoobo(['scale', 'pr-review', '--count', '2', '--size', 'apps-s-1vcpu-1gb', '--yes', ...T(), '--json'], env);
    assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
    assert.equal(r.json.applied, true);
    assert.equal(r.json.deploy.ok, true);
    const text = await fs.readFile(specFile, 'utf8');
    assert.match(text, /^    instance_count: 2$/m);
    assert.match(text, /^    instance_size_slug: apps-s-1vcpu-1gb$/m);
    assert.equal(text.split('\n').length, original.split('\n').length);
    for (const line of original.split('\n').filter((l) => l.trim().startsWith('#'))) assert.ok(text.includes(line), line);
    const app = await client.findAppByName('pr-review');
    assert.ok(app);
    assert.equal(app.spec.services?.[0].instance_count, 2);
    assert.equal(app.spec.services?.[0].instance_size_slug, 'apps-s-1vcpu-1gb');
    const active = await client.getDeployment(app.id, app.active_deployment!.id!);
    assert.equal(active.spec?.services?.[0].instance_count, 2, 'the active deployment runs the new spec');
  });

  it('--env production: the edit goes to the environment’s overlay, priced on the merged spec; the base stays', async () => {
    const envFile = path.join(repo.fixture.dir, 'infra', 'environments.yaml');
    const envs = 'default: staging\nenvironments:\n  staging:\n    app: "{app}-staging"\n  production:\n    app: "{app}"\n    protected: true\n';
    await fs.writeFile(envFile, envs);
    try {
      const base = await fs.readFile(specFile, 'utf8');
      const r = await odoobo(['scale', 'pr-review', '--env', 'production', '--count', '3', '--dry-run', ...T(), '--json'], env);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.json.file, 'infra/pr-review.production.yaml');
      assert.equal(r.json.environment, 'production');
      assert.deepEqual([r.json.cost.before.max, r.json.cost.after.max], [24, 36]);
      assert.match(r.json.diff, /\+services:\n\+ {2}- name: pr-review\n\+ {4}instance_count: 3/);
      assert.equal(await fs.readFile(specFile, 'utf8'), base);
      await assert.rejects(fs.stat(path.join(repo.fixture.dir, 'infra', 'pr-review.production.yaml')), 'a dry run writes no overlay');
    } finally {
      await fs.rm(envFile);
    }
  });
});
