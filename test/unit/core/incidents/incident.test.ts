import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { githubRepositoryOf, incidentConfigFromEnv, openIncident, type IncidentFacts } from '../../../../src/core/incidents/incident';
import { startFakeGitHub, type FakeGitHub } from '../../../builders/fakeGitHub';
import { RepoFixture, git } from '../../../builders/repo';

const facts: IncidentFacts = {
  skill: 'pr-review',
  environment: 'production',
  target: 'digitalocean',
  trigger: 'automatic',
  at: '2026-03-01T10:00:00.000Z',
  failed: { deploymentId: 'dep-2', commit: 'b'.repeat(40), code: 'HEALTH_CHECK_FAIL', step: 'health', message: '/health answered 500' },
  restored: { status: 'succeeded', toDeploymentId: 'dep-1', rollbackDeploymentId: 'dep-3' },
  liveUrl: 'https://pr-review.example.com',
  who: 'Ada <ada@example.com>',
};

describe('openIncident', () => {
  let gh: FakeGitHub;
  before(async () => {
    gh = await startFakeGitHub();
    gh.addRepo('odoobo/skills');
  });
  after(() => gh.close());

  it('opens "[INCIDENT] Rollback executed for <environment>" with the SOP labels and the facts in its body', async () => {
    const config = { token: gh.token, repository: 'odoobo/skills', apiUrl: gh.url, logsUrl: 'https://ci.example.com/runs/7' };
    const r = await openIncident(config, facts);
    const [issue] = gh.issues('odoobo/skills');
    assert.equal(r.issueNumber, issue.number);
    assert.match(r.issueUrl ?? '', /\/odoobo\/skills\/issues\/\d+$/);
    assert.equal(issue.title, '[INCIDENT] Rollback executed for production');
    assert.deepEqual(issue.labels.map((l) => l.name), ['incident', 'rollback', 'production']);
    const body = issue.body ?? '';
    assert.match(body, /\| Failed deployment \| `dep-2` \(commit `bbbbbbbbbbbb`\) \|/);
    assert.match(body, /\| Cause \| HEALTH_CHECK_FAIL at health \|/);
    assert.match(body, /\| Restored deployment \| `dep-1` as `dep-3` \|/);
    assert.match(body, /\| Logs \| https:\/\/ci\.example\.com\/runs\/7 \|/);
    assert.match(body, /\/health answered 500/);
    const post = gh.requests.find((q) => q.method === 'POST')!;
    assert.equal(post.headers.authorization, `Bearer ${gh.token}`);
  });

  it('without a token opens nothing and says so; a refused token is a note that does not show the token', async () => {
    const before = gh.requests.length;
    assert.deepEqual(await openIncident(undefined, facts), { note: 'no GitHub token configured: no incident issue opened' });
    assert.equal(gh.requests.length, before);
    const r = await openIncident({ token: 'ghp_wrongTokenValue123456', repository: 'odoobo/skills', apiUrl: gh.url }, facts);
    assert.equal(r.issueUrl, undefined);
    assert.match(r.note ?? '', /could not be opened on odoobo\/skills/);
    assert.ok(!r.note?.includes('ghp_wrongTokenValue123456'), r.note);
  });
});

describe('incident configuration', () => {
  it('reads owner/name from GitHub remote URLs', () => {
    assert.equal(githubRepositoryOf('https://github.com/odoobo/skills.git'), 'odoobo/skills');
    assert.equal(githubRepositoryOf('git@github.com:odoobo/skills.git'), 'odoobo/skills');
    assert.equal(githubRepositoryOf('ssh://git@github.com/odoobo/skills'), 'odoobo/skills');
    assert.equal(githubRepositoryOf('https://gitlab.com/odoobo/skills.git'), undefined);
  });

  it('takes the token from GITHUB_TOKEN and the repository from GITHUB_REPOSITORY or the origin remote', async () => {
    const repo = await RepoFixture.create({ prefix: 'odoobo-incident-' });
    try {
      await git(repo.dir, 'remote', 'add', 'origin', 'git@github.com:acme/skills.git');
      assert.equal(await incidentConfigFromEnv({}, repo.dir), undefined);
      assert.deepEqual(await incidentConfigFromEnv({ GITHUB_TOKEN: 't0ken' }, repo.dir), { token: 't0ken', repository: 'acme/skills' });
      const ci = { GITHUB_TOKEN: 't0ken', GITHUB_REPOSITORY: 'acme/other', GITHUB_RUN_ID: '42' };
      assert.deepEqual(await incidentConfigFromEnv(ci, repo.dir), {
        token: 't0ken',
        repository: 'acme/other',
        logsUrl: 'https://github.com/acme/other/actions/runs/42',
      });
    } finally {
      await repo.remove();
    }
  });
});
