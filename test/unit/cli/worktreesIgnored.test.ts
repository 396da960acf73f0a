/**
 * `odoobo worktrees remove` and git-ignored files (issue 14): a worktree holding `.env`, `.venv/` or ignored local data
 * is refused without --force, naming them; with --force they go and the branch and its commits stay. Real repositories
 * with a bare origin, outside the system temporary folder (where a developer's worktrees live).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../src/cli/odoobo';
import { commitFile, revParse, writeFile } from '../../builders/gitFlows';
import { git, RepoFixture } from '../../builders/repo';

const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

async function odoobo(argv: string[]): Promise<{ code: number; out: string; err: string; json?: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n'), json: argv.includes('--json') ? JSON.parse(out.join('\n')) : undefined };
}

describe('odoobo worktrees remove with git-ignored files', () => {
  let repo: RepoFixture;
  after(async () => {
    await repo?.remove();
  });

  it('refuses (exit 1, IGNORED_FILES naming .env, .venv/, data/cache/), keeps every byte; --force removes, keeps the branch', async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    const skills = [{ name: 'visual-diff' }];
    repo = await RepoFixture.create({ origin: true, parent: OUTSIDE_TEMP, prefix: 'cli-remove-ignored-', skills });
    await fs.appendFile(path.join(repo.dir, '.git', 'info', 'exclude'), '.env\n');
    await commitFile(repo.dir, '.gitignore', '.venv/\n');
    await commitFile(repo.dir, 'data/.gitignore', 'cache/\n');
    await git(repo.dir, 'push', '-q');
    const setup = await odoobo(['worktrees', 'setup', 'visual-diff', '-C', repo.dir]);
    assert.equal(setup.code, 0, setup.err);
    const wt = repo.worktreePath('visual-diff');
    await writeFile(wt, '.env', 'API_KEY=precious\n');
    await writeFile(wt, '.venv/bin/python', '#!/bin/sh\n');
    await writeFile(wt, 'data/cache/page.png', 'png\n');
    const head = await commitFile(wt, 'skills/visual-diff/feature.py', 'x = 1\n');
    await git(wt, 'push', '-q');

    const plain = await odoobo(['worktrees', 'remove', 'visual-diff', '-C', repo.dir]);
    assert.equal(plain.code, 1, plain.out);
    assert.doesNotMatch(plain.out, /removed/);
    assert.match(plain.err, /IGNORED_FILES: .* has 3 git-ignored files that removing it would delete: \.env, \.venv\/, data\/cache\/\./);
    assert.match(plain.err, /→ Move the git-ignored files you want to keep/);
    assert.doesNotMatch(plain.err, /precious/, 'names the files, never their content');
    assert.equal(await fs.readFile(path.join(wt, '.env'), 'utf8'), 'API_KEY=precious\n');
    assert.equal(await fs.readFile(path.join(wt, 'data/cache/page.png'), 'utf8'), 'png\n');

    const json = await odoobo(['worktrees', 'remove', 'visual-diff', '--json', '-C', repo.dir]);
    assert.equal(json.code, 1);
    assert.equal(json.json.error.code, 'IGNORED_FILES');
    assert.deepEqual(json.json.error.problems.map((p: any) => [p.code, p.files]), [['IGNORED_FILES', ['.env', '.venv/', 'data/cache/']]]);
    assert.equal(await fs.stat(path.join(wt, '.venv/bin/python')).then((s) => s.isFile()), true);

    const forced = await odoobo(['worktrees', 'remove', 'visual-diff', '--force', '-C', repo.dir]);
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.out, /^removed .*repo-worktrees\/visual-diff \(forced\)$/m);
    await assert.rejects(fs.stat(wt));
    assert.equal(await revParse(repo.dir, 'skill/visual-diff'), head, 'the branch and its commit stay');
    assert.equal(await revParse(repo.originDir, 'skill/visual-diff'), head);
  });
});
