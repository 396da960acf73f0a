import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PlatformContext } from '../context';
import type { LogType } from '../logs/logStore';
import type { DeploymentRuntime } from '../runtime/deploymentRuntime';
import { gitEnv, skillEnv } from '../runtime/environment';
import { envOf, type Component } from '../spec/appSpec';
import { openSecret } from '../spec/secretValues';
import type { DeploymentRecord } from '../state/model';
import { throwIfAborted } from '../util/abort';
import { StepFailure } from './stepFailure';

function gitRevParse(dir: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
  );
}

/** A component's build: check out its source (a branch head, or the pinned commit of a rollback), run its build command. */
export class Builder {
  constructor(private readonly ctx: PlatformContext) {}

  async build(dep: DeploymentRecord, rt: DeploymentRuntime, c: Component, pinned: string | undefined): Promise<void> {
    const name = c.spec.name;
    const log = (line: string): void => this.ctx.logs.append(dep.id, 'BUILD', name, line);
    if (dep.simulated) {
      const commit = pinned ?? createHash('sha1').update(`${dep.id}/${name}`).digest('hex');
      dep.commits[name] = commit;
      log(`simulated build (no real processes): commit ${commit}`);
    } else {
      const dest = await this.checkout(dep, rt, c, pinned, log);
      const commit = await gitRevParse(dest);
      dep.commits[name] = commit;
      log(`checked out commit ${commit}`);
      const srcDir = path.resolve(dest, c.spec.source_dir ?? '.');
      if (!(srcDir + path.sep).startsWith(dest + path.sep) && srcDir !== dest) {
        throw new StepFailure('BuildJobFailed', `source_dir ${c.spec.source_dir} leaves the repository`);
      }
      if (!(await fs.stat(srcDir).then((s) => s.isDirectory(), () => false))) {
        throw new StepFailure('BuildJobFailed', `source_dir ${c.spec.source_dir} does not exist at commit ${commit}`);
      }
      if (await fs.access(path.join(srcDir, 'requirements.txt')).then(() => true, () => false)) {
        log(`requirements.txt found: the local App Platform installs nothing; ${this.ctx.python} runs the app with the packages it has`);
      }
      if (c.spec.build_command) await this.runBuildCommand(dep, rt, c, srcDir, log);
    }
    log('build complete');
  }

  /** Clones the component's repository into the build folder; answers the checkout's folder. */
  private async checkout(
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    c: Component,
    pinned: string | undefined,
    log: (line: string) => void,
  ): Promise<string> {
    const name = c.spec.name;
    const source = await this.ctx.sources.resolve(c.spec);
    const dest = path.join(rt.buildDir, name);
    await fs.rm(dest, { recursive: true, force: true });
    await fs.mkdir(rt.buildDir, { recursive: true });
    log(`fetching ${source.display} from ${source.url}${pinned ? ` at commit ${pinned}` : ''}`);
    if (pinned) {
      const args = ['clone', '--quiet', '--no-checkout', '--', source.url, dest];
      await this.git(dep, rt, name, rt.buildDir, args, `could not clone ${source.url}`);
      const ok = await this.run(dep, rt, name, dest, ['git', 'checkout', '--quiet', '--detach', pinned], 'BUILD');
      if (ok !== 0) {
        await this.git(dep, rt, name, dest, ['fetch', '--quiet', 'origin', pinned], `commit ${pinned} is not in ${source.url}`);
        await this.git(dep, rt, name, dest, ['checkout', '--quiet', '--detach', pinned], `could not check out commit ${pinned}`);
      }
    } else {
      const branch = source.branch ? ['--branch', source.branch, '--single-branch'] : [];
      const args = ['clone', '--quiet', ...branch, '--', source.url, dest];
      await this.git(dep, rt, name, rt.buildDir, args, `could not check out ${source.display}`);
    }
    return dest;
  }

  private async runBuildCommand(
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    c: Component,
    srcDir: string,
    log: (line: string) => void,
  ): Promise<void> {
    log(`running build command: ${c.spec.build_command}`);
    const open = (v: string) => openSecret(v, this.ctx.meta.logSecret);
    const specEnvs = envOf(dep.spec, c.spec, 'BUILD', { secrets: this.ctx.options.secrets, appUrl: '', openSecret: open });
    const env = skillEnv({ parent: process.env, shimDir: this.ctx.shimDir, specEnvs });
    const code = await this.run(dep, rt, c.spec.name, srcDir, c.spec.build_command ?? '', 'BUILD', env);
    throwIfAborted(rt.abort.signal);
    if (code !== 0) {
      const message = `Your build job failed because it returned a non-zero exit code (${code}). See the build logs for details.`;
      throw new StepFailure('BuildJobExitNonZero', message);
    }
  }

  private async git(
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    component: string,
    cwd: string,
    args: string[],
    what: string,
  ): Promise<void> {
    const code = await this.run(dep, rt, component, cwd, ['git', ...args], 'BUILD');
    throwIfAborted(rt.abort.signal);
    if (code !== 0) throw new StepFailure('BuildJobFailed', `${what} (git exited with ${code}); see the build logs`);
  }

  /** Runs a helper (git, build command) in its own process group, logging its output; killed when the deployment is canceled. */
  private async run(
    dep: DeploymentRecord,
    rt: DeploymentRuntime,
    component: string,
    cwd: string,
    command: string | string[],
    logType: LogType,
    // The platform's own git: git's settings, none of the platform's tokens (runtime/environment.ts).
    env: Record<string, string> = gitEnv(process.env),
  ): Promise<number> {
    throwIfAborted(rt.abort.signal);
    const proc = this.ctx.supervisor.spawn({
      command,
      cwd,
      env: { ...env, GIT_TERMINAL_PROMPT: '0' },
      owner: `${dep.id}/${component}/build`,
      onLine: (_s, line) => this.ctx.logs.append(dep.id, logType, component, line),
    });
    rt.helpers.add(proc);
    const onAbort = (): void => void proc.stop(2000);
    rt.abort.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await proc.exited;
      return info.code ?? 128;
    } finally {
      rt.abort.signal.removeEventListener('abort', onAbort);
      rt.helpers.delete(proc);
    }
  }
}

/** A simulated deployment has no build folder (nothing is checked out), so there is nothing to look up. */
export async function removeBuildDir(dep: DeploymentRecord | undefined, rt: DeploymentRuntime): Promise<void> {
  if (dep?.simulated) return;
  await fs.rm(rt.buildDir, { recursive: true, force: true }).catch(() => undefined);
}
