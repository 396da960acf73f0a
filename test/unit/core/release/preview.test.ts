/**
 * Preview apps on the real local App Platform with a real skill (skills/pr-review in a temporary repository with a
 * bare origin): the skill's own app and its pull request's preview `pr-review-pr-7` run at once, each its own
 * version; the preview is preview-safe (smallest size, one instance, no alerts), built from the PR's branch and
 * smoke-tested; its comment goes to a local GitHub fake and is updated in place; `previewDown` deletes it and its
 * status records and leaves the skill's own app alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deploySkill, type DeployResult } from '../../../../src/core/deploy';
import { PREVIEW_INSTANCE_SIZE } from '../../../../src/core/environments';
import { GitHubClient } from '../../../../src/core/github/client';
import {
  previewAppName, previewCommentRow, previewDown, previewList, previewUp, type PreviewUpResult,
} from '../../../../src/core/release/preview';
import { PREVIEW_MARKER, previewCommentBody } from '../../../../src/core/release/previewComment';
import { DeployFixture } from '../../../builders/deploy';
import { type FakeGitHub, startFakeGitHub } from '../../../builders/fakeGitHub';
import { git, RepoFixture } from '../../../builders/repo';

const BRANCH = 'feature/better-review';

describe('preview apps per pull request on the local App Platform', () => {
  let fx: DeployFixture;
  let gh: FakeGitHub;
  let github: GitHubClient;
  let own: DeployResult;
  let preview: PreviewUpResult;
  let branchHead = '';

  before(async () => {
    fx = await DeployFixture.start({ realSkill: 'pr-review' });
    gh = await startFakeGitHub();
    gh.addRepo('acme/skills');
    github = new GitHubClient({ env: { GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url } });
    // A spec that is not preview-safe: a bigger size, two instances, an alert.
    await fx.editSpec('pr-review', (t) =>
      t
        .replace('instance_count: 1', 'instance_count: 2')
        .replace('instance_size_slug: apps-s-1vcpu-0.5gb', 'instance_size_slug: apps-s-1vcpu-1gb')
        .replace('ingress:', 'alerts:\n  - rule: DEPLOYMENT_FAILED\ningress:'),
    );
    own = await deploySkill({ ...fx.options(), skill: 'pr-review' });
    assert.equal(own.status, 'succeeded', JSON.stringify(own.error));
    // The pull request's branch: version 0.2.0, pushed to origin; the skill branch stays at 0.1.0. The checkout stays
    // on it, as the workflow's does (the smoke suite checks the version against the checkout's manifest.json).
    const dir = fx.repoDir;
    await git(dir, 'checkout', '-q', '-b', BRANCH);
    await fx.skillRepo!.change('manifest.json', (t) => t.replace(/"version": "[^"]+"/, '"version": "0.2.0"'), 'manifest 0.2.0');
    branchHead = await fx.skillRepo!.change('main.py', (t) => t.replace(/^VERSION = ".*"$/m, 'VERSION = "0.2.0"'), 'version 0.2.0');
    await git(dir, 'push', '-q', 'origin', BRANCH);
  });
  after(async () => {
    await github?.close();
    await gh?.close();
    await fx?.stop();
  });

  it('names the preview <app>-pr-<n> after the app spec\'s name', async () => {
    assert.equal(await previewAppName(fx.repoDir, 'pr-review', 7), 'pr-review-pr-7');
    await assert.rejects(previewAppName(fx.repoDir, 'nope', 7), /skill nope/);
  });

  it('previewUp: the preview app from the PR branch, preview-safe, smoke-tested, beside the skill\'s own app', async () => {
    preview = await previewUp('pr-review', 7, BRANCH, fx.options());
    assert.equal(preview.status, 'succeeded', JSON.stringify(preview.error));
    assert.equal(preview.app, 'pr-review-pr-7');
    assert.equal(preview.environment, 'pr-7');
    assert.equal(preview.commit, branchHead, 'built from the pull request\'s branch');
    assert.ok(preview.liveUrl && preview.liveUrl !== own.liveUrl);
    assert.equal(preview.smoke?.passed, true, JSON.stringify(preview.smoke?.checks));
    assert.ok((preview.smoke?.checks.length ?? 0) > 0);

    const app = await fx.app('pr-review-pr-7');
    const svc = app.spec.services[0];
    assert.equal(svc.instance_size_slug, PREVIEW_INSTANCE_SIZE);
    assert.equal(PREVIEW_INSTANCE_SIZE, 'apps-s-1vcpu-0.5gb', 'the smallest size App Platform sells');
    assert.equal(svc.instance_count, 1);
    assert.equal(app.spec.alerts, undefined);
    assert.equal(app.spec.domains, undefined);
    assert.equal(svc.github.branch, BRANCH);

    // Two apps of one skill serve at once, each its own version.
    assert.equal((await fx.health(preview.liveUrl)).json.version, '0.2.0');
    assert.equal((await fx.health(own.liveUrl!)).json.version, '0.1.0');
    const ownApp = await fx.app('pr-review');
    assert.equal(ownApp.spec.services[0].instance_count, 2, 'the skill\'s own app keeps its settings');
    assert.equal(ownApp.spec.services[0].github.branch, 'skill/pr-review');

    const status = await fx.statusFile();
    assert.equal(status.skills['pr-review'].environments?.['pr-7']?.lastDeployment?.deploymentId, preview.deploy.deploymentId);
  });

  it('previewList: the preview with its pull request and age, not the skill\'s own app', async () => {
    const now = Date.now();
    const list = await previewList({ client: fx.client, now });
    assert.deepEqual(list.map((p) => [p.app, p.base, p.pr]), [['pr-review-pr-7', 'pr-review', 7]]);
    assert.ok(list[0].ageMs !== undefined && list[0].ageMs >= 0 && list[0].ageMs < 10 * 60_000, `age ${list[0].ageMs}`);
    assert.equal(list[0].liveUrl, preview.liveUrl);
    assert.deepEqual(await previewList({ client: fx.client, pr: 8 }), []);
  });

  it('the comment payload: one marked comment with URL, smoke results and commit, updated in place on the next push', async () => {
    const pr = gh.addPullRequest('acme/skills', { number: 7, headRef: BRANCH });
    const body = previewCommentBody({ kind: 'previews', pr: pr.number, rows: [previewCommentRow(preview)], repository: 'acme/skills' });
    await github.upsertMarkedComment('acme', 'skills', 7, PREVIEW_MARKER, body);
    const again = await previewUp('pr-review', 7, BRANCH, fx.options());
    assert.equal(again.status, 'succeeded', JSON.stringify(again.error));
    assert.equal(again.liveUrl, preview.liveUrl, 'the same app, updated');
    const body2 = previewCommentBody({ kind: 'previews', pr: 7, rows: [previewCommentRow(again)], repository: 'acme/skills' });
    const { created } = await github.upsertMarkedComment('acme', 'skills', 7, PREVIEW_MARKER, body2);
    assert.equal(created, false);

    const comments = gh.comments('acme/skills', 7);
    assert.equal(comments.length, 1);
    const text = comments[0].body;
    assert.ok(text.startsWith(PREVIEW_MARKER));
    const row = text.split('\n').find((l) => l.startsWith('| pr-review |'));
    assert.ok(row, text);
    assert.ok(row.includes(`<${preview.liveUrl}>`), row);
    assert.match(row, /✅ (\d+)\/\1 passed/);
    assert.ok(row.includes(`[\`${branchHead.slice(0, 7)}\`](https://github.com/acme/skills/commit/${branchHead})`), row);
  });

  it('previewDown: deletes the preview and its status records; the skill\'s own app keeps serving; again is a no-op', async () => {
    const down = await previewDown('pr-review', 7, { repoRoot: fx.repoDir, client: fx.client });
    assert.deepEqual({ app: down.app, deleted: down.deleted }, { app: 'pr-review-pr-7', deleted: true });
    assert.equal(await fx.app('pr-review-pr-7'), undefined);
    assert.equal((await fx.statusFile()).skills['pr-review'].environments?.['pr-7'], undefined);
    assert.equal((await fx.health(own.liveUrl!)).json.version, '0.1.0');
    assert.deepEqual(await previewList({ client: fx.client }), []);
    const again = await previewDown('pr-review', 7, { repoRoot: fx.repoDir, client: fx.client });
    assert.equal(again.deleted, false);
  });
});

describe('previewAppName', () => {
  it('refuses a preview name longer than App Platform\'s 32 characters, naming the spec and how short its name must be', async () => {
    const name = 'abcdefghijklmnopqrstuvwxyz';
    const repo = await RepoFixture.create({ prefix: 'odoobo-preview-name-', skills: [{ name }] });
    try {
      assert.equal(await previewAppName(repo.dir, name, 7), `${name}-pr-7`);
      await assert.rejects(
        previewAppName(repo.dir, name, 1234567),
        /abcdefghijklmnopqrstuvwxyz\.yaml: name: the preview app "abcdefghijklmnopqrstuvwxyz-pr-1234567" is longer .* 21 characters/,
      );
    } finally {
      await repo.remove();
    }
  });
});
