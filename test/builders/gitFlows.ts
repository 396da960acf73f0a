import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { simpleGitRunner, type GitRunner } from '../../src/core/git/flows';
import type { SkillDeployment } from '../../src/core/status';
import { git, RepoFixture } from './repo';

/** Everything that must not change when a flow refuses or aborts: refs, HEAD, status, index and every file's bytes. */
export interface RepoSnapshot {
  readonly refs: string;
  readonly head: string;
  readonly status: string;
  readonly index: string;
  readonly files: Record<string, string>;
  readonly worktrees: string;
}

async function hashFiles(dir: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.name === '.git' && rel === '') continue;
    if (e.isDirectory()) Object.assign(out, await hashFiles(dir, r));
    else out[r] = createHash('sha256').update(await fs.readFile(path.join(dir, r))).digest('hex');
  }
  return out;
}

/** Snapshot of a worktree (`cwd`) and of the repository's refs. */
export async function snapshot(cwd: string): Promise<RepoSnapshot> {
  return {
    refs: await git(cwd, 'for-each-ref', '--format=%(refname) %(objectname)'),
    head: (await git(cwd, 'rev-parse', 'HEAD')).trim() + ' ' + (await git(cwd, 'symbolic-ref', '-q', 'HEAD').catch(() => 'detached')).trim(),
    status: await git(cwd, 'status', '--porcelain=v1', '--untracked-files=all'),
    index: await git(cwd, 'ls-files', '-s'),
    files: await hashFiles(cwd),
    worktrees: await git(cwd, 'worktree', 'list', '--porcelain'),
  };
}

export async function writeFile(dir: string, rel: string, content: string): Promise<void> {
  const file = path.join(dir, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
}

/** Writes `rel` in `cwd` and commits it; returns the new HEAD. */
export async function commitFile(cwd: string, rel: string, content: string, message = `change ${rel}`): Promise<string> {
  await writeFile(cwd, rel, content);
  await git(cwd, 'add', '--', rel);
  await git(cwd, 'commit', '-q', '-m', message);
  return (await git(cwd, 'rev-parse', 'HEAD')).trim();
}

export async function revParse(cwd: string, rev: string): Promise<string> {
  return (await git(cwd, 'rev-parse', rev)).trim();
}

export async function refExists(cwd: string, ref: string): Promise<boolean> {
  return git(cwd, 'rev-parse', '--verify', '--quiet', ref).then(() => true, () => false);
}

/**
 * `git fsck --full --strict` problems (empty when clean); throws when fsck fails. Dangling objects are not problems:
 * every aborted merge (and `git merge-tree`) leaves some, and `git gc` drops them.
 */
export async function fsck(cwd: string): Promise<string> {
  return git(cwd, 'fsck', '--full', '--strict', '--no-progress', '--no-dangling');
}

/** A runner that records every git command. */
export function spyRunner(inner: GitRunner = simpleGitRunner): { runner: GitRunner; calls: Array<{ cwd: string; args: readonly string[] }> } {
  const calls: Array<{ cwd: string; args: readonly string[] }> = [];
  return {
    calls,
    runner: (cwd, args, options) => {
      calls.push({ cwd, args });
      return inner(cwd, args, options);
    },
  };
}

export function deploymentFor(skill: string, commit: string, over: Partial<SkillDeployment> = {}): SkillDeployment {
  return {
    target: 'local',
    appId: `app-${skill}`,
    deploymentId: `dep-${skill}-${commit.slice(0, 7)}`,
    phase: 'ACTIVE',
    commit,
    liveUrl: `http://127.0.0.1:8080/${skill}`,
    deployedAt: '2025-05-01T10:00:00.000Z',
    ...over,
  };
}

/** A fixture repository with skills and an origin, in the shape the flows expect. */
export function repoWithSkills(names: string[], options: { origin?: boolean } = {}): Promise<RepoFixture> {
  return RepoFixture.create({ origin: options.origin ?? true, skills: names.map((name) => ({ name })) });
}

/** Options every flow test passes: the fixtures live in the temporary folder. */
export const TEMP_OK = { allowTempRoot: true } as const;

// ---------------------------------------------------------------------------------------------------------------
// A second process for cross-process tests: `node --import tsx test/builders/gitFlows.ts '<json command>'`.

export type ChildCommand =
  | { op: 'status-updates'; commonDir: string; prefix: string; n: number }
  | { op: 'hold-lock'; file: string; ms: number; purpose?: string }
  | { op: 'setup'; repo: string; skills: string[] };

/** Runs a command in a child process; resolves with its parsed stdout (one JSON line). */
export async function runChild(cmd: ChildCommand, onLine?: (line: string) => void): Promise<unknown> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, JSON.stringify(cmd)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let last = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines.filter(Boolean)) {
        last = l;
        onLine?.(l);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${cmd.op} exited ${code}: ${err}`));
      else resolve(last ? JSON.parse(last) : undefined);
    });
  });
}

async function childMain(cmd: ChildCommand): Promise<void> {
  const say = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
  if (cmd.op === 'status-updates') {
    const { StatusStore } = await import('../../src/core/status');
    const store = new StatusStore(cmd.commonDir, { lockTimeoutMs: 60_000 });
    await Promise.all(Array.from({ length: cmd.n }, (_, i) => store.recordTest(`${cmd.prefix}${i}`, { status: 'passed', at: new Date().toISOString(), summary: `pid ${process.pid}` })));
  } else if (cmd.op === 'hold-lock') {
    const { acquireLock } = await import('../../src/core/status');
    const lock = await acquireLock(cmd.file, { purpose: cmd.purpose ?? 'test holder', staleMs: 2_000 });
    say('locked');
    await new Promise((r) => setTimeout(r, cmd.ms));
    await lock.release();
  } else if (cmd.op === 'setup') {
    const { setupWorktrees } = await import('../../src/core/git/flows');
    const report = await setupWorktrees(cmd.repo, { skills: cmd.skills, allowTempRoot: true });
    say(report.outcomes.map((o) => ({ skill: o.skill, status: o.status, error: o.error?.code })));
  }
}

if (require.main === module) {
  childMain(JSON.parse(process.argv[2]) as ChildCommand).catch((e) => {
    process.stderr.write(String((e as Error)?.stack ?? e));
    process.exit(1);
  });
}
