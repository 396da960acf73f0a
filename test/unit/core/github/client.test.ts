import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { GitHubClient } from '../../../../src/core/github/client';
import { GitHubError } from '../../../../src/core/github/errors';
import { FakeClock } from '../../../builders/do';
import { type FakeGitHub, startFakeGitHub } from '../../../builders/fakeGitHub';

const MARKER = '<!-- odoobo-preview -->';
let gh: FakeGitHub;
const clients: GitHubClient[] = [];
const client = (options: ConstructorParameters<typeof GitHubClient>[0] = {}) => {
  const c = new GitHubClient({ env: { GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url }, ...options });
  clients.push(c);
  return c;
};

before(async () => {
  gh = await startFakeGitHub();
  gh.addRepo('acme/skills');
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gh.close();
});

async function rejectsWith(p: Promise<unknown>, check: (e: GitHubError) => void): Promise<GitHubError> {
  const e = await p.then(
    () => assert.fail('expected a GitHubError'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof GitHubError, `not a GitHubError: ${inspect(e)}`);
  check(e);
  return e;
}

describe('GitHubClient: requests as GitHub documents them', () => {
  it('sends the token as a bearer, the API version and a User-Agent, to GITHUB_API_URL', async () => {
    const pr = gh.addPullRequest('acme/skills', { headRef: 'skill/pr-review', headSha: 'b'.repeat(40) });
    const seen = gh.requests.length;
    const info = await client().getPullRequest('acme', 'skills', pr.number);
    const req = gh.requests[seen];
    assert.equal(req.method, 'GET');
    assert.equal(req.path, `/repos/acme/skills/pulls/${pr.number}`);
    assert.equal(req.headers.authorization, `Bearer ${gh.token}`);
    assert.equal(req.headers.accept, 'application/vnd.github+json');
    assert.equal(req.headers['x-github-api-version'], '2022-11-28');
    assert.ok(req.headers['user-agent']);
    assert.deepEqual(
      { headRef: info.headRef, headSha: info.headSha, headRepo: info.headRepo, baseRepo: info.baseRepo, fromFork: info.fromFork },
      { headRef: 'skill/pr-review', headSha: 'b'.repeat(40), headRepo: 'acme/skills', baseRepo: 'acme/skills', fromFork: false },
    );
  });

  it('tells a pull request from a fork by its head repository', async () => {
    const pr = gh.addPullRequest('acme/skills', { headRef: 'patch-1', headRepo: 'stranger/skills' });
    const info = await client().getPullRequest('acme', 'skills', pr.number);
    assert.equal(info.headRepo, 'stranger/skills');
    assert.equal(info.fromFork, true);
  });

  it('creates an issue with labels, which GitHub creates when missing', async () => {
    const labels = ['incident', 'skill:pr-review'];
    const issue = await client().createIssue('acme', 'skills', { title: 'pr-review is down', body: 'details', labels });
    assert.equal(issue.title, 'pr-review is down');
    assert.deepEqual(issue.labels.map((l) => (typeof l === 'string' ? l : l.name)), ['incident', 'skill:pr-review']);
    const stored = gh.issues('acme/skills').find((i) => i.number === issue.number);
    assert.equal(stored?.body, 'details');
    assert.deepEqual(stored?.labels.map((l) => l.name), ['incident', 'skill:pr-review']);
  });

  it('creates the marked comment once, then updates it in place', async () => {
    const pr = gh.addPullRequest('acme/skills', { headRef: 'skill/a' });
    const c = client();
    await c.createIssueComment('acme', 'skills', pr.number, 'an unrelated comment');
    const first = await c.upsertMarkedComment('acme', 'skills', pr.number, MARKER, `${MARKER}\nfirst`);
    const second = await c.upsertMarkedComment('acme', 'skills', pr.number, MARKER, `${MARKER}\nsecond`);
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.comment.id, first.comment.id);
    const bodies = gh.comments('acme/skills', pr.number).map((x) => x.body);
    assert.deepEqual(bodies, ['an unrelated comment', `${MARKER}\nsecond`]);
  });

  it('refuses to upsert a body that lacks its marker (it could never be found again)', async () => {
    await rejectsWith(client().upsertMarkedComment('acme', 'skills', 1, MARKER, 'no marker'), (e) => assert.equal(e.code, 'BAD_INPUT'));
  });

  it('lists every page of comments by following the Link header', async () => {
    const pr = gh.addPullRequest('acme/skills', { headRef: 'skill/many' });
    const c = client();
    for (let i = 0; i < 105; i++) await c.createIssueComment('acme', 'skills', pr.number, `c${i}`);
    const seen = gh.requests.length;
    const all = await c.listIssueComments('acme', 'skills', pr.number);
    assert.equal(all.length, 105);
    assert.equal(all[104].body, 'c104');
    const pages = gh.requests.slice(seen).map((r) => r.query.get('page') ?? '1');
    assert.deepEqual(pages, ['1', '2']);
  });
});

