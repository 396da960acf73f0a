import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs git with an argument array (never a shell string) and returns stdout. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export interface SkillFixture {
  readonly name: string;
  readonly description?: string;
  readonly port?: number;
  /** Write the app spec file under infra/ (default true). */
  readonly appSpec?: boolean;
  /** Raw manifest text, for invalid-manifest cases. */
  readonly rawManifest?: string;
}

export function manifestFor(s: SkillFixture): object {
  return {
    name: s.name,
    description: s.description ?? `The ${s.name} skill`,
    version: '0.1.0',
    runtime: 'python',
    run: 'uvicorn main:app --host ${HOST:-0.0.0.0} --port ${PORT:-8080}',
    port: s.port ?? 8080,
    healthPath: '/health',
    invokePath: '/invoke',
    appSpec: `infra/${s.name}.yaml`,
  };
}

export function appSpecFor(name: string): string {
  return [
    `name: ${name}`,
    'region: fra',
    'services:',
    `  - name: ${name}`,
    '    github:',
    '      repo: odoobo/odoobo-skills',
    `      branch: skill/${name}`,
    '      deploy_on_push: false',
    `    source_dir: skills/${name}`,
    '    run_command: uvicorn main:app --host 0.0.0.0 --port $PORT',
    '    http_port: 8080',
    '    instance_size_slug: apps-s-1vcpu-0.5gb',
    '    instance_count: 1',
    '    health_check:',
    '      http_path: /health',
    '',
  ].join('\n');
}

/** A real git repository in a temporary folder, with a bare repository as `origin` when asked. */
export class RepoFixture {
  private constructor(readonly base: string, readonly dir: string) {}

  /** Creates `<tmp>/<prefix>…/repo` with one commit on `main`. Worktrees go to the sibling `repo-worktrees/`. */
  static async create(options: { prefix?: string; skills?: SkillFixture[]; origin?: boolean; parent?: string } = {}): Promise<RepoFixture> {
    const base = await fs.mkdtemp(path.join(options.parent ?? os.tmpdir(), options.prefix ?? 'odoobo-repo-'));
    const dir = path.join(base, 'repo');
    await fs.mkdir(dir);
    await git(dir, 'init', '-q', '-b', 'main');
    await git(dir, 'config', 'user.name', 'Odoobo Test');
    await git(dir, 'config', 'user.email', 'test@odoobo.invalid');
    await git(dir, 'config', 'commit.gpgsign', 'false');
    const repo = new RepoFixture(base, dir);
    await repo.write('README.md', '# skills\n');
    for (const s of options.skills ?? []) await repo.addSkill(s);
    await repo.commitAll('initial commit');
    if (options.origin) await repo.addOrigin();
    return repo;
  }

  get originDir(): string {
    return path.join(this.base, 'origin.git');
  }

  worktreePath(skill: string): string {
    return path.join(this.base, 'repo-worktrees', skill);
  }

  async write(rel: string, content: string): Promise<void> {
    const file = path.join(this.dir, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }

  async addSkill(s: SkillFixture): Promise<void> {
    await this.write(`skills/${s.name}/manifest.json`, s.rawManifest ?? JSON.stringify(manifestFor(s), null, 2) + '\n');
    await this.write(`skills/${s.name}/main.py`, 'from fastapi import FastAPI\napp = FastAPI()\n');
    if (s.appSpec !== false) await this.write(`infra/${s.name}.yaml`, appSpecFor(s.name));
  }

  async commitAll(message: string, cwd = this.dir): Promise<string> {
    await git(cwd, 'add', '-A');
    await git(cwd, 'commit', '-q', '--allow-empty', '-m', message);
    return (await git(cwd, 'rev-parse', 'HEAD')).trim();
  }

  async addOrigin(): Promise<void> {
    await git(this.base, 'init', '-q', '--bare', '-b', 'main', this.originDir);
    await git(this.dir, 'remote', 'add', 'origin', this.originDir);
    await git(this.dir, 'push', '-q', '-u', 'origin', 'main');
  }

  /** Creates branch `skill/<name>` and its worktree; pushes with upstream tracking when `push`. */
  async addWorktree(skill: string, options: { push?: boolean; path?: string } = {}): Promise<string> {
    const wt = options.path ?? this.worktreePath(skill);
    await fs.mkdir(path.dirname(wt), { recursive: true });
    await git(this.dir, 'worktree', 'add', '-q', '-b', `skill/${skill}`, wt, 'main');
    if (options.push) await git(wt, 'push', '-q', '-u', 'origin', `skill/${skill}`);
    return wt;
  }

  async remove(): Promise<void> {
    await fs.rm(this.base, { recursive: true, force: true });
  }
}
