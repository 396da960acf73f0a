import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { gitToplevel } from '../core/git/git';
import {
  ensureLocalPlatform, pidAlive, stopLocalPlatform, type LocalPlatformConnection, type StopResult,
} from '../core/localPlatform';
import { endpointFile } from '../core/localPlatform/endpoint';
import { defaultLocalDataDir } from '../core/target';
import { Disposable } from './util/disposable';

export interface LocalPlatformEndpoint {
  readonly url: string;
  /** Read from the platform's endpoint file (mode 0600). Never logged. */
  readonly token: string;
}

/** How long a checked endpoint is used without asking the platform again. */
const RECHECK_MS = 5_000;

/**
 * The repository's local App Platform, shared with the CLI: found through the endpoint file in its data folder
 * (`<git-common-dir>/odoobo/local-platform`), or started detached (`odoobo platform start`) when none answers. It
 * keeps serving after the window closes; "Odoobo: Stop Local App Platform" stops it and every process it runs.
 */
export class LocalPlatformManager extends Disposable {
  private starting: Promise<LocalPlatformConnection> | undefined;
  private current: LocalPlatformConnection | undefined;
  private checkedAt = 0;
  private dataDirCache: { ws: string; dir: string } | undefined;

  constructor(
    private readonly cliPath: string,
    private readonly workspace: () => string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
  }

  /** The platform this window talks to (URL, pid, data folder), once found or started. */
  get endpoint(): LocalPlatformConnection | undefined {
    return this.current;
  }

  /** A platform runs for this repository (this window's, or one the CLI started): its endpoint file names a live pid. */
  get isRunning(): boolean {
    if (this.current && pidAlive(this.current.pid)) return true;
    const dir = this.dataDirCache?.dir;
    if (!dir) return false;
    try {
      const pid = (JSON.parse(readFileSync(endpointFile(dir), 'utf8')) as { pid?: unknown }).pid;
      return typeof pid === 'number' && pidAlive(pid);
    } catch {
      return false;
    }
  }

  private async dataDir(): Promise<{ dataDir: string; workspace: string }> {
    const ws = this.workspace();
    if (!ws) throw new Error('The local App Platform serves a repository: open a folder first.');
    if (this.dataDirCache?.ws !== ws) this.dataDirCache = { ws, dir: await defaultLocalDataDir(ws) };
    return { dataDir: this.dataDirCache.dir, workspace: (await gitToplevel(ws)) ?? ws };
  }

  /** The running platform's endpoint, starting it first if none answers. */
  ensure(): Promise<LocalPlatformEndpoint> {
    if (!vscode.workspace.isTrusted) {
      return Promise.reject(new Error('The local App Platform runs code: it does not start in an untrusted workspace.'));
    }
    if (this.current && Date.now() - this.checkedAt < RECHECK_MS && pidAlive(this.current.pid)) return Promise.resolve(this.current);
    this.starting ??= this.find().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async find(): Promise<LocalPlatformConnection> {
    const { dataDir, workspace } = await this.dataDir();
    const found = await ensureLocalPlatform({
      dataDir, workspace, env: process.env, cli: { command: process.execPath, args: [this.cliPath] },
      log: (l) => this.log.info(`[local platform] ${l}`),
    });
    if (found.pid !== this.current?.pid) {
      const how = found.started ? 'started by this window' : 'already running';
      this.log.info(`local App Platform at ${found.url} (pid ${found.pid}, ${how}; data: ${dataDir}, log: ${dataDir}/platform.log)`);
    }
    this.current = found;
    this.checkedAt = Date.now();
    return found;
  }

  /** Stops the repository's platform and every process it runs (for every window and the CLI). */
  async stop(): Promise<StopResult> {
    const { dataDir } = await this.dataDir();
    this.current = undefined;
    this.checkedAt = 0;
    const r = await stopLocalPlatform(dataDir);
    this.log.info(r.wasRunning ? `stopped the local App Platform (pid ${r.pid})` : `no local App Platform was running (data: ${dataDir})`);
    if (r.remaining.length) this.log.warn(`processes of the local App Platform still run: ${r.remaining.join(', ')}`);
    return r;
  }
}