describe('GitHubClient: failures', () => {
  it('without GITHUB_TOKEN: NO_TOKEN before any request', async () => {
    const seen = gh.requests.length;
    await rejectsWith(client({ env: { GITHUB_API_URL: gh.url } }).getPullRequest('acme', 'skills', 1), (e) => {
      assert.equal(e.code, 'NO_TOKEN');
      assert.match(e.mitigation, /GITHUB_TOKEN/);
    });
    assert.equal(gh.requests.length, seen);
  });

  it('a refused token: UNAUTHORIZED with GitHub\'s message, and the token nowhere in the error', async () => {
    const token = 'ghs_wrongTokenValue0123456789abcdef';
    const e = await rejectsWith(client({ token }).createIssue('acme', 'skills', { title: 'x' }), (err) => {
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.equal(err.status, 401);
      assert.match(err.message, /Bad credentials/);
    });
    assert.ok(!inspect(e, { depth: 5 }).includes(token));
    assert.ok(!JSON.stringify(e).includes(token));
  });

  it('an unknown repository or pull request: NOT_FOUND naming the request', async () => {
    await rejectsWith(client().getPullRequest('acme', 'nope', 1), (e) => {
      assert.equal(e.code, 'NOT_FOUND');
      assert.match(e.message, /GET \/repos\/acme\/nope\/pulls\/1 -> 404: Not Found/);
    });
    await rejectsWith(client().listIssueComments('acme', 'skills', 99_999), (e) => assert.equal(e.status, 404));
  });

  it('bad names and numbers are refused before any request', async () => {
    const seen = gh.requests.length;
    await rejectsWith(client().getPullRequest('acme', '../x', 1), (e) => assert.match(e.message, /repo "..\/x"/));
    await rejectsWith(client().getPullRequest('acme', 'skills', 0), (e) => assert.match(e.message, /positive integer/));
    await rejectsWith(client().createIssue('acme', 'skills', { title: ' ' }), (e) => assert.match(e.message, /title is empty/));
    assert.equal(gh.requests.length, seen);
  });

  it('issues disabled: GONE (410)', async () => {
    gh.addRepo('acme/noissues', { hasIssues: false });
    await rejectsWith(client().createIssue('acme', 'noissues', { title: 't' }), (e) => assert.equal(e.code, 'GONE'));
  });

  it('a secondary rate limit (403 + retry-after) is waited out, then the request succeeds', async () => {
    const clock = new FakeClock(Date.now(), true);
    const pr = gh.addPullRequest('acme/skills', { headRef: 'skill/rl' });
    gh.rateLimit({ status: 403, retryAfter: 7 });
    const info = await client({ clock }).getPullRequest('acme', 'skills', pr.number);
    assert.equal(info.number, pr.number);
    assert.deepEqual(clock.sleeps, [7000]);
  });

  it('a 429 with retry-after on a POST is retried too (GitHub did not do it)', async () => {
    const clock = new FakeClock(Date.now(), true);
    const pr = gh.addPullRequest('acme/skills', { headRef: 'skill/rl2' });
    gh.rateLimit({ status: 429, retryAfter: 2 });
    await client({ clock }).createIssueComment('acme', 'skills', pr.number, 'hello');
    assert.deepEqual(clock.sleeps, [2000]);
    assert.deepEqual(gh.comments('acme/skills', pr.number).map((c) => c.body), ['hello']);
  });

  it('a spent primary limit (x-ratelimit-remaining: 0) waits until x-ratelimit-reset', async () => {
    const clock = new FakeClock(Date.now(), true);
    const pr = gh.addPullRequest('acme/skills', { headRef: 'skill/rl3' });
    gh.rateLimit({ status: 403 });
    await client({ clock }).getPullRequest('acme', 'skills', pr.number);
    assert.equal(clock.sleeps.length, 1);
    assert.ok(clock.sleeps[0] >= 1000 && clock.sleeps[0] <= 3000, `slept ${clock.sleeps[0]} ms`);
  });

  it('a rate limit asking for longer than allowed fails at once with RATE_LIMITED and the wait', async () => {
    const clock = new FakeClock(Date.now(), true);
    gh.rateLimit({ status: 403, retryAfter: 600 });
    await rejectsWith(client({ clock }).getPullRequest('acme', 'skills', 1), (e) => {
      assert.equal(e.code, 'RATE_LIMITED');
      assert.equal(e.retryAfterMs, 600_000);
      assert.match(e.message, /secondary rate limit/);
    });
    assert.deepEqual(clock.sleeps, []);
  });

  it('a rate limit that lasts past the attempts fails with RATE_LIMITED', async () => {
    const clock = new FakeClock(Date.now(), true);
    gh.rateLimit({ status: 429, retryAfter: 1, times: 5 });
    await rejectsWith(client({ clock, maxAttempts: 3 }).getPullRequest('acme', 'skills', 1), (e) => assert.equal(e.code, 'RATE_LIMITED'));
    assert.deepEqual(clock.sleeps, [1000, 1000]);
    gh.rateLimit({ times: 0 });
  });

  it('the fake answers like GitHub: no token 401 "Requires authentication", bad JSON 400, no title 422', async () => {
    const res1 = await fetch(`${gh.url}/repos/acme/skills/pulls/1`, { headers: { 'user-agent': 't' } });
    assert.equal(res1.status, 401);
    assert.equal(((await res1.json()) as { message: string }).message, 'Requires authentication');
    const res2 = await fetch(`${gh.url}/repos/acme/skills/issues`, {
      method: 'POST', headers: { 'user-agent': 't', authorization: `token ${gh.token}` }, body: '{"title":',
    });
    assert.equal(res2.status, 400);
    const res3 = await fetch(`${gh.url}/repos/acme/skills/issues`, {
      method: 'POST', headers: { 'user-agent': 't', authorization: `token ${gh.token}` }, body: '{}',
    });
    assert.equal(res3.status, 422);
    assert.match(((await res3.json()) as { message: string }).message, /"title" wasn't supplied/);
  });
});
