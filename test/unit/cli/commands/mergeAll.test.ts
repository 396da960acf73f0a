/** `odoobo merge` with no skill: the ready skills are merged, the others listed with what they lack. */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { StatusStore } from '../../../../src/core/status';
import { deploymentFor } from '../../../builders/gitFlows';
import { git, RepoFixture } from '../../../builders/repo';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('odoobo merge (no skill)', () => {
  let repo: RepoFixture;
  before(async () => {
    repo = await RepoFixture.create({ prefix: 'odoobo-merge-all-', skills: [{ name: 'alpha' }, { name: 'beta' }] });
    const wt = path.join(repo.base, 'wt-alpha');
    await git(repo.dir, 'worktree', 'add', '-q', '-b', 'skill/alpha', wt);
    await fs.writeFile(path.join(wt, 'skills', 'alpha', 'main.py'), 'from fastapi import FastAPI\napp = FastAPI(title="alpha")\n');
    await git(wt, 'commit', '-q', '-am', 'alpha: a title');
    const head = (await git(repo.dir, 'rev-parse', 'skill/alpha')).trim();
    await (await StatusStore.forRepository(repo.dir)).recordDeployment('alpha', deploymentFor('alpha', head));
  });
  after(() => repo?.remove());

  it('lists the skills that are not ready and why, merges the ready ones, and exits 0', async () => {
    const before = (await git(repo.dir, 'rev-parse', 'main')).trim();
    const plain = await cli(['merge', '-C', repo.dir]);
    assert.equal(plain.code, 0, plain.out + plain.err);
    assert.match(plain.out, /^Ready to merge \(1\): alpha$/m);
    assert.match(plain.out, /^Not ready \(1\):\n {2}beta:\n {4}BRANCH_NOT_FOUND: skill\/beta does not exist\. → Set up/m);
    assert.match(plain.out, /^✓ alpha: merged into main as [0-9a-f]{12}/m);
    assert.notEqual((await git(repo.dir, 'rev-parse', 'main')).trim(), before);
    assert.equal((await git(repo.dir, 'log', '-1', '--format=%s', 'main')).trim().includes('skill/alpha'), true);

    const json = await cli(['merge', '-C', repo.dir, '--json']);
    const doc = JSON.parse(json.out);
    assert.deepEqual(doc.results.map((r: { skill: string; status: string }) => [r.skill, r.status]), [['alpha', 'already-merged']]);
    assert.deepEqual(doc.notReady.map((n: { skill: string }) => n.skill), ['beta']);
    assert.ok(doc.notReady[0].unmet.some((u: { code: string }) => u.code === 'NO_DEPLOYMENT'));
  });
});
