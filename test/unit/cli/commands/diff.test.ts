/**
 * `odoobo diff` and `odoobo deploy --dry-run` against an in-process local App Platform: the real pr-review skill
 * deployed to staging with `odoobo deploy --env staging`, then a new commit and a staging overlay; the diff shows the
 * spec change, the commit that would go live and the cost, and changes nothing; usage and spec errors exit 2 and 1.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { startTestPlatform, waitNoProcesses, type TestPlatform } from '../../../builders/platform';
import { SkillRepo } from '../../../builders/platformRepo';
import { git } from '../../../builders/repo';

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY: false };
  const code = await main(argv, io);
  const json = argv.includes('--json') && out.length === 1 ? JSON.parse(out[0]) : undefined;
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

describe('odoobo diff / deploy --dry-run on the local App Platform', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let env: NodeJS.ProcessEnv;
  let next = '';
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];
  const overlay = () => path.join(repo.fixture.dir, 'infra', 'pr-review.staging.yaml');

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    await fs.writeFile(path.join(repo.fixture.dir, 'infra/environments.yaml'), 'environments:\n  staging: {}\n  production: {}\n');
    await repo.fixture.commitAll('environments');
    await git(repo.fixture.dir, 'push', '-q', 'origin', repo.branch);
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    const r = await odoobo(['deploy', 'pr-review', '--env', 'staging', ...T(), '--json'], env);
    assert.equal(r.code, 0, r.out + r.err);
    next = await repo.change('main.py', (t) => `${t}\n# a comment\n`, 'pr-review: a comment');
    await fs.writeFile(overlay(), 'services:\n  - name: pr-review\n    instance_count: 2\n');
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    if (platform) await waitNoProcesses(platform.dataDir);
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('diff --json: the staging app against the spec with its overlay, the new commit, the cost; nothing changed', async () => {
    const app = (await client.findAppByName('pr-review-staging'))!;
    const r = await odoobo(['diff', 'pr-review', '--env', 'staging', ...T(), '--json'], env);
    assert.equal(r.code, 0, r.out + r.err);
    const d = r.json;
    assert.equal(d.command, 'diff');
    assert.equal(d.environment, 'staging');
    assert.equal(d.appName, 'pr-review-staging');
    assert.equal(d.appId, app.id);
    assert.equal(d.nextCommit, next);
    assert.equal(d.specChanged, true);
    assert.match(d.patch, /^-\s+instance_count: 1$/m);
    assert.match(d.patch, /^\+\s+instance_count: 2$/m);
    assert.deepEqual(d.commits.going.map((c: any) => c.subject), ['pr-review: a comment']);
    assert.equal(d.cost.before.appCost, 5);
    assert.equal(d.cost.after.appCost, 10);
    assert.match(d.nextYaml, /key: GITHUB_TOKEN\n\s+scope: RUN_TIME\n\s+type: SECRET\n/);
    const now = (await client.findAppByName('pr-review-staging'))!;
    assert.equal(now.active_deployment?.id, app.active_deployment?.id, 'no deployment');
    assert.equal(now.spec.services?.[0].instance_count, 1, 'the live spec is unchanged');
  });

  it('diff (plain): the unified diff, the commits and the cost in lines', async () => {
    const r = await odoobo(['diff', 'pr-review', '--env', 'staging', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^pr-review in staging \(local\):$/m);
    assert.match(r.out, /^ {2}--- live\/pr-review-staging\.yaml\tlive$/m);
    assert.match(r.out, /^ {2}Commits going live: 1$/m);
    assert.match(r.out, new RegExp(`^ {4}\\+ ${next.slice(0, 12)} pr-review: a comment \\(Odoobo Test <test@odoobo\\.invalid>\\)$`, 'm'));
    assert.match(r.out, /^ {2}Monthly cost: \$5\/month → \$10\/month \(\+\$5\/month\)$/m);
  });

  it('deploy --dry-run shows the same and deploys nothing', async () => {
    const app = (await client.findAppByName('pr-review-staging'))!;
    const before = (await client.listAllDeployments(app.id)).length;
    const r = await odoobo(['deploy', 'pr-review', '--env', 'staging', '--dry-run', ...T()], env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^pr-review in staging \(local\), dry run:$/m);
    assert.match(r.out, /^ {2}\+\s+instance_count: 2$/m);
    assert.match(r.out, /^dry run: nothing was deployed \(1 skill shown\)$/m);
    assert.equal((await client.listAllDeployments(app.id)).length, before);
    const j = await odoobo(['deploy', 'pr-review', '--env', 'staging', '--dry-run', ...T(), '--json'], env);
    assert.equal(j.json.dryRun, true);
    assert.equal(j.json.results[0].appName, 'pr-review-staging');
  });

  it('production has no app yet: the diff says it would be created', async () => {
    const r = await odoobo(['diff', 'pr-review', '--env', 'production', ...T(), '--json'], env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.json.appName, 'pr-review');
    assert.equal(r.json.appId, undefined);
    assert.equal(r.json.cost.before, undefined);
  });

  it('an unknown environment is a usage error (2); an overlay with an error fails (1) naming its file', async () => {
    const bad = await odoobo(['diff', 'pr-review', '--env', 'nope', ...T()], env);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown environment "nope"/);
    await fs.writeFile(overlay(), 'services:\n  - name: pr-review\n    instance_count: many\n');
    const r = await odoobo(['diff', 'pr-review', '--env', 'staging', ...T(), '--json'], env);
    assert.equal(r.code, 1, r.out + r.err);
    assert.equal(r.json.ok, false);
    assert.match(r.json.error.message, /infra\/pr-review\.staging\.yaml:3/);
    assert.ok(r.json.error.mitigation);
  });
});
