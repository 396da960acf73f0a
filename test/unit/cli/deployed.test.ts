/**
 * `odoobo test` and `odoobo logs` against a real skill (skills/pr-review in a temporary repository with a bare origin)
 * deployed to an in-process local App Platform with the client directly (createApp + waitForDeployment): exit codes,
 * --json shapes, the status file's last test, the live table on a terminal, and Ctrl-C while following logs (130).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { AppPlatformClient } from '../../../src/core/do/client';
import { waitForDeployment } from '../../../src/core/do/progress';
import { StatusStore } from '../../../src/core/status';
import { REPO_ROOT, startTestPlatform, type TestPlatform } from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';
import { git } from '../../builders/repo';

function capture(env: NodeJS.ProcessEnv = {}, isTTY?: boolean): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY }, out, err };
}

describe('odoobo test / logs against a deployed real skill on the local App Platform', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let liveUrl = '';
  let commit = '';
  let env: NodeJS.ProcessEnv;
  const target = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    // A second skill that is never deployed.
    await fs.cp(path.join(REPO_ROOT, 'skills', 'nl-sql'), path.join(repo.fixture.dir, 'skills', 'nl-sql'), { recursive: true, filter: (s) => !s.includes('__pycache__') });
    await fs.copyFile(path.join(REPO_ROOT, 'infra', 'nl-sql.yaml'), path.join(repo.fixture.dir, 'infra', 'nl-sql.yaml'));
    await repo.fixture.commitAll('add nl-sql');
    await git(repo.fixture.dir, 'push', '-q', 'origin', repo.branch);
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    env = { ODOOBO_LOCAL_TOKEN: platform.token };
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    const app = await client.createApp(await repo.spec());
    const first = app.pending_deployment?.id;
    assert.ok(first);
    const dep = await waitForDeployment(client, app.id, first, { pollIntervalMs: 100, timeoutMs: 120_000 });
    assert.equal(dep.phase, 'ACTIVE');
    liveUrl = app.live_url!;
    commit = await repo.head();
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    await repo?.remove();
    await fs.rm(platform?.dataDir ?? '/nonexistent', { recursive: true, force: true });
  });

  it('test pr-review --json → exit 0, every check passed, recorded as the last test with the deployed commit', async () => {
    const c = capture(env);
    const code = await main(['test', 'pr-review', ...target(), '--json'], c.io);
    assert.equal(code, 0, c.err.join('\n') + c.out.join('\n'));
    assert.equal(c.out.length, 1, 'one JSON document');
    const doc = JSON.parse(c.out[0]);
    assert.equal(doc.command, 'test');
    assert.equal(doc.ok, true);
    assert.equal(doc.exitCode, 0);
    assert.equal(doc.target, 'local');
    assert.equal(doc.apiUrl, platform.url);
    assert.equal(doc.results.length, 1);
    const [r] = doc.results;
    assert.equal(r.skill, 'pr-review');
    assert.equal(r.app, 'pr-review');
    assert.equal(r.status, 'passed');
    assert.equal(r.liveUrl, liveUrl);
    assert.equal(r.commit, commit);
    assert.deepEqual(r.smoke.checks.map((x: any) => [x.name, x.status]), [
      ['health', 'passed'], ['response-time', 'passed'], ['metadata', 'passed'], ['unknown-path', 'passed'], ['wrong-method', 'passed'], ['docs', 'passed'],
    ]);
    const last = (await (await StatusStore.forRepository(repo.fixture.dir)).skill('pr-review'))?.lastTest;
    assert.ok(last);
    assert.equal(last.status, 'passed');
    assert.equal(last.commit, commit);
    assert.equal(last.target, 'local');
    assert.equal(last.passed, 6);
    assert.equal(last.failed, 0);
    assert.equal(last.summary, '6/6 checks passed');
  });

  it('test --all (plain output) → exit 1: pr-review passed, nl-sql NOT_DEPLOYED with a mitigation', async () => {
    const c = capture(env);
    const code = await main(['test', '--all', ...target()], c.io);
    assert.equal(code, 1);
    const out = c.out.join('\n');
    assert.match(out, /^pr-review: passed \(6\/6 checks, \d+(\.\d)? m?s\)$/m);
    assert.match(out, /^nl-sql: error - NOT_DEPLOYED: no app named "nl-sql" on local/m);
    assert.match(out, /^ {4}→ Deploy the skill first: odoobo deploy <skill>/m);
    assert.match(out, /^1\/2 skills passed on local$/m);
    assert.ok(!out.includes('\x1b['), 'no escape codes when not on a terminal');
  });

  it('a manifest whose version differs from the deployed skill → exit 1, METADATA_INVALID named, recorded as failed', async () => {
    const file = path.join(repo.fixture.dir, 'skills', 'pr-review', 'manifest.json');
    const original = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, original.replace('"version": "0.1.0"', '"version": "0.2.0"'));
    try {
      const c = capture(env);
      const code = await main(['test', 'pr-review', ...target(), '--json'], c.io);
      assert.equal(code, 1);
      const r = JSON.parse(c.out[0]).results[0];
      assert.equal(r.status, 'failed');
      const bad = r.smoke.checks.filter((x: any) => x.status !== 'passed');
      assert.deepEqual(bad.map((x: any) => x.code), ['METADATA_INVALID']);
      assert.match(bad[0].message, /version is "0\.1\.0", manifest\.json says "0\.2\.0"/);
      assert.match(bad[0].mitigation, /metadata endpoint/);
      const last = (await (await StatusStore.forRepository(repo.fixture.dir)).skill('pr-review'))?.lastTest;
      assert.equal(last?.status, 'failed');
      assert.equal(last?.failed, 1);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('on a terminal the result is a live table redrawn in place', async () => {
    const c = capture(env, true);
    const code = await main(['test', 'pr-review', ...target()], c.io);
    assert.equal(code, 0, c.err.join('\n'));
    const out = c.out.join('\n');
    assert.match(out, /\x1b\[\d+F\x1b\[J/, 'moves the cursor up and clears to redraw');
    assert.match(out, /SKILL\s+RESULT\s+CHECKS\s+TIME\s+DETAIL/);
    assert.match(out, /pr-review\s+\x1b\[32m✓ passed\x1b\[39m\s+6\/6/);
  });

  it('logs pr-review --type build prints the build log; --type run the run log', async () => {
    const b = capture(env);
    assert.equal(await main(['logs', 'pr-review', '--type', 'build', ...target()], b.io), 0, b.err.join('\n'));
    assert.ok(b.out.length > 0, 'build log lines');
    assert.ok(b.out.every((l) => l.startsWith('pr-review ')), b.out.slice(0, 5).join('\n'));
    const r = capture(env);
    assert.equal(await main(['logs', 'pr-review', ...target()], r.io), 0, r.err.join('\n'));
    assert.match(r.out.join('\n'), /Uvicorn running|Application startup complete/);
  });

  it('logs of a skill without an app → exit 1 NOT_DEPLOYED', async () => {
    const c = capture(env);
    assert.equal(await main(['logs', 'nl-sql', ...target()], c.io), 1);
    assert.match(c.err.join('\n'), /NOT_DEPLOYED: no app named "nl-sql"/);
  });

  it('logs --follow prints the recent lines, then streams new ones until Ctrl-C, then exits 130', async () => {
    const c = capture(env);
    const running = main(['logs', 'pr-review', '--follow', ...target()], c.io);
    // A request made only now: its access-log line can only come from the live stream.
    const marker = `/health?follow=${Date.now()}`;
    const deadline = Date.now() + 20_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      if (c.err.some((l) => l.includes('following live'))) await fetch(`${liveUrl}${marker}`).then((r) => r.arrayBuffer()).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      seen = c.out.some((l) => l.includes(`GET ${marker}`));
    }
    assert.ok(seen, `the live access-log line arrived: ${c.out.slice(-5).join('\n')} ${c.err.join('\n')}`);
    assert.ok(c.out.findIndex((l) => /GET \/health/.test(l)) < c.out.findIndex((l) => l.includes(marker)), 'recent lines come first');
    process.emit('SIGINT', 'SIGINT');
    assert.equal(await running, 130);
    assert.match(c.err.join('\n'), /SIGINT: canceling/);
    assert.equal(process.listenerCount('SIGINT'), 0, 'the handler is gone after the command');
  });

  // Changed: the platform without --api-url used to stop with the command; now it is the repository's and stays up.
  it('--target local without --api-url starts the repository\'s platform (a note on stderr); its own state has no apps → exit 1', async () => {
    const c = capture({});
    try {
      const code = await main(['test', 'pr-review', '--target', 'local', '-C', repo.fixture.dir, '--json'], c.io);
      assert.equal(code, 1);
      const note = /note: started the local App Platform at http:\/\/127\.0\.0\.1:\d+ \(pid \d+, data: .*\.git\/odoobo\/local-platform\); it keeps serving/;
      assert.match(c.err.join('\n'), note);
      const doc = JSON.parse(c.out[0]);
      assert.equal(doc.results[0].error.code, 'NOT_DEPLOYED');
      assert.notEqual(doc.apiUrl, platform.url);
      assert.equal((await fetch(`${doc.apiUrl}/v2/apps`)).status, 401, 'the platform keeps serving after the command');
    } finally {
      assert.equal(await main(['platform', 'stop', '-C', repo.fixture.dir], capture({}).io), 0);
    }
  });
});
