/**
 * A skill deployed to an in-process local App Platform (skills/<name> in a temporary repository with a bare origin,
 * createApp + waitForDeployment), and the CLI run against it in-process (`cli`) or as a real process with a stdin
 * (`spawnCli`), for the commands that read stdin or write to the terminal.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { CliIO } from '../../src/cli/command';
import { main } from '../../src/cli/odoobo';
import { AppPlatformClient } from '../../src/core/do/client';
import { waitForDeployment } from '../../src/core/do/progress';
import type { AppSpec } from '../../src/core/do/schemas';
import { REPO_ROOT, startTestPlatform, type TestPlatform } from './platform';
import { SKILLS_REPO, SkillRepo } from './platformRepo';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export class DeployedSkill {
  private constructor(
    readonly repo: SkillRepo,
    readonly platform: TestPlatform,
    readonly client: AppPlatformClient,
    readonly appId: string,
    readonly liveUrl: string,
  ) {}

  static async start(skill = 'pr-review', edit: (spec: AppSpec) => AppSpec = (s) => s): Promise<DeployedSkill> {
    const repo = await SkillRepo.create(skill);
    const platform = await startTestPlatform({ repos: { [SKILLS_REPO]: repo.origin } });
    const client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    const app = await client.createApp(edit(await repo.spec()));
    const dep = await waitForDeployment(client, app.id, app.pending_deployment!.id!, { pollIntervalMs: 100, timeoutMs: 120_000 });
    assert.equal(dep.phase, 'ACTIVE');
    return new DeployedSkill(repo, platform, client, app.id, app.live_url!);
  }

  /** --target local --api-url <platform> -C <repository>. */
  get targetArgs(): string[] {
    return ['--target', 'local', '--api-url', this.platform.url, '-C', this.repo.fixture.dir];
  }

  get env(): NodeJS.ProcessEnv {
    return { ODOOBO_LOCAL_TOKEN: this.platform.token };
  }

  /** The CLI in this process (no terminal, no stdin). */
  async cli(args: string[]): Promise<CliRun> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: this.env };
    const code = await main([...args, ...this.targetArgs], io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** The CLI as a process (`node --import tsx src/cli/odoobo.ts`), `stdin` written to it and then closed. */
  spawnCli(args: string[], stdin: string, timeoutMs = 60_000): Promise<CliRun> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/odoobo.ts', ...args, ...this.targetArgs], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...this.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    return new Promise((resolve) => {
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out, err });
      });
    });
  }

  async stop(): Promise<void> {
    await this.client.close();
    await this.platform.stop();
    await this.repo.remove();
    await fs.rm(this.platform.dataDir, { recursive: true, force: true });
  }
}
