/**
 * Starts code-server (the real VS Code workbench + Node extension host) and Debian's chromium for tests and
 * `npm start`, and makes sure everything started is stopped again: process groups, try/finally in the callers,
 * and process 'exit'/SIGINT/SIGTERM/SIGHUP hooks as the last resort. See CONTRIBUTING.md's notes on VS Code in CI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, realpathSync, rmSync, createWriteStream } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { TestEnv } from './env';

// ---------------------------------------------------------------------------------------------------------------
// Cleanup registry: everything this process started, stopped on exit and on signals.

interface Resource {
  /** Best-effort synchronous stop, used in the process 'exit' hook. */
  stopSync(): void;
  /** Graceful asynchronous stop, used on signals and by callers. */
  stop(): Promise<void>;
}

const resources = new Set<Resource>();
let hooksInstalled = false;
let signalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const r of [...resources]) {
      try {
        r.stopSync();
      } catch {
        /* exiting anyway */
      }
    }
  });
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    if (signalled) return;
    signalled = true;
    process.stderr.write(`\n[harness] ${signal}: stopping code-server/chromium and removing temporary folders\n`);
    const all = Promise.allSettled([...resources].map((r) => r.stop()));
    const timeout = new Promise((resolve) => setTimeout(resolve, 8000).unref());
    void Promise.race([all, timeout]).finally(() => process.exit(code));
  };
  // `on`, not `once`: a second Ctrl-C must not kill us before the cleanup is done (it is capped at 8 s).
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('SIGHUP', () => onSignal('SIGHUP', 129));
}

function track(r: Resource): () => void {
  installHooks();
  resources.add(r);
  return () => void resources.delete(r);
}

/**
 * Registers an extra cleanup (e.g. removing a temporary repository) run on SIGINT/SIGTERM/SIGHUP (`stop`) and on
 * process exit (`stopSync`). Returns a function that unregisters it (call it once you cleaned up yourself).
 */
export function onCleanup(stop: () => Promise<void>, stopSync: () => void = () => undefined): () => void {
  return track({ stop, stopSync });
}

/** True once a SIGINT/SIGTERM/SIGHUP started the shutdown (processes stopping then are expected to stop). */
export function shuttingDown(): boolean {
  return signalled;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `p` at most `ms` (the timer does not keep the process alive afterwards). */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* ESRCH: already gone */
  }
}

/** Whether any process of process group `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals the whole process group, waits for it to go, then SIGKILLs whatever is left. */
async function stopGroup(pid: number, graceMs = 3000): Promise<void> {
  killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pid)) await sleep(100);
  killGroup(pid, 'SIGKILL');
  const hard = Date.now() + 3000;
  while (Date.now() < hard && groupAlive(pid)) await sleep(50);
}

/** Environment for code-server: Node 24 first on PATH, nothing inherited that would change its behaviour. */
function serverEnv(env: TestEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // VSCODE_IPC_HOOK_CLI & co. would turn code-server into a client of the VS Code we may be running inside.
    if (k.startsWith('VSCODE_') || k.startsWith('ELECTRON_') || k.startsWith('CODE_SERVER_')) continue;
    if (k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT' || k === 'PASSWORD' || k === 'HASHED_PASSWORD') continue;
    out[k] = v;
  }
  out.PATH = `${path.dirname(env.node24)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...out, ...extra };
}

/** code-server's JavaScript entry (the `bin/code-server` launcher is a symlink to it). */
export function codeServerEntry(env: TestEnv): string {
  const entry = realpathSync(env.codeServer);
  if (!existsSync(entry)) throw new Error(`code-server entry ${entry} does not exist; run scripts/ensure-env.sh`);
  return entry;
}

/**
 * Which workbench to start. 'harness': what the integration tests need, the smoke-test driver (the only way the
 * workbench runs an extension test `payload`; it also keeps every notification toast away) and a quiet workbench.
 * 'people': what `npm start` gives a person (and what the e2e tests look at), the workbench as a user has it.
 */
export type Profile = 'harness' | 'people';

/** The integration tests' settings: nothing opens or pops up that they did not ask for. */
const HARNESS_SETTINGS: Readonly<Record<string, unknown>> = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'git.autoRepositoryDetection': false,
  'remote.autoForwardPorts': false,
};

/**
 * `npm start`'s settings: VS Code's defaults but for telemetry, update checks and the AI features (~250 MB less).
 * The extension opens its Get Started walkthrough on the first start (VS Code's generic Welcome page would only sit
 * under it). The skills' local ports are not auto-forwarded: every deployment opens new ones and VS Code announced
 * each, then "Over 20 ports…", after a few deploys.
 */
const PEOPLE_SETTINGS: Readonly<Record<string, unknown>> = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.activityBar.location': 'default',
  'workbench.welcomePage.walkthroughs.openOnInstall': true,
  // Without the AI features the secondary side bar is an empty third of the window.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'remote.autoForwardPorts': false,
};

// ---------------------------------------------------------------------------------------------------------------
// code-server

export interface CodeServerOptions {
  readonly env: TestEnv;
  /** The test harness's workbench (default) or the people's: start that with startCodeServerForPeople. */
  readonly profile?: Profile;
  /** true (default): `--disable-workspace-trust` (every folder is trusted). false: an untrusted (restricted) run. */
  readonly trusted?: boolean;
  /** User settings merged over the profile's, written before start. */
  readonly settings?: Record<string, unknown>;
  /** Packaged extensions (.vsix) installed into the fresh extensions dir before start. */
  readonly installExtensions?: readonly string[];
  /** Port to bind on 127.0.0.1 (default: a free one). */
  readonly port?: number;
  readonly host?: string;
  /** Parent for the temporary folder (default os.tmpdir()). */
  readonly tmpParent?: string;
  readonly extraArgs?: readonly string[];
  /** Extra environment for the server (and so for the extension host). */
  readonly serverEnv?: Record<string, string>;
  /** Print code-server's output as it comes (default: only when ODOOBO_HARNESS_VERBOSE is set). */
  readonly verbose?: boolean;
  readonly startTimeoutMs?: number;
}

export interface CodeServer {
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly pid: number;
  /** The temporary folder holding userDataDir, extensionsDir and server.log (removed by stop()). */
  readonly tmpDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly logFile: string;
  /** `http://host:port/?folder=<abs>` */
  folderUrl(folder: string): string;
  /** `vscode-remote://host:port/abs/path` */
  remoteUri(absPath: string): string;
  /** The last lines code-server printed. */
  output(): string;
  /** Resolves (with `exit code N`/`signal S`) when the code-server process exits, for whatever reason. */
  readonly exited: Promise<string>;
  /** Stops the process group and removes tmpDir (idempotent). */
  stop(): Promise<void>;
}

