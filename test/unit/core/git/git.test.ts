/**
 * The one git layer (src/core/git/git.ts): the editor and `odoobo validate` judge a spec's branches by the same rule
 * (a local branch or a remote-tracking branch of ANY remote), and the common git directory is found one way, as git does.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lintAppSpec, type Finding } from '../../../../src/core/appspec';
import { branchChecker, gitCommonDir, gitToplevel, lintGitContext, readBranchNames } from '../../../../src/core/git/git';
import { main } from '../../../../src/cli/odoobo';
import { appSpecFor, git, RepoFixture } from '../../../builders/repo';

// Outside the system temp folder: nothing here may depend on where the fixtures live.
const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

async function validate(...argv: string[]): Promise<{ code: number; findings: Finding[] }> {
  const out: string[] = [];
  const code = await main(['validate', '--format', 'json', ...argv], { out: (l) => out.push(l), err: () => undefined, env: {} });
  return { code, findings: JSON.parse(out.join('\n')) as Finding[] };
}

/** What the editor publishes for a spec: the core linter with the git context appSpecDiagnostics.ts builds. */
async function editorFindings(file: string, workspaceFolder: string): Promise<Finding[]> {
  const ctx = await lintGitContext(file, { repoRoot: workspaceFolder });
  const text = await fs.readFile(file, 'utf8');
  const { findings } = await lintAppSpec(text, { file, repoRoot: workspaceFolder, branchExists: ctx.branchExists });
  return findings;
}

const branchFindings = (fs: Finding[]) => fs.filter((f) => f.code === 'BRANCH_MISSING').map((f) => `${f.line}:${f.column} ${f.message}`);

describe('one git layer: branches', () => {
  let repo: RepoFixture;
  let upstream: string;
  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    const skills = [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }];
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'git-layer-', origin: true, skills });
    assert.ok(!repo.dir.startsWith(os.tmpdir() + path.sep));
    // a second remote that is not called origin: skill/beta exists there and nowhere else
    upstream = path.join(repo.base, 'upstream.git');
    await git(repo.base, 'init', '-q', '--bare', '-b', 'main', upstream);
    await git(repo.dir, 'remote', 'add', 'upstream', upstream);
    await git(repo.dir, 'branch', 'skill/beta');
    await git(repo.dir, 'push', '-q', 'upstream', 'skill/beta');
    await git(repo.dir, 'branch', '-D', '-q', 'skill/beta');
    // skill/gamma only on origin, skill/alpha nowhere
    await git(repo.dir, 'branch', 'skill/gamma');
    await git(repo.dir, 'push', '-q', 'origin', 'skill/gamma');
    await git(repo.dir, 'branch', '-D', '-q', 'skill/gamma');
  });
  after(() => repo.remove());

  it('a branch only on a second remote exists for the editor and for odoobo validate alike', async () => {
    assert.equal((await git(repo.dir, 'for-each-ref', '--format=%(refname)', '**/skill/beta')).trim(), 'refs/remotes/upstream/skill/beta');
    const beta = path.join(repo.dir, 'infra', 'beta.yaml');
    const cli = await validate(beta);
    const editor = await editorFindings(beta, repo.dir);
    assert.equal(cli.code, 0);
    assert.deepEqual(branchFindings(cli.findings), [], 'odoobo validate: skill/beta exists (on upstream)');
    assert.deepEqual(branchFindings(editor), [], 'editor: skill/beta exists (on upstream)');
    assert.deepEqual(editor.map((f) => f.code), cli.findings.map((f) => f.code));
  });

  it('a branch on no remote is missing for both, with the same finding', async () => {
    const alpha = path.join(repo.dir, 'infra', 'alpha.yaml');
    const cli = branchFindings((await validate(alpha)).findings);
    const editor = branchFindings(await editorFindings(alpha, repo.dir));
    assert.equal(cli.length, 1);
    assert.match(cli[0], /^7:15 branch `skill\/alpha` does not exist in this repository/);
    assert.deepEqual(editor, cli);
  });

  it('branchChecker: local branch, any remote, packed or loose refs; not HEAD, not the remote name', async () => {
    const check = (b: string) => branchChecker(repo.dir)(b);
    assert.equal(await check('main'), true);
    assert.equal(await check('skill/beta'), true);
    assert.equal(await check('skill/gamma'), true);
    assert.equal(await check('skill/alpha'), false);
    assert.equal(await check('upstream/skill/beta'), false, 'the spec names the branch, not the remote-tracking ref');
    assert.equal(await check('HEAD'), false);
    await git(repo.dir, 'pack-refs', '--all');
    const names = await readBranchNames((await gitCommonDir(repo.dir))!, repo.dir);
    assert.deepEqual([...names!].sort(), ['main', 'skill/beta', 'skill/gamma']);
  });

  it('outside a repository: no branch check, and the CLI says why', async () => {
    const dir = await fs.mkdtemp(path.join(OUTSIDE_TEMP, 'git-layer-nogit-'));
    try {
      const file = path.join(dir, 'app.yaml');
      await fs.writeFile(file, appSpecFor('alpha'));
      const ctx = await lintGitContext(file);
      assert.equal(ctx.repoRoot, undefined);
      assert.equal(ctx.branchExists, undefined);
      const explicit = await lintGitContext(file, { repoRoot: dir });
      assert.equal(explicit.repoRoot, dir);
      assert.equal(explicit.branchExists, undefined);
      assert.match(explicit.unchecked!, /is not a git repository/);
      const cli = await validate(file, '--repo-root', dir);
      assert.deepEqual(cli.findings.filter((f) => f.code.startsWith('BRANCH_')).map((f) => f.code), ['BRANCH_NOT_CHECKED']);
      assert.deepEqual(branchFindings(await editorFindings(file, dir)), [], 'the editor no longer calls every branch missing outside git');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('one git layer: the common git directory', () => {
  let repo: RepoFixture;
  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'git-layer-common-', origin: true });
  });
  after(() => repo.remove());

  it('is what git prints, from the main worktree, a sub-folder, a linked worktree and a symlinked path', async () => {
    const expected = (await git(repo.dir, 'rev-parse', '--path-format=absolute', '--git-common-dir')).trim();
    const wt = await repo.addWorktree('alpha');
    await fs.mkdir(path.join(wt, 'skills', 'alpha'), { recursive: true });
    const link = path.join(repo.base, 'link');
    await fs.symlink(repo.dir, link);
    for (const dir of [repo.dir, path.join(repo.dir, 'skills'), wt, path.join(wt, 'skills', 'alpha'), link]) {
      await fs.mkdir(dir, { recursive: true });
      assert.equal(await gitCommonDir(dir), expected, dir);
    }
    assert.equal(await gitToplevel(path.join(wt, 'skills')), (await git(wt, 'rev-parse', '--show-toplevel')).trim());
  });

  it('a bare repository is its own; a plain folder or a missing one has none', async () => {
    const bare = (await git(repo.originDir, 'rev-parse', '--path-format=absolute', '--git-common-dir')).trim();
    assert.equal(await gitCommonDir(repo.originDir), bare);
    const plain = await fs.mkdtemp(path.join(OUTSIDE_TEMP, 'git-layer-plain-'));
    try {
      assert.equal(await gitCommonDir(plain), undefined);
      assert.equal(await gitCommonDir(path.join(repo.dir, 'no-such-folder')), undefined);
    } finally {
      await fs.rm(plain, { recursive: true, force: true });
    }
  });
});
