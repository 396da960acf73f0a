/**
 * One local App Platform per repository, shared by the CLI and the extension: found through its endpoint file, or
 * started detached (its own session, stdio to `<data dir>/platform.log`) by whoever needs it first, under a lock so
 * that two clients starting it at once end up with one platform.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withLock } from '../status/lockFile';
import { wait } from '../util/wait';
import { defaultCliCommand, type CliCommandLine } from './cliCommand';
import { checkEndpoint, PLATFORM_MARKER_ENV, readEndpoint, removeEndpoint, type PlatformEndpoint } from './endpoint';

export const LOG_FILE = 'platform.log';
const START_LOCK = 'start.lock';
const MAX_LOG_BYTES = 10 * 1024 * 1024;
const DEFAULT_START_TIMEOUT_MS = 60_000;

export interface LocalPlatformConnection extends PlatformEndpoint {
  /** This call started it (else it was running already). */
  readonly started: boolean;
}

export interface EnsureLocalPlatformOptions {
  readonly dataDir: string;
  /** The repository whose origin serves the specs' github repos. */
  readonly workspace: string;
  /** Passed to the platform (its ODOOBO_SECRET_* become the apps' secrets); the token is added here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default: this installation's CLI (defaultCliCommand). */
  readonly cli?: CliCommandLine;
  /**
   * `platform start --idle-stop <minutes>` for a platform started now. Default: `ODOOBO_PLATFORM_IDLE_STOP` (minutes) in
   * `env`, else never (the platform serves until `odoobo platform stop`).
   */
  readonly idleStopMinutes?: number;
  readonly startTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** The running platform of `dataDir`, checked; undefined when none answers. */
export async function findLocalPlatform(dataDir: string): Promise<PlatformEndpoint | undefined> {
  const endpoint = await readEndpoint(dataDir);
  return endpoint && (await checkEndpoint(endpoint)) ? endpoint : undefined;
}

/** The repository's platform: the running one, else one started now (detached: it outlives the caller). */
export async function ensureLocalPlatform(options: EnsureLocalPlatformOptions): Promise<LocalPlatformConnection> {
  const dataDir = path.resolve(options.dataDir);
  const running = await findLocalPlatform(dataDir);
  if (running) return { ...running, started: false };
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  // check → start → wait for the endpoint, as one step across processes: a second client finds the first one's platform.
  const lock = { purpose: 'start the local App Platform', timeoutMs: timeoutMs + 10_000 };
  return withLock(path.join(dataDir, START_LOCK), lock, async () => {
    const again = await findLocalPlatform(dataDir);
    if (again) return { ...again, started: false };
    const stale = await readEndpoint(dataDir);
    if (stale) {
      options.log?.(`replacing the stale endpoint of pid ${stale.pid} (${stale.url} does not answer)`);
      await removeEndpoint(dataDir, stale.pid);
    }
    return { ...(await startDetached({ ...options, dataDir }, timeoutMs)), started: true };
  });
}

async function openLog(dataDir: string): Promise<fs.FileHandle> {
  const file = path.join(dataDir, LOG_FILE);
  const size = await fs.stat(file).then((s) => s.size, () => 0);
  if (size > MAX_LOG_BYTES) await fs.rename(file, `${file}.1`).catch(() => undefined);
  return fs.open(file, 'a', 0o600);
}

/** The log's last lines, to say why a platform did not start. */
export async function logTail(dataDir: string, lines = 8): Promise<string> {
  const text = await fs.readFile(path.join(dataDir, LOG_FILE), 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** `ODOOBO_PLATFORM_IDLE_STOP` as minutes; a value that is not a positive number is an error, not silently "never". */
function idleStopFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env.ODOOBO_PLATFORM_IDLE_STOP?.trim();
  if (!raw) return undefined;
  const minutes = Number(raw);
  if (!(Number.isFinite(minutes) && minutes > 0)) {
    throw new Error(`ODOOBO_PLATFORM_IDLE_STOP must be a positive number of minutes, got "${raw}"`);
  }
  return minutes;
}

async function startDetached(options: EnsureLocalPlatformOptions & { dataDir: string }, timeoutMs: number): Promise<PlatformEndpoint> {
  const { dataDir } = options;
  const cli = options.cli ?? defaultCliCommand();
  const token = randomBytes(24).toString('hex');
  const args = [...cli.args, 'platform', 'start', '--port', '0', '--data-dir', dataDir, '--workspace', options.workspace];
  const idleStop = options.idleStopMinutes ?? idleStopFromEnv(options.env);
  if (idleStop) args.push('--idle-stop', String(idleStop));
  const log = await openLog(dataDir);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  // The token travels in the environment, never in argv; the marker lets `platform stop` find the platform itself too.
  Object.assign(env, { ODOOBO_LOCAL_TOKEN: token, [PLATFORM_MARKER_ENV]: dataDir, ELECTRON_RUN_AS_NODE: '1' });
  let exit: string | undefined;
  let pid: number | undefined;
  try {
    await log.write(`--- ${new Date().toISOString()} starting: odoobo platform start --data-dir ${dataDir}\n`);
    const child = spawn(cli.command, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env, cwd: options.workspace });
    child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
    child.once('error', (e) => (exit = e.message));
    child.unref();
    pid = child.pid;
  } finally {
    await log.close();
  }
  options.log?.(`started the local App Platform, pid ${pid} (log: ${path.join(dataDir, LOG_FILE)})`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const endpoint = await readEndpoint(dataDir);
    if (endpoint && endpoint.pid === pid && endpoint.token === token && (await checkEndpoint(endpoint))) return endpoint;
    if (exit !== undefined || pid === undefined) {
      const tail = await logTail(dataDir);
      throw new Error(`the local App Platform exited during start-up (${exit ?? 'no pid'})${tail ? `:\n${tail}` : ''}`);
    }
    if (Date.now() > deadline) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      const log = path.join(dataDir, LOG_FILE);
      throw new Error(`the local App Platform did not answer within ${Math.round(timeoutMs / 1000)} s (log: ${log})`);
    }
    await wait(100);
  }
}

/** Waits until the platform's endpoint file says the deployments ACTIVE before its start serve again. */
export async function waitRestored(dataDir: string, pid: number, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const e = await readEndpoint(dataDir);
    if (!e || e.pid !== pid) return false;
    if (e.restoredAt) return true;
    await wait(100);
  }
  return false;
}
