/**
 * The integration-test fixture workspace: a real git repository (bare `origin`) with three valid skills, one skill
 * folder with an invalid manifest, and two worktrees — alpha (pushed, clean) and beta (pushed, then one commit ahead
 * and an untracked file). The suite reads its description from `<base>/fixture.json` (env ODOOBO_FIXTURE).
 *
 * Also a CLI: `node --import tsx test/integration/workspace.ts [--parent <dir>]` creates one and prints
 * `{"dir","base","fixtureFile"}` as JSON on stdout (the caller removes `base`).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { git, RepoFixture } from '../builders/repo';

export interface FixtureDescription {
  /** The repository (the folder opened in the workbench). */
  readonly root: string;
  readonly skills: string[];
  readonly invalid: string[];
  readonly worktrees: Record<string, { path: string; dirty: boolean; ahead: number }>;
  readonly origin: string;
}

export interface FixtureWorkspace {
  /** The repository folder to open. */
  readonly dir: string;
  /** The temporary folder holding the repository, its worktrees, origin.git and fixture.json. */
  readonly base: string;
  /** `<base>/fixture.json`, for env ODOOBO_FIXTURE. */
  readonly fixtureFile: string;
  readonly description: FixtureDescription;
  /** Removes everything (worktrees included). */
  cleanup(): Promise<void>;
}

export const VALID_SKILLS = ['alpha', 'beta', 'gamma'] as const;
export const INVALID_SKILLS = ['broken'] as const;

export async function createFixtureWorkspace(options: { parent?: string } = {}): Promise<FixtureWorkspace> {
  const repo = await RepoFixture.create({
    prefix: 'odoobo-it-',
    parent: options.parent,
    origin: true,
    skills: [
      ...VALID_SKILLS.map((name, i) => ({ name, port: 8080 + i })),
      // Not JSON: the tree must show it as an error item with a line:column.
      { name: 'broken', rawManifest: '{\n  "name": "broken",\n  "version": \n}\n', appSpec: false },
    ],
  });
  try {
    // alpha: pushed with upstream, clean.
    const alpha = await repo.addWorktree('alpha', { push: true });
    // beta: pushed with upstream, then one local commit ahead and an untracked file.
    const beta = await repo.addWorktree('beta', { push: true });
    await fs.writeFile(path.join(beta, 'skills', 'beta', 'NOTES.md'), '# beta\n\nA local change, committed but not pushed.\n');
    await repo.commitAll('beta: notes (not pushed)', beta);
    await fs.writeFile(path.join(beta, 'skills', 'beta', 'scratch.txt'), 'untracked\n');
    const status = await git(beta, 'status', '--porcelain=v2', '--branch');
    if (!/^# branch\.ab \+1 -0$/m.test(status) || !/^\? skills\/beta\/scratch\.txt$/m.test(status)) {
      throw new Error(`fixture: beta worktree is not 1 ahead and dirty:\n${status}`);
    }

    const description: FixtureDescription = {
      root: repo.dir,
      skills: [...VALID_SKILLS],
      invalid: [...INVALID_SKILLS],
      worktrees: {
        alpha: { path: alpha, dirty: false, ahead: 0 },
        beta: { path: beta, dirty: true, ahead: 1 },
      },
      origin: repo.originDir,
    };
    const fixtureFile = path.join(repo.base, 'fixture.json');
    await fs.writeFile(fixtureFile, JSON.stringify(description, null, 2) + '\n');
    return { dir: repo.dir, base: repo.base, fixtureFile, description, cleanup: () => repo.remove() };
  } catch (err) {
    await repo.remove();
    throw err;
  }
}

// Only when run directly (not when bundled into another entry point, e.g. out/test/runElectron.js).
if (require.main === module && /workspace\.[cm]?[jt]s$/.test(require.main.filename)) {
  const i = process.argv.indexOf('--parent');
  createFixtureWorkspace({ parent: i > 0 ? process.argv[i + 1] : undefined }).then(
    (w) => process.stdout.write(JSON.stringify({ dir: w.dir, base: w.base, fixtureFile: w.fixtureFile }) + '\n'),
    (err: unknown) => {
      process.stderr.write(`cannot create the fixture workspace: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
