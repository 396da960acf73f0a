/**
 * What odoobo asks a repository, in one place: its top folder, its common git directory, whether a branch exists, and
 * the git context the app-spec linter checks `source_dir` and branches against (the CLI and the editor both use it).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GitCommandError, simpleGitRunner, type GitRunner } from './runner';

/** Runs git and returns trimmed stdout, or undefined when git exits non-zero (e.g. a ref that does not exist). */
export async function tryGit(run: GitRunner, cwd: string, args: readonly string[]): Promise<string | undefined> {
  try {
    return (await run(cwd, args)).trim();
  } catch (e) {
    if (e instanceof GitCommandError && e.exitCode > 0) return undefined;
    throw e;
  }
}

/** Trimmed stdout, or undefined on any failure or empty output (not a repository, git missing, a folder gone). */
export async function gitOut(cwd: string, args: readonly string[], run: GitRunner = simpleGitRunner): Promise<string | undefined> {
  try {
    return (await run(cwd, args)).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The top of the worktree holding `dir`, or undefined outside a git work tree. */
export function gitToplevel(dir: string): Promise<string | undefined> {
  return gitOut(dir, ['rev-parse', '--show-toplevel']);
}

/** Whether `dir` is inside a git work tree. */
export async function isGitRepository(dir: string): Promise<boolean> {
  return (await gitOut(dir, ['rev-parse', '--is-inside-work-tree'])) === 'true';
}

async function askGitCommonDir(dir: string): Promise<string | undefined> {
  return gitOut(dir, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
}

/**
 * The shared git directory of the repository holding `dir` (`.git` of the main worktree), absolute and real as git
 * prints it. Read from `.git` (a folder, or a worktree's `gitdir:` file and its `commondir`) as git does, which saves
 * a git process; git itself is asked when GIT_DIR/GIT_COMMON_DIR are set or the layout is anything else.
 */
export async function gitCommonDir(dir: string): Promise<string | undefined> {
  if (process.env.GIT_DIR || process.env.GIT_COMMON_DIR) return askGitCommonDir(dir);
  const real = (p: string) => fs.realpath(p).catch(() => p);
  let cur = path.resolve(dir);
  if (!(await fs.stat(cur).then((s) => s.isDirectory(), () => false))) return undefined;
  for (;;) {
    // a bare repository (or a git directory) on the way up: git's own discovery handles it
    if (await fs.stat(path.join(cur, 'HEAD')).then((s) => s.isFile(), () => false)) {
      if (await fs.stat(path.join(cur, 'refs')).then((s) => s.isDirectory(), () => false)) return askGitCommonDir(dir);
    }
    const dotgit = path.join(cur, '.git');
    const st = await fs.stat(dotgit).catch(() => undefined);
    if (st?.isDirectory()) {
      return (await fs.stat(path.join(dotgit, 'HEAD')).catch(() => undefined)) ? real(dotgit) : askGitCommonDir(dir);
    }
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(await fs.readFile(dotgit, 'utf8').catch(() => ''));
      if (!m) return askGitCommonDir(dir);
      const gitdir = path.resolve(cur, m[1].trim());
      const common = await fs.readFile(path.join(gitdir, 'commondir'), 'utf8').catch(() => undefined);
      return real(common ? path.resolve(gitdir, common.trim()) : gitdir);
    }
    const parent = path.dirname(cur);
    if (parent === cur) return askGitCommonDir(dir);
    cur = parent;
  }
}

/**
 * Branch names, local and remote-tracking (without the remote's name), read from the ref files (`packed-refs`,
 * `refs/heads`, `refs/remotes`) as git stores them: spawning git blocks the event loop of a busy extension host for
 * tens of ms. A reftable repository is asked through git. Undefined when the refs cannot be read.
 */
export async function readBranchNames(commonDir: string, repoRoot: string): Promise<Set<string> | undefined> {
  const names = new Set<string>();
  const add = (ref: string) => {
    if (ref.startsWith('refs/heads/')) names.add(ref.slice('refs/heads/'.length));
    else if (ref.startsWith('refs/remotes/')) names.add(ref.slice('refs/remotes/'.length).replace(/^[^/]+\//, ''));
  };
  if (await fs.stat(path.join(commonDir, 'reftable')).then(() => true, () => false)) {
    const args = ['for-each-ref', '--format=%(refname)', 'refs/heads/', 'refs/remotes/'];
    const out = await simpleGitRunner(repoRoot, args).catch(() => undefined);
    if (out === undefined) return undefined;
    for (const ref of out.split('\n')) add(ref);
    names.delete('HEAD');
    return names;
  }
  const packed = await fs.readFile(path.join(commonDir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('^')) continue;
    add(line.slice(line.indexOf(' ') + 1).trim());
  }
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(commonDir, rel), { withFileTypes: true }).catch(() => []);
    const visit = async (e: (typeof entries)[number]): Promise<void> => {
      if (e.isDirectory()) await walk(`${rel}/${e.name}`);
      else if (e.isFile() && !e.name.endsWith('.lock')) add(`${rel}/${e.name}`);
    };
    await Promise.all(entries.map(visit));
  };
  await Promise.all([walk('refs/heads'), walk('refs/remotes')]);
  names.delete('HEAD');
  return names;
}

/** Answers "does this branch exist" for one repository; the refs are read once, on the first question. */
export type BranchExists = (branch: string) => Promise<boolean>;

/**
 * Whether a branch exists, the one rule every caller uses: a local branch OR a remote-tracking branch of ANY remote
 * (App Platform builds `github.branch` from the remote repository, which need not be called origin).
 * Refs that cannot be read answer true: an unreadable repository is no evidence that a branch is missing.
 */
export function branchChecker(repoRoot: string, commonDir?: string): BranchExists {
  let names: Promise<Set<string> | undefined> | undefined;
  return async (branch) => {
    const common = commonDir ? Promise.resolve(commonDir) : gitCommonDir(repoRoot);
    names ??= common.then((c) => (c ? readBranchNames(c, repoRoot) : undefined));
    const known = await names;
    return known === undefined || known.has(branch);
  };
}

/** What the app-spec linter checks a spec against: the repository root (`source_dir`) and its branches. */
export interface LintGitContext {
  /** The folder `source_dir` is relative to; undefined when the file is not inside a git repository. */
  readonly repoRoot?: string;
  /** Undefined when `repoRoot` is not a git repository: branches are then not checked. */
  readonly branchExists?: BranchExists;
  /** Why branches (and maybe `source_dir`) are not checked, for a note to the user. */
  readonly unchecked?: string;
}

/**
 * The linter's git context for `file`: `repoRoot` when given (the CLI's --repo-root, the editor's workspace folder),
 * else the top of the worktree holding the file. `toplevel` lets a caller share lookups across many files. With
 * `repoRoot` given no git process runs (the editor lints as the user types).
 */
export async function lintGitContext(
  file: string,
  options: { repoRoot?: string; toplevel?: (dir: string) => Promise<string | undefined> } = {},
): Promise<LintGitContext> {
  const toplevel = options.toplevel ?? gitToplevel;
  const root = options.repoRoot ?? (await toplevel(path.dirname(path.resolve(file))));
  if (root === undefined) {
    return { unchecked: 'source_dir and branches not checked: the file is not inside a git repository (pass --repo-root)' };
  }
  const common = await gitCommonDir(root);
  if (common === undefined) return { repoRoot: root, unchecked: `branches not checked: ${root} is not a git repository` };
  return { repoRoot: root, branchExists: branchChecker(root, common) };
}
