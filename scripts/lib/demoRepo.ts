/**
 * The DEMO skills repository for `npm start` and the screenshot test: a git repository with copies of this
 * project's own `skills/` and `infra/`, pushed to a bare `origin`, with worktrees for pr-review (one local commit
 * ahead) and odoo-rpc (clean), both pushed with upstream tracking.
 *
 *   <base>/skills-repo/                       the repository (open this folder)
 *   <base>/skills-repo-origin.git/            its bare origin
 *   <base>/skills-repo-worktrees/<skill>/     worktrees on branches skill/<skill>
 *
 * Also a CLI: `node --import tsx scripts/lib/demoRepo.ts [--parent <dir>]` prints {"base","dir",…} as JSON.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopPlatformsUnder } from '../../test/builders/platformProcesses';
import { git } from '../../test/builders/repo';

export const DEMO_SKILLS = ['pr-review', 'odoo-rpc', 'nl-sql', 'visual-diff', 'design-tokens'] as const;
export const DEMO_WORKTREES = ['pr-review', 'odoo-rpc'] as const;
/** The worktree that gets a local commit that is not pushed. */
export const DEMO_AHEAD = 'pr-review';

export interface DemoRepo {
  readonly base: string;
  readonly dir: string;
  readonly origin: string;
  /** Skill folders that were copied (those of DEMO_SKILLS that exist, plus any other skill folder). */
  readonly skills: string[];
  /** skill → worktree path */
  readonly worktrees: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Names never copied into the demo repository. */
const SKIP = new Set(['__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', 'node_modules', '.venv', 'venv', '.DS_Store']);

async function copyTree(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    if (SKIP.has(entry.name) || entry.name.endsWith('.pyc')) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(src, dst);
    else if (entry.isFile()) await fs.copyFile(src, dst);
    else if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(src), dst);
  }
}

function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'skills'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the project root (with skills/) above ${__dirname}`);
    dir = up;
  }
  return dir;
}

/**
 * Builds the demo repository under `parent` (a new temporary folder when omitted). `source` is the project whose
 * skills/ and infra/ are copied (default: this project).
 */
export async function createDemoRepo(options: { parent?: string; source?: string } = {}): Promise<DemoRepo> {
  const source = options.source ?? projectRoot();
  const base = options.parent
    ? (await fs.mkdir(options.parent, { recursive: true }), await fs.mkdtemp(path.join(options.parent, 'odoobo-demo-')))
    : await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-demo-'));
  const dir = path.join(base, 'skills-repo');
  const origin = path.join(base, 'skills-repo-origin.git');
  // The demo's local platform outlives the window that started it: it stops with the demo.
  const cleanup = async (): Promise<void> => {
    await stopPlatformsUnder(base).catch(() => undefined);
    await fs.rm(base, { recursive: true, force: true });
  };
  try {
    await fs.mkdir(dir);
    for (const folder of ['skills', 'infra']) {
      if (existsSync(path.join(source, folder))) await copyTree(path.join(source, folder), path.join(dir, folder));
    }
    const skills = existsSync(path.join(dir, 'skills'))
      ? (await fs.readdir(path.join(dir, 'skills'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort()
      : [];
    if (skills.length === 0) throw new Error(`no skills to copy from ${path.join(source, 'skills')}`);
    await fs.writeFile(
      path.join(dir, 'README.md'),
      '# Odoobo skills\n\nSmall FastAPI services, one folder per skill under `skills/`, each with an App Platform app spec under `infra/`.\n',
    );
    await fs.writeFile(path.join(dir, '.gitignore'), '__pycache__/\n.pytest_cache/\n*.pyc\n.venv/\n');

    await git(dir, 'init', '-q', '-b', 'main');
    await git(dir, 'config', 'user.name', 'Odoobo Demo');
    await git(dir, 'config', 'user.email', 'demo@odoobo.invalid');
    await git(dir, 'config', 'commit.gpgsign', 'false');
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', `Skills: ${skills.join(', ')}`);
    await git(base, 'init', '-q', '--bare', '-b', 'main', origin);
    await git(dir, 'remote', 'add', 'origin', origin);
    await git(dir, 'push', '-q', '-u', 'origin', 'main');

    const worktrees: Record<string, string> = {};
    for (const skill of DEMO_WORKTREES) {
      if (!skills.includes(skill)) continue;
      const wt = path.join(base, 'skills-repo-worktrees', skill);
      await fs.mkdir(path.dirname(wt), { recursive: true });
      await git(dir, 'worktree', 'add', '-q', '-b', `skill/${skill}`, wt, 'main');
      await git(wt, 'push', '-q', '-u', 'origin', `skill/${skill}`);
      worktrees[skill] = wt;
    }
    // Every skill's branch exists on origin (App Platform builds from there), so any skill can be deployed from the demo.
    for (const skill of skills) {
      if (!worktrees[skill]) await git(dir, 'push', '-q', 'origin', `main:refs/heads/skill/${skill}`);
    }
    const ahead = worktrees[DEMO_AHEAD];
    if (ahead) {
      const notes = path.join(ahead, 'skills', DEMO_AHEAD, 'CHANGELOG.md');
      await fs.writeFile(notes, `# ${DEMO_AHEAD}\n\n## Unreleased\n\n- Review comments are grouped by file.\n`);
      await git(ahead, 'add', '-A');
      await git(ahead, 'commit', '-q', '-m', `${DEMO_AHEAD}: group review comments by file`);
    }
    return { base, dir, origin, skills, worktrees, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

// Only when run directly (not when bundled or imported).
if (require.main === module && /demoRepo\.[cm]?[jt]s$/.test(require.main.filename)) {
  const i = process.argv.indexOf('--parent');
  createDemoRepo({ parent: i > 0 ? process.argv[i + 1] : undefined }).then(
    (d) => process.stdout.write(JSON.stringify({ base: d.base, dir: d.dir, origin: d.origin, skills: d.skills, worktrees: d.worktrees }) + '\n'),
    (err: unknown) => {
      process.stderr.write(`cannot create the demo repository: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
