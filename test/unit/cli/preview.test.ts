/**
 * `odoobo preview up/down/list` against an in-process local App Platform (a real skill, skills/pr-review, in a
 * temporary repository with a bare origin) and a local GitHub fake, as the workflow runs them: preview up with
 * --comment (branch from the pull request, one comment updated in place), a fork's pull request (no app, the comment
 * says why), preview list, preview down --all with --comment; usage errors, and the GitHub token never printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { PREVIEW_MARKER } from '../../../src/core/release/previewComment';
import { type FakeGitHub, startFakeGitHub } from '../../builders/fakeGitHub';
import { startTestPlatform, waitNoProcesses, type TestPlatform } from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';
import { git } from '../../builders/repo';

const BRANCH = 'feature/faster-review';

async function odoobo(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env } };
  const code = await main(argv, io);
  let json: any;
  if (argv.includes('--json')) {
    assert.equal(out.length, 1, `one JSON document on stdout, got:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
    json = JSON.parse(out[0]);
  }
  return { code, out: out.join('\n'), err: err.join('\n'), json };
}

describe('odoobo preview with the local App Platform and a GitHub fake', () => {
  let repo: SkillRepo;
  let platform: TestPlatform;
  let gh: FakeGitHub;
  let env: NodeJS.ProcessEnv;
  let head = '';
  let liveUrl = '';
  const T = () => ['--target', 'local', '--api-url', platform.url, '-C', repo.fixture.dir];
  const apps = async (): Promise<string[]> => {
    const r = await fetch(`${platform.url}/v2/apps?per_page=200`, { headers: { authorization: `Bearer ${platform.token}` } });
    return ((await r.json()) as { apps: Array<{ spec: { name: string } }> }).apps.map((a) => a.spec.name).sort();
  };

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    // The pull request's branch, checked out as the workflow's checkout is (the smoke suite reads its manifest.json).
    await git(repo.fixture.dir, 'checkout', '-q', '-b', BRANCH);
    await repo.change('manifest.json', (t) => t.replace(/"version": "[^"]+"/, '"version": "0.3.0"'), 'manifest 0.3.0');
    head = await repo.change('main.py', (t) => t.replace(/^VERSION = ".*"$/m, 'VERSION = "0.3.0"'), 'version 0.3.0');
    await git(repo.fixture.dir, 'push', '-q', 'origin', BRANCH);
    platform = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    gh = await startFakeGitHub();
    gh.addRepo('acme/skills');
    gh.addPullRequest('acme/skills', { number: 7, headRef: BRANCH, headSha: head });
    gh.addPullRequest('acme/skills', { number: 8, headRef: 'patch-1', headRepo: 'stranger/skills' });
    env = { ODOOBO_LOCAL_TOKEN: platform.token, GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/skills' };
  });
  after(async () => {
    await gh?.close();
    await platform?.stop();
    if (platform) await waitNoProcesses(platform.dataDir);
    await repo?.remove();
  });

  it('usage: --pr is required and a number; --comment needs GITHUB_TOKEN and GITHUB_REPOSITORY', async () => {
    let r = await odoobo(['preview', 'up', 'pr-review', ...T()], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /--pr <n> is required/);
    r = await odoobo(['preview', 'up', 'pr-review', '--pr', '7x', ...T()], env);
    assert.equal(r.code, 2);
    assert.match(r.err, /--pr expects a pull request number/);
    r = await odoobo(['preview', 'up', 'pr-review', '--pr', '7', '--comment', ...T()], { ...env, GITHUB_TOKEN: '' });
    assert.equal(r.code, 2);
    assert.match(r.err, /--comment needs \$GITHUB_TOKEN/);
    r = await odoobo(['preview', 'up', 'pr-review', '--pr', '7', '--comment', ...T()], { ...env, GITHUB_REPOSITORY: 'nope' });
    assert.match(r.err, /GITHUB_REPOSITORY must be owner\/name/);
    r = await odoobo(['preview', 'down', 'pr-review', '--all', '--pr', '7', ...T()], env);
    assert.match(r.err, /skill names or --all, not both/);
    assert.deepEqual(await apps(), []);
  });

  it('preview up --comment: builds pr-review-pr-7 from the pull request\'s branch, smoke-tests it, posts the comment', async () => {
    const r = await odoobo(['preview', 'up', 'pr-review', '--pr', '7', '--comment', '--json', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.fork, false);
    const [res] = r.json.results;
    assert.equal(res.app, 'pr-review-pr-7');
    assert.equal(res.branch, BRANCH, 'the branch comes from the pull request');
    assert.equal(res.commit, head);
    assert.equal(res.status, 'succeeded');
    assert.ok(res.smoke.total > 0 && res.smoke.passed === res.smoke.total, JSON.stringify(res.smoke));
    liveUrl = res.liveUrl;
    assert.equal(((await (await fetch(`${liveUrl}/health`)).json()) as { version: string }).version, '0.3.0');
    assert.equal(r.json.comment.created, true);
    const comments = gh.comments('acme/skills', 7);
    assert.equal(comments.length, 1);
    assert.ok(comments[0].body.startsWith(PREVIEW_MARKER));
    const row = `| pr-review | <${liveUrl}> | ✅ ${res.smoke.total}/${res.smoke.total} passed |`;
    assert.ok(comments[0].body.includes(row), comments[0].body);
    assert.ok(!r.err.includes(gh.token) && !r.out.includes(gh.token));
  });

  it('preview up again (the next push): the same app, the same comment updated in place', async () => {
    const r = await odoobo(['preview', 'up', 'pr-review', '--pr', '7', '--comment', '--json', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.results[0].liveUrl, liveUrl);
    assert.equal(r.json.comment.created, false);
    assert.equal(gh.comments('acme/skills', 7).length, 1);
    assert.deepEqual(await apps(), ['pr-review-pr-7']);
  });

  it('a fork\'s pull request: nothing deployed, the comment says forks get no preview', async () => {
    const r = await odoobo(['preview', 'up', 'pr-review', '--pr', '8', '--comment', '--json', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.fork, true);
    assert.deepEqual(r.json.results, []);
    assert.deepEqual(await apps(), ['pr-review-pr-7']);
    const [c] = gh.comments('acme/skills', 8);
    assert.match(c.body, /not built for pull requests from forks/);
    // As the fork-notice job runs it: no skills named, no target.
    const again = await odoobo(['preview', 'up', '--pr', '8', '--comment', '-C', repo.fixture.dir], { ...env, ODOOBO_LOCAL_TOKEN: '' });
    assert.equal(again.code, 0, again.err);
    assert.equal(gh.comments('acme/skills', 8).length, 1);
  });

  it('preview list: the preview, its pull request and age', async () => {
    const r = await odoobo(['preview', 'list', '--json', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.json.previews.map((p: any) => [p.app, p.pr, p.liveUrl]), [['pr-review-pr-7', 7, liveUrl]]);
    assert.ok(r.json.previews[0].ageMs >= 0);
    const text = await odoobo(['preview', 'list', ...T()], env);
    assert.match(text.out, /^APP\s+PR\s+AGE\s+URL$/m);
    assert.match(text.out, /^pr-review-pr-7\s+#7\s+\d+ s\s+http/m);
  });

  it('preview down --all --comment (pull request closed): the app is deleted, the comment says so', async () => {
    const r = await odoobo(['preview', 'down', '--all', '--pr', '7', '--comment', '--json', ...T()], env);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.json.results.map((x: any) => [x.skill, x.app, x.deleted]), [['pr-review', 'pr-review-pr-7', true]]);
    assert.deepEqual(await apps(), []);
    const comments = gh.comments('acme/skills', 7);
    assert.equal(comments.length, 1);
    assert.match(comments[0].body, /closed: deleted `pr-review-pr-7`/);
    const again = await odoobo(['preview', 'down', 'pr-review', '--pr', '7', '--json', ...T()], env);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.json.results[0].deleted, false);
  });
});
