/**
 * The git commands of the CLI against real temporary repositories with a bare origin: worktrees setup / list / remove,
 * status and its export, merge (refused without a deployment, merged with one); exit codes and --json shapes.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/odoobo';
import { StatusStore, WorktreeStatusExportSchema } from '../../../src/core/status';
import { deploymentFor } from '../../builders/gitFlows';
import { git, RepoFixture } from '../../builders/repo';

function capture(env: NodeJS.ProcessEnv = {}, isTTY?: boolean): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY }, out, err };
}

/** Runs `odoobo …` in-process; with --json, asserts exactly one JSON document on stdout and answers it. */
async function odoobo(argv: string[]): Promise<{ code: number; out: string; err: string; json?: any }> {
  const c = capture();
  const code = await main(argv, c.io);
  const out = c.out.join('\n');
  let json: any;
  if (argv.includes('--json')) {
    assert.equal(c.out.length, 1, `one JSON document on stdout, got ${c.out.length} writes:\n${out}\nstderr:\n${c.err.join('\n')}`);
    json = JSON.parse(c.out[0]);
  }
  return { code, out, err: c.err.join('\n'), json };
}

describe('odoobo worktrees / status / merge on a real repository', () => {
  let repo: RepoFixture;
  const C = () => ['-C', repo.dir];

  before(async () => {
    repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-cli-git-', skills: [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }] });
    await git(repo.dir, 'push', '-q', 'origin', 'main');
  });
  after(async () => {
    await repo?.remove();
  });

  it('worktrees setup refuses a root in the temporary folder unless allowed (exit 1, WORKTREE_ROOT_IN_TEMP)', async () => {
    const r = await odoobo(['worktrees', 'setup', 'alpha', ...C()]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /WORKTREE_ROOT_IN_TEMP/);
    assert.match(r.err, /→ Choose a worktree folder outside the system temporary folder/);
  });

  it('worktrees setup alpha beta --json: created, pushed with upstream; run again: reused', async () => {
    const r = await odoobo(['worktrees', 'setup', 'alpha', 'beta', '--allow-temp-root', '--json', ...C()]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.command, 'worktrees setup');
    assert.equal(r.json.ok, true);
    assert.equal(r.json.exitCode, 0);
    assert.equal(r.json.mainBranch, 'main');
    assert.equal(await fs.realpath(r.json.root), await fs.realpath(path.join(repo.base, 'repo-worktrees')));
    assert.deepEqual(r.json.outcomes.map((o: any) => [o.skill, o.status, o.branch, o.push, o.upstream]), [
      ['alpha', 'created', 'skill/alpha', 'pushed', 'origin/skill/alpha'],
      ['beta', 'created', 'skill/beta', 'pushed', 'origin/skill/beta'],
    ]);
    assert.ok((await git(repo.originDir, 'branch', '--list', 'skill/*')).includes('skill/beta'));

    const again = await odoobo(['worktrees', 'setup', 'alpha', 'beta', '--allow-temp-root', ...C()]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^✓ alpha: reused /m);
    assert.match(again.out, /^✓ beta: reused /m);
  });

  it('worktrees setup gamma --no-push from a plain (non-terminal) io prints one line per skill', async () => {
    const r = await odoobo(['worktrees', 'setup', 'gamma', '--no-push', '--allow-temp-root', ...C()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^✓ gamma: created .*repo-worktrees\/gamma; skill\/gamma \(created\), worktree created/m);
    assert.ok(!r.out.includes('\x1b['), 'no escape codes when not on a terminal');
    assert.equal((await git(repo.originDir, 'branch', '--list', 'skill/gamma')).trim(), '', 'not pushed');
  });

  it('worktrees list --json: the main worktree first, then one per skill', async () => {
    const r = await odoobo(['worktrees', 'list', '--json', ...C()]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.json.command, 'worktrees list');
    const wts = r.json.worktrees;
    assert.equal(wts.length, 4);
    assert.equal(wts[0].isMain, true);
    assert.equal(wts[0].branch, 'main');
    assert.deepEqual(wts.slice(1).map((w: any) => w.skill).sort(), ['alpha', 'beta', 'gamma']);
    for (const w of wts) {
      assert.equal(w.exists, true);
      assert.equal(w.dirty, false);
      assert.match(w.head, /^[0-9a-f]{40}$/);
    }
    const table = await odoobo(['worktrees', 'list', ...C()]);
    assert.match(table.out, /^PATH +BRANCH +SKILL +HEAD +STATE$/m);
    assert.match(table.out, /repo-worktrees\/alpha +skill\/alpha +alpha +[0-9a-f]{7} +clean/);
  });

  it('status --json and --export WORKTREE_STATUS.json: every skill with its worktree; the file validates', async () => {
    const r = await odoobo(['status', '--json', ...C()]);
    assert.equal(r.code, 0, r.err);
    const doc = WorktreeStatusExportSchema.parse(r.json);
    assert.deepEqual(Object.keys(doc.skills), ['alpha', 'beta', 'gamma']);
    assert.equal(doc.skills.alpha.branch, 'skill/alpha');
    assert.equal(doc.skills.alpha.worktree_exists, true);
    assert.equal(doc.skills.alpha.upstream, 'origin/skill/alpha');
    assert.equal(doc.skills.gamma.upstream, null);
    assert.equal(doc.skills.alpha.last_deployment, null);

    const file = path.join(repo.base, 'WORKTREE_STATUS.json');
    const e = await odoobo(['status', '--export', file, ...C()]);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, new RegExp(`^wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(e.out, /^SKILL +WORKTREE +STATE +LAST DEPLOYMENT \(recorded\) +LAST TEST +LAST MERGE$/m);
    assert.match(e.out, /^alpha +repo-worktrees\/alpha +clean +- +- +-$/m);
    const exported = WorktreeStatusExportSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
    assert.deepEqual(Object.keys(exported.skills), ['alpha', 'beta', 'gamma']);
  });

  it('merge alpha without a deployment → refused (exit 1) listing NO_DEPLOYMENT; nothing changes', async () => {
    const wt = path.join(repo.base, 'repo-worktrees', 'alpha');
    await fs.writeFile(path.join(wt, 'skills', 'alpha', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI(title="alpha")\n');
    await git(wt, 'commit', '-q', '-am', 'alpha: a title');
    await git(wt, 'push', '-q', 'origin', 'skill/alpha');
    const before = await git(repo.dir, 'rev-parse', 'main');
    const r = await odoobo(['merge', 'alpha', '--json', ...C()]);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.json.command, 'merge');
    assert.equal(r.json.ok, false);
    assert.equal(r.json.exitCode, 1);
    const [res] = r.json.results;
    assert.equal(res.skill, 'alpha');
    assert.equal(res.status, 'refused');
    assert.deepEqual(res.unmet.map((u: any) => u.code), ['NO_DEPLOYMENT']);
    assert.ok(res.checks.some((c: any) => c.code === 'NO_DEPLOYMENT' && c.status === 'unmet'));
    assert.equal(await git(repo.dir, 'rev-parse', 'main'), before);

    const plain = await odoobo(['merge', 'alpha', ...C()]);
    assert.equal(plain.code, 1);
    assert.match(plain.out, /✗ alpha: refused; 1 unmet precondition:\n {2}NO_DEPLOYMENT: alpha has no recorded deployment\.\n {4}→ Deploy the skill/);
  });

  it('merge alpha with an ACTIVE deployment of its HEAD → merged (exit 0) with trailers; --target digitalocean refuses a local one', async () => {
    const head = (await git(repo.dir, 'rev-parse', 'skill/alpha')).trim();
    const store = await StatusStore.forRepository(repo.dir);
    await store.recordDeployment('alpha', deploymentFor('alpha', head));

    const wrongTarget = await odoobo(['merge', 'alpha', '--target', 'digitalocean', '--json', ...C()]);
    assert.equal(wrongTarget.code, 1);
    assert.deepEqual(wrongTarget.json.results[0].unmet.map((u: any) => u.code), ['NO_DEPLOYMENT']);

    // A failed smoke-test run of that deployment refuses, with when it ran, its summary and what to do.
    await store.recordTest('alpha', { status: 'failed', target: 'local', summary: '5/6 checks passed; failed: DOCS_MISSING', at: new Date().toISOString() });
    const smokeFailed = await odoobo(['merge', 'alpha', '--target', 'local', ...C()]);
    assert.equal(smokeFailed.code, 1);
    assert.match(smokeFailed.out, /SMOKE_TESTS_FAILED: The last smoke-test run \(failed, \S+ on local\) of deployment \S+ failed: 5\/6 checks passed; failed: DOCS_MISSING\.\n {4}→ Fix the skill and rerun its smoke tests/);
    await store.updateSkill('alpha', (s) => void delete s.lastTest);

    const r = await odoobo(['merge', 'alpha', '--target', 'local', '--push', '--json', ...C()]);
    assert.equal(r.code, 0, JSON.stringify(r.json, null, 2) + r.err);
    const [res] = r.json.results;
    assert.equal(res.status, 'merged');
    assert.equal(res.skillHead, head);
    assert.equal(res.push, 'pushed');
    assert.match(res.mergeCommit, /^[0-9a-f]{40}$/);
    assert.equal((await git(repo.originDir, 'rev-parse', 'main')).trim(), res.mergeCommit);
    assert.match(await git(repo.dir, 'log', '-1', '--format=%B', 'main'), /Deployment-Id: dep-alpha-/);

    const again = await odoobo(['merge', 'alpha', ...C()]);
    assert.equal(again.code, 0);
    assert.match(again.out, /✓ alpha: already merged into main/);
    const status = await odoobo(['status', '--json', ...C()]);
    assert.equal(status.json.skills.alpha.last_merge.merge_commit, res.mergeCommit);
    assert.equal(status.json.skills.alpha.last_deployment.phase, 'ACTIVE');
  });

  it('worktrees remove refuses a dirty worktree (exit 1, DIRTY_WORKTREE with files), --force removes it; --json shapes', async () => {
    const wt = path.join(repo.base, 'repo-worktrees', 'beta');
    await fs.writeFile(path.join(wt, 'scratch.txt'), 'unsaved work\n');
    const refused = await odoobo(['worktrees', 'remove', 'beta', '--json', ...C()]);
    assert.equal(refused.code, 1);
    assert.equal(refused.json.ok, false);
    assert.equal(refused.json.error.code, 'DIRTY_WORKTREE');
    assert.deepEqual(refused.json.error.problems.map((p: any) => p.code), ['DIRTY_WORKTREE']);
    assert.deepEqual(refused.json.error.problems[0].files, ['scratch.txt']);
    assert.ok(await fs.stat(wt).then(() => true), 'still there');

    const plain = await odoobo(['worktrees', 'remove', 'beta', ...C()]);
    assert.equal(plain.code, 1);
    assert.match(plain.err, /DIRTY_WORKTREE: .* 1 uncommitted change\.\n {4}→ Commit or stash/);

    const forced = await odoobo(['worktrees', 'remove', 'beta', '--force', '--json', ...C()]);
    assert.equal(forced.code, 0, forced.err);
    assert.equal(forced.json.result.removed, true);
    assert.equal(forced.json.result.forced, true);
    assert.equal(await fs.stat(wt).then(() => true, () => false), false);
  });

  it('worktrees remove alpha --delete-branch after the merge: removes the worktree and deletes the merged branch', async () => {
    const r = await odoobo(['worktrees', 'remove', 'alpha', '--delete-branch', ...C()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^removed .*repo-worktrees\/alpha$/m);
    assert.match(r.out, /^deleted skill\/alpha$/m);
    const none = await odoobo(['worktrees', 'remove', 'alpha', ...C()]);
    assert.equal(none.code, 0);
    assert.match(none.out, /alpha has no worktree/);
  });

  it('outside a git repository: exit 2 with a hint', async () => {
    const r = await odoobo(['status', '-C', repo.base]);
    assert.equal(r.code, 2);
    assert.match(r.err, /is not inside a git repository/);
  });
});
