// The "unpushed / uncommitted" query and the push before a deploy, on real repositories with a bare origin.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeUnpublished, findUnpublishedWork, pushSkillBranches } from '../../../../../src/core/git/flows';
import { git, RepoFixture } from '../../../../builders/repo';

describe('findUnpublishedWork / pushSkillBranches', () => {
  let repo: RepoFixture;
  let wt: string;

  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-unpublished-' });
    wt = await repo.addWorktree('alpha', { push: true });
    await repo.addWorktree('beta', { push: true });
  });
  after(() => repo.remove());

  it('finds nothing when every branch is pushed and every worktree clean', async () => {
    assert.deepEqual(await findUnpublishedWork(repo.dir, ['alpha', 'beta']), []);
  });

  it('counts a commit origin does not have, and uncommitted files, per skill', async () => {
    await fs.writeFile(path.join(wt, 'feature.py'), 'X = 1\n');
    await repo.commitAll('alpha: a feature', wt);
    await fs.writeFile(path.join(wt, 'scratch.txt'), 'wip\n');
    const [w, ...rest] = await findUnpublishedWork(repo.dir, ['alpha', 'beta']);
    assert.equal(rest.length, 0, 'beta is clean and pushed');
    assert.deepEqual({ ...w, worktreePath: path.basename(w.worktreePath ?? '') }, {
      skill: 'alpha', branch: 'skill/alpha', worktreePath: 'alpha', uncommitted: 1, unpushed: 1, notOnOrigin: false,
    });
    assert.equal(describeUnpublished(w), `alpha: 1 commit not on origin/skill/alpha, 1 uncommitted file in ${w.worktreePath}`);
  });

  it('counts every commit of a branch origin has never seen', async () => {
    const gamma = await repo.addWorktree('gamma');
    await repo.commitAll('gamma: one', gamma);
    await repo.commitAll('gamma: two', gamma);
    const [w] = await findUnpublishedWork(repo.dir, ['gamma']);
    assert.equal(w.unpushed, 2);
    assert.equal(w.notOnOrigin, true);
    assert.match(describeUnpublished(w), /origin has no such branch/);
  });

  it('pushes the branches (never forced), after which only the uncommitted file is left', async () => {
    const outcomes = await pushSkillBranches(repo.dir, ['alpha', 'gamma']);
    const got = outcomes.map((o) => [o.skill, o.outcome, o.error?.code]);
    assert.deepEqual(got, [['alpha', 'pushed', undefined], ['gamma', 'pushed', undefined]]);
    assert.equal((await git(repo.originDir, 'rev-parse', 'skill/alpha')).trim(), (await git(wt, 'rev-parse', 'HEAD')).trim());
    const left = await findUnpublishedWork(repo.dir, ['alpha', 'gamma']);
    assert.deepEqual(left.map((w) => [w.skill, w.unpushed, w.uncommitted]), [['alpha', 0, 1]]);
  });

  it('a push origin rejects is that skill\'s error, and origin keeps its commit', async () => {
    // Someone else pushed to skill/beta; our beta has a different commit: a non-fast-forward push.
    const other = path.join(repo.base, 'other');
    await git(repo.base, 'clone', '-q', '-b', 'skill/beta', repo.originDir, other);
    await git(other, '-c', 'user.name=O', '-c', 'user.email=o@x.invalid', 'commit', '-q', '--allow-empty', '-m', 'theirs');
    await git(other, 'push', '-q', 'origin', 'skill/beta');
    const theirs = (await git(other, 'rev-parse', 'HEAD')).trim();
    await git(repo.dir, 'fetch', '-q', 'origin');
    await repo.commitAll('beta: ours', repo.worktreePath('beta'));
    const [beta] = await pushSkillBranches(repo.dir, ['beta']);
    assert.equal(beta.outcome, undefined);
    assert.equal(beta.error?.code, 'PUSH_REJECTED', beta.error?.message);
    assert.match(beta.error.message, /skill\/beta/);
    assert.equal((await git(repo.originDir, 'rev-parse', 'skill/beta')).trim(), theirs, 'not forced');
  });

  it('asks nothing of a repository without origin, and names a bad skill name', async () => {
    const bare = await RepoFixture.create({ prefix: 'odoobo-unpublished-noorigin-' });
    try {
      assert.deepEqual(await findUnpublishedWork(bare.dir, ['alpha']), []);
    } finally {
      await bare.remove();
    }
    await assert.rejects(findUnpublishedWork(repo.dir, ['../x']), /Invalid skill name/);
  });
});
