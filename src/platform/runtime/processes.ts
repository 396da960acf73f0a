import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { groupAlive, signalGroup, waitGroupGone } from '../../core/util/processGroup';
import type { DataDir } from '../state/store';
import { settleWithin, sleep } from '../util/abort';

/** Env entry every process the platform starts carries; leftovers of a crashed platform are recognised by it. */
export const MARKER_ENV = 'ODOOBO_PLATFORM_DATA_DIR';
const OWNER_ENV = 'ODOOBO_PLATFORM_OWNER';

export interface SpawnOptions {
  /** A shell command (`/bin/sh -c`) or an argument vector. */
  readonly command: string | readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Who started it, e.g. `<deployment id>/<component>/run`. */
  readonly owner: string;
  readonly onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
  /** Raw pipes instead of lines: stdin, stdout, stderr and fd 3 (a control channel), for a console's shell. */
  readonly interactive?: boolean;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly owner: string;
  readonly exited: Promise<ExitInfo>;
  readonly exitInfo: ExitInfo | undefined;
  /** Its pipes, when started `interactive`: [stdin, stdout, stderr, control (fd 3)]. */
  readonly stdio?: ChildProcess['stdio'];
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves when the group is gone. */
  stop(graceMs: number): Promise<void>;
}

interface ProcessRecord {
  pid: number;
  owner: string;
  command: string;
  startedAt: string;
}

/**
 * Starts processes in their own process group (setsid), records them under `<data>/run/processes`, stops whole groups,
 * and after a crash finds and stops what a previous platform on the same data folder left behind.
 */
export class ProcessSupervisor {
  private readonly live = new Map<number, ManagedProcess>();
  private readonly marker: string;

  constructor(private readonly dir: DataDir) {
    this.marker = path.resolve(dir.root);
  }

  get markerEnv(): Record<string, string> {
    return { [MARKER_ENV]: this.marker };
  }

  spawn(opts: SpawnOptions): ManagedProcess {
    const [file, args] = typeof opts.command === 'string' ? ['/bin/sh', ['-c', opts.command]] : [opts.command[0], opts.command.slice(1)];
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...opts.env, [MARKER_ENV]: this.marker, [OWNER_ENV]: opts.owner },
      detached: true,
      stdio: opts.interactive ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    });
    let exitInfo: ExitInfo | undefined;
    let spawnError: Error | undefined;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (err) => {
        spawnError = err;
        if (child.pid === undefined) {
          exitInfo = { code: 127, signal: null };
          resolve(exitInfo);
        }
      });
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve(exitInfo);
      });
    });
    const pid = child.pid ?? -1;
    for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      if (!stream || opts.interactive) continue;
      const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line) => opts.onLine?.(name, line));
      stream.on('error', () => undefined);
    }
    const recordFile = path.join(this.dir.processes, `${pid}.json`);
    const commandText = typeof opts.command === 'string' ? opts.command : opts.command.join(' ');
    let stopping = false;
    const managed: ManagedProcess = {
      pid,
      owner: opts.owner,
      exited,
      get exitInfo() {
        return exitInfo;
      },
      ...(opts.interactive ? { stdio: child.stdio } : {}),
      stop: async (graceMs: number) => {
        if (pid <= 0) return;
        stopping = true;
        if (!groupAlive(pid)) return void (await exited);
        signalGroup(pid, 'SIGTERM');
        if (!(await waitGroupGone(pid, graceMs))) {
          signalGroup(pid, 'SIGKILL');
          await waitGroupGone(pid, 5000);
        }
        await settleWithin(exited, 2000);
      },
    };
    if (pid > 0) {
      this.live.set(pid, managed);
      const record: ProcessRecord = { pid, owner: opts.owner, command: commandText, startedAt: new Date().toISOString() };
      void fs.writeFile(recordFile, JSON.stringify(record)).catch(() => undefined);
      void exited.then(async () => {
        // Children the leader left behind in its group go with it (stop() already takes care of a stopping group, and
        // lets it shut down gracefully: `sh -c` dies on SIGTERM at once, uvicorn takes a moment).
        if (!stopping && groupAlive(pid)) {
          signalGroup(pid, 'SIGTERM');
          if (!(await waitGroupGone(pid, 2000))) signalGroup(pid, 'SIGKILL');
        }
        this.live.delete(pid);
        await fs.rm(recordFile, { force: true }).catch(() => undefined);
      });
    } else if (spawnError) {
      opts.onLine?.('stderr', `could not start: ${spawnError.message}`);
    }
    return managed;
  }

  /**
   * Last resort when the host process exits without `stop()` (synchronous: 'exit' handlers cannot wait): SIGTERM to
   * every group still running. Anything that survives is cleaned up by the next start.
   */
  signalAllNow(): void {
    for (const pid of this.live.keys()) signalGroup(pid, 'SIGTERM');
  }

  /** Stops every process this supervisor started. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all([...this.live.values()].map((p) => p.stop(graceMs)));
  }

  /**
   * Finds processes a previous platform on this data folder left running (crash, SIGKILL) and stops them. A process is
   * ours only if its environment carries our marker with this exact data folder; nothing else is ever signalled.
   * Answers the PIDs it stopped.
   */
  async cleanupLeftovers(): Promise<number[]> {
    const pids = new Set<number>(await this.scanProc());
    const records = await fs.readdir(this.dir.processes).catch(() => [] as string[]);
    if (pids.size === 0 && records.length > 0 && !(await exists('/proc/self/environ'))) {
      // Without /proc: trust a record only when `ps` shows the same command line for its PID.
      for (const name of records) {
        const file = path.join(this.dir.processes, name);
        const rec = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as ProcessRecord).catch(() => undefined);
        if (rec && (await psCommand(rec.pid))?.includes(rec.command)) pids.add(rec.pid);
      }
    }
    pids.delete(process.pid);
    for (const pid of pids) signalPid(pid, 'SIGTERM');
    const deadline = Date.now() + 3000;
    while ([...pids].some(pidAlive) && Date.now() < deadline) await sleep(50);
    for (const pid of pids) if (pidAlive(pid)) signalPid(pid, 'SIGKILL');
    for (const name of records) await fs.rm(path.join(this.dir.processes, name), { force: true });
    return [...pids];
  }

  private async scanProc(): Promise<number[]> {
    const entries = await fs.readdir('/proc').catch(() => [] as string[]);
    const needle = `${MARKER_ENV}=${this.marker}`;
    const found: number[] = [];
    await Promise.all(
      entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
        const env = await fs.readFile(`/proc/${e}/environ`, 'latin1').catch(() => '');
        if (env.split('\0').includes(needle)) found.push(Number(e));
      }),
    );
    return found;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

function psCommand(pid: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'args=', '-p', String(pid)], (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}
