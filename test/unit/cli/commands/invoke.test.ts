/**
 * `odoobo invoke` against a deployed skill: skills/pr-review deployed to an in-process local App Platform, invoked
 * through its app's live URL (the default environment's app), exit codes on 2xx and 4xx, an unknown --env refused.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { waitForDeployment } from '../../../../src/core/do/progress';
import { startTestPlatform, type TestPlatform } from '../../../builders/platform';
import { SkillRepo } from '../../../builders/platformRepo';

function capture(env: NodeJS.ProcessEnv): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env }, out, err };
}

describe('odoobo invoke against a deployed skill', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let liveUrl = '';
  const target = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    const app = await client.createApp(await repo.spec());
    const first = app.pending_deployment?.id;
    assert.ok(first);
    const dep = await waitForDeployment(client, app.id, first, { pollIntervalMs: 100, timeoutMs: 120_000 });
    assert.equal(dep.phase, 'ACTIVE');
    liveUrl = app.live_url!;
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    await repo?.remove();
    await fs.rm(platform?.dataDir ?? '/nonexistent', { recursive: true, force: true });
  });

  it('the default environment\'s app answers the first example: exit 0, --json names the live URL', async () => {
    const c = capture({ ODOOBO_LOCAL_TOKEN: platform.token });
    assert.equal(await main(['invoke', 'pr-review', '--json', ...target()], c.io), 0, c.err.join('\n'));
    const doc = JSON.parse(c.out.join('\n'));
    assert.equal(doc.url, `${liveUrl}/invoke`);
    assert.equal(doc.where, 'staging');
    assert.equal(doc.response.status, 200);
    assert.match(c.err.join('\n'), /request: .*requests\/debug-output\.json/);
  });

  it('a 4xx: exit 1 and the field named', async () => {
    const c = capture({ ODOOBO_LOCAL_TOKEN: platform.token });
    assert.equal(await main(['invoke', 'pr-review', '--data', '{"body": {"max_findings": "many"}}', ...target()], c.io), 1);
    assert.match(c.out.join('\n'), /^✗ max_findings: /m);
  });

  it('an unknown --env: exit 2 naming the known environments', async () => {
    const c = capture({ ODOOBO_LOCAL_TOKEN: platform.token });
    assert.equal(await main(['invoke', 'pr-review', '--env', 'nowhere', ...target()], c.io), 2);
    assert.match(c.err.join('\n'), /nowhere/);
    assert.match(c.err.join('\n'), /staging/);
  });

  it('--local with --target: exit 2', async () => {
    const c = capture({});
    assert.equal(await main(['invoke', 'pr-review', '--local', ...target()], c.io), 2);
  });
});
