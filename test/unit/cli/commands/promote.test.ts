/**
 * `odoobo promote` against an in-process local App Platform: the real pr-review skill deployed to staging with `odoobo
 * deploy --env staging`, then promoted to production. Without --approve and without a terminal it is refused by the
 * approval gate (nothing changed); --dry-run reports the gates and the diff; --approve promotes the verified commit,
 * runs the smoke suite on production and records it and the promotion under production.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { StatusStore } from '../../../../src/core/status';
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

describe('odoobo promote on the local App Platform', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let env: NodeJS.ProcessEnv;
  let verified = '';
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];

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
    verified = r.json.results[0].commit;
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    if (platform) await waitNoProcesses(platform.dataDir);
    await repo?.remove();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('without --to: usage (2); --from equal to --to: usage (2)', async () => {
    assert.equal((await odoobo(['promote', 'pr-review', ...T()], env)).code, 2);
    const same = await odoobo(['promote', 'pr-review', '--to', 'staging', ...T()], env);
    assert.equal(same.code, 2);
    assert.match(same.err, /--from and --to are both staging/);
  });

  it('no --approve and no terminal: refused by the approval gate, every gate shown, nothing changed (exit 1)', async () => {
    const r = await odoobo(['promote', 'pr-review', '--to', 'production', ...T()], env);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^ {2}✓ source-active: deployment \S+ of pr-review-staging is ACTIVE on [0-9a-f]{12}$/m);
    assert.match(r.out, /^ {2}✓ source-smoke-passed: the last smoke run in staging \(passed, /m);
    assert.match(r.out, /^ {2}✗ approval: production requires approval: pass --approve/m);
    assert.match(r.out, /^pr-review: refused by gate approval: .*; nothing changed$/m);
    assert.equal(await client.findAppByName('pr-review'), undefined, 'no production app');
    assert.equal((await git(repo.origin, 'branch', '--list', 'env/production/pr-review')).trim(), '');
  });

  it('--dry-run --json: the gates and the pre-flight diff, exit 0, nothing changed', async () => {
    const r = await odoobo(['promote', 'pr-review', '--to', 'production', '--dry-run', '--approve', ...T(), '--json'], env);
    assert.equal(r.code, 0, r.out + r.err);
    const [res] = r.json.results;
    assert.equal(res.status, 'dry-run');
    assert.equal(res.commit, verified);
    assert.ok(res.gates.every((g: any) => g.ok), JSON.stringify(res.gates));
    assert.equal(res.preflight.appName, 'pr-review');
    assert.match(res.preflight.patch, /^\+name: pr-review$/m);
    assert.equal(await client.findAppByName('pr-review'), undefined);
  });

  it('--approve: the verified commit goes live in production, smoke tested and recorded there (exit 0)', async () => {
    await repo.setVersion('5.5.5'); // newer and unverified: not promoted
    const r = await odoobo(['promote', 'pr-review', '--to', 'production', '--approve', ...T()], env);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, new RegExp(`^pr-review: promoted ${verified.slice(0, 12)} from staging to production at http`, 'm'));
    assert.match(r.out, new RegExp(`^ {2}origin/env/production/pr-review: \\(new\\) → ${verified.slice(0, 12)}$`, 'm'));
    const app = (await client.findAppByName('pr-review'))!;
    assert.equal(app.active_deployment?.services?.[0].source_commit_hash, verified);
    const s = await (await StatusStore.forRepository(repo.fixture.dir)).skill('pr-review');
    const prod = s?.environments?.production;
    assert.equal(prod?.lastTest?.status, 'passed');
    assert.equal(prod?.lastTest?.commit, verified);
    assert.equal((prod?.promotion as any)?.commit, verified);
    assert.equal((prod?.promotion as any)?.approver?.email, 'test@odoobo.invalid');
  });
});