/** Installs a .vsix into `extensionsDir` with code-server's CLI (~1 s). */
export async function installExtension(env: TestEnv, vsix: string, dirs: { extensionsDir: string; userDataDir: string }): Promise<void> {
  if (!existsSync(vsix)) throw new Error(`extension package ${vsix} does not exist (run \`npm run package\`)`);
  const args = [
    codeServerEntry(env),
    '--config', '/dev/null',
    '--user-data-dir', dirs.userDataDir,
    '--extensions-dir', dirs.extensionsDir,
    '--install-extension', path.resolve(vsix),
    '--force',
  ];
  const res = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(env.node24, args, { env: serverEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      killGroup(child.pid!, 'SIGKILL');
      reject(new Error(`code-server --install-extension ${vsix} timed out:\n${out}`));
    }, 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup(child.pid!, 'SIGKILL');
      resolve({ code, out });
    });
  });
  if (res.code !== 0 || !/successfully installed|already installed/i.test(res.out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${res.code}):\n${res.out}`);
  }
}

/**
 * Starts code-server in its own process group on 127.0.0.1 with a fresh user-data-dir and extensions-dir, and
 * waits until GET /healthz answers. The caller must `stop()` it (in a finally); exit/signal hooks are the backstop.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const { env } = options;
  const host = options.host ?? '127.0.0.1';
  const tmpDir = await fs.mkdtemp(path.join(options.tmpParent ?? os.tmpdir(), 'odoobo-cs-'));
  const userDataDir = path.join(tmpDir, 'user-data');
  const extensionsDir = path.join(tmpDir, 'extensions');
  const logFile = path.join(tmpDir, 'server.log');
  let child: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  let untrack = (): void => undefined;

  const stopSync = (): void => {
    if (child?.pid) killGroup(child.pid, 'SIGKILL');
    rmSync(tmpDir, { recursive: true, force: true });
  };
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      untrack();
      if (child?.pid) await stopGroup(child.pid);
      await fs.rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    })());
  untrack = track({ stopSync, stop });

  try {
    await fs.mkdir(path.join(userDataDir, 'User'), { recursive: true });
    await fs.mkdir(extensionsDir, { recursive: true });
    const settings = { ...(options.profile === 'people' ? PEOPLE_SETTINGS : HARNESS_SETTINGS), ...(options.settings ?? {}) };
    await fs.writeFile(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');

    for (const vsix of options.installExtensions ?? []) {
      await installExtension(env, vsix, { extensionsDir, userDataDir });
    }

    const port = options.port ?? (await freePort(host));
    const args = [
      codeServerEntry(env),
      '--bind-addr', `${host}:${port}`,
      '--config', '/dev/null',
      '--auth', 'none',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      // The driver suppresses every notification toast (progress with its Cancel button, errors and their actions).
      ...(options.profile !== 'people' ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
      ...(options.trusted === false ? [] : ['--disable-workspace-trust']),
      ...(options.extraArgs ?? []),
    ];
    const verbose = options.verbose ?? !!process.env.ODOOBO_HARNESS_VERBOSE;
    const log = createWriteStream(logFile);
    const tail: string[] = [];
    const onData = (d: Buffer): void => {
      log.write(d);
      const lines = d.toString('utf8').split('\n').filter((l) => l.length > 0);
      tail.push(...lines);
      if (tail.length > 200) tail.splice(0, tail.length - 200);
      if (verbose) for (const l of lines) process.stderr.write(`[code-server] ${l}\n`);
    };
    // detached: the child leads its own process group (setsid-like), so stop() can kill every helper it forks.
    child = spawn(env.node24, args, {
      cwd: tmpDir,
      env: serverEnv(env, options.serverEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let exited: string | undefined;
    let resolveExited: (how: string) => void = () => undefined;
    const exitedPromise = new Promise<string>((resolve) => (resolveExited = resolve));
    child.on('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      log.end();
      resolveExited(exited);
    });
    child.on('error', (err) => {
      exited = `spawn error: ${err.message}`;
      resolveExited(exited);
    });
    const pid = child.pid;
    if (!pid) throw new Error(`cannot start code-server (${env.node24} ${args[0]})`);

    const origin = `http://${host}:${port}`;
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exited) throw new Error(`code-server exited before it was ready (${exited}):\n${tail.join('\n')}`);
      if ((await httpStatus(`${origin}/healthz`)) === 200) break;
      if (Date.now() > deadline) {
        throw new Error(`code-server did not answer ${origin}/healthz within ${options.startTimeoutMs ?? 60_000} ms:\n${tail.join('\n')}`);
      }
      await sleep(150);
    }

    return {
      host,
      port,
      origin,
      pid,
      tmpDir,
      userDataDir,
      extensionsDir,
      logFile,
      folderUrl: (folder) => `${origin}/?folder=${encodeURIComponent(path.resolve(folder))}`,
      remoteUri: (absPath) => `vscode-remote://${host}:${port}${path.resolve(absPath).split(path.sep).map(encodeURIComponent).join('/')}`,
      output: () => tail.join('\n'),
      exited: exitedPromise,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * code-server as `npm start` runs it (scripts/lib/serve.ts): the people's profile, every folder trusted, the packaged
 * extension installed. The e2e tests start theirs with this function too, so they see what a person sees.
 */
export function startCodeServerForPeople(options: {
  readonly env: TestEnv;
  readonly vsix: string;
  readonly port?: number;
  /** Settings over the people's (a test's colour theme). */
  readonly settings?: Record<string, unknown>;
}): Promise<CodeServer> {
  return startCodeServer({
    env: options.env,
    profile: 'people',
    trusted: true,
    installExtensions: [options.vsix],
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// chromium

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--disable-crash-reporter',
  '--disable-breakpad',
];

export interface Chromium {
  readonly context: BrowserContext;
  /** The context's first page. */
  readonly page: Page;
  readonly userDataDir: string;
  /** Closes the browser and removes its user-data-dir (idempotent). */
  close(): Promise<void>;
}

/** Launches Debian's chromium (headless by default) through playwright-core with a fresh user-data-dir. */
export async function launchChromium(
  env: TestEnv,
  options: { headless?: boolean; viewport?: { width: number; height: number }; tmpParent?: string } = {},
): Promise<Chromium> {
  const userDataDir = await fs.mkdtemp(path.join(options.tmpParent ?? os.tmpdir(), 'odoobo-chromium-'));
  let context: BrowserContext | undefined;
  let closed: Promise<void> | undefined;
  let untrack = (): void => undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      untrack();
      if (context) {
        await withTimeout(context.close().catch(() => undefined), 10_000);
      }
      killBrowsersUsing(userDataDir);
      await fs.rm(userDataDir, { recursive: true, force: true }).catch(() => undefined);
    })());
  untrack = track({
    // playwright-core kills the browsers it launched in its own 'exit' hook; this removes the leftovers.
    stopSync: () => {
      killBrowsersUsing(userDataDir);
      rmSync(userDataDir, { recursive: true, force: true });
    },
    stop: close,
  });
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: env.chromium,
      headless: options.headless ?? true,
      args: [...CHROMIUM_ARGS],
      chromiumSandbox: false,
      viewport: options.viewport ?? { width: 1400, height: 900 },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: 60_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return { context, page, userDataDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** SIGKILLs any chromium process still running with `--user-data-dir=<dir>` (crash leftovers). */
function killBrowsersUsing(userDataDir: string): void {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  if (ps.status !== 0) return;
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m || !m[2].includes(`--user-data-dir=${userDataDir}`)) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
