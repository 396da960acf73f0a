import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import { Disposable } from './util/disposable';

export interface LocalPlatformEndpoint {
  readonly url: string;
  /** Random per session; only this window knows it. Never logged. */
  readonly token: string;
}

const READY = /^local App Platform listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/;
const START_TIMEOUT_MS = 30_000;

/**
 * The embedded local App Platform, started on demand as a child process (`odoobo platform start`) and reached only
 * over HTTP, exactly like DigitalOcean. Stopping it stops every process it started; its state stays in `dataDir`.
 */
export class LocalPlatformManager extends Disposable {
  private starting: Promise<LocalPlatformEndpoint> | undefined;
  private child: ChildProcess | undefined;

  constructor(
    private readonly cliPath: string,
    private readonly dataDir: string,
    private readonly workspace: () => string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({ dispose: () => void this.stop() });
  }

  get isRunning(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The running platform's endpoint, starting it first if needed. */
  ensure(): Promise<LocalPlatformEndpoint> {
    if (!vscode.workspace.isTrusted) return Promise.reject(new Error('The local App Platform runs code: it does not start in an untrusted workspace.'));
    this.starting ??= this.start().catch((e) => {
      this.starting = undefined;
      throw e;
    });
    return this.starting;
  }

  private async start(): Promise<LocalPlatformEndpoint> {
    const token = randomBytes(24).toString('hex');
    const args = ['platform', 'start', '--port', '0', '--data-dir', this.dataDir];
    const ws = this.workspace();
    if (ws) args.push('--workspace', ws);
    this.log.info(`starting the local App Platform (data: ${this.dataDir})`);
    const child = fork(this.cliPath, args, {
      env: { ...process.env, ODOOBO_LOCAL_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      cwd: ws,
    });
    this.child = child;
    readline.createInterface({ input: child.stderr! }).on('line', (l) => this.log.warn(`[local platform] ${l}`));
    const lines = readline.createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the local App Platform did not start within ${START_TIMEOUT_MS / 1000} s (see the Odoobo Skills log)`)), START_TIMEOUT_MS);
      lines.on('line', (l) => {
        const m = READY.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        } else this.log.info(`[local platform] ${l}`);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the local App Platform exited during start-up (${signal ?? `code ${code}`}; see the Odoobo Skills log)`));
      });
    }).catch(async (e) => {
      await this.stop();
      throw e;
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) {
        this.log.warn(`the local App Platform stopped (${signal ?? `code ${code}`}); it restarts on the next request`);
        this.child = undefined;
        this.starting = undefined;
      }
    });
    this.log.info(`local App Platform listening on ${url}`);
    return { url, token };
  }

  /** Stops the platform (SIGTERM: it stops its own processes), waiting up to 15 s before SIGKILL. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.starting = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
