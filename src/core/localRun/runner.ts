/**
 * Runs a skill locally from its worktree's working files (uncommitted changes included) with the command its manifest
 * names, uvicorn reloading on change, on a free loopback port, in its own process group, with the run-time env of its
 * app spec. Several skills run at once, each on its own port; stop ends the whole group.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { request } from 'undici';
import type { Skill } from '../skills/loadSkills';
import { wait } from '../util/wait';
import { inheritedEnv, specRunEnv } from './env';
import { choosePython, missingModule, writeShims } from './python';
import { groupAlive, stopGroup } from '../util/processGroup';
import { readRunRecord, removeRunRecord, writeRunRecord } from './registry';

export type LocalRunErrorCode = 'MISSING_MODULE' | 'PORT_IN_USE' | 'APP_LOAD_FAILED' | 'EXITED' | 'NOT_READY' | 'ALREADY_RUNNING';

/** Why a local run could not start, and what to do about it. */
export class LocalRunError extends Error {
  constructor(readonly code: LocalRunErrorCode, message: string, readonly mitigation?: string) {
    super(mitigation ? `${message} ${mitigation}` : message);
    this.name = 'LocalRunError';
  }
}

export interface LocalRunOptions {
  readonly skill: Skill;
  /** The worktree's top folder: the spec path and the notes are relative to it. */
  readonly root: string;
  /** `<git-common-dir>/odoobo/local-runs` (registry.ts's localRunsDir). */
  readonly runsDir: string;
  /** Default: a free port. */
  readonly port?: number;
  /** Default: $ODOOBO_PYTHON, else the local platform's rule (python.ts). */
  readonly python?: string;
  /** Where secrets (ODOOBO_SECRET_<KEY>) and the inherited variables come from; default process.env. */
  readonly parentEnv?: NodeJS.ProcessEnv;
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Start under debugpy listening on this port (waits for the debugger; no reload, no readiness wait). */
  readonly debugPort?: number;
  /** Who started it (shown in the registry): 'cli', 'vscode', … */
  readonly owner?: string;
  /** How long the health path may take to answer 200 (default 60 s). */
  readonly readyTimeoutMs?: number;
}

export interface LocalRun {
  readonly skill: string;
  readonly port: number;
  readonly url: string;
  /** The process group's id. */
  readonly pid: number;
  readonly python: string;
  /** What the user should know: secrets left unset, bindable variables not bound. */
  readonly notes: readonly string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

const TAIL_LINES = 40;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(true));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(false)));
  });
}

function installHint(python: string, skill: Skill, root: string, module: string): string {
  const req = path.join(skill.dir, 'requirements.txt');
  const rel = path.relative(root, req);
  return (
    `Install it for ${python}: \`${python} -m pip install ${module}\` (or \`${python} -m pip install -r ${rel}\`, ` +
    `or Debian's python3-${module.toLowerCase().replace(/_/g, '-')}), or choose another interpreter with --python / $ODOOBO_PYTHON.`
  );
}

/** A startup failure read from the run's output, or undefined. */
function failureIn(line: string, ctx: { python: string; skill: Skill; root: string; port: number }): LocalRunError | undefined {
  const missing = /No module named '([^']+)'/.exec(line);
  if (missing) {
    const module = missing[1].split('.')[0];
    const hint = installHint(ctx.python, ctx.skill, ctx.root, module);
    return new LocalRunError('MISSING_MODULE', `${ctx.skill.name}: Python module "${module}" is missing.`, hint);
  }
  if (/address already in use|Errno 98/i.test(line)) {
    const message = `${ctx.skill.name}: port ${ctx.port} is already in use.`;
    return new LocalRunError('PORT_IN_USE', message, 'Stop what listens there, or pick another port.');
  }
  if (/Error loading ASGI app/.test(line)) {
    const message = `${ctx.skill.name}: uvicorn could not load the app: ${line.trim()}`;
    return new LocalRunError('APP_LOAD_FAILED', message, 'See the output above.');
  }
  return undefined;
}

/** Whether something listens on `port` (read from /proc/net/tcp*: connecting would count as debugpy's client). */
async function listening(port: number): Promise<boolean> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const texts = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
  return texts.some((t) => t.split('\n').some((line) => line.split(/\s+/)[2]?.endsWith(hex.trim()) && line.split(/\s+/)[4] === '0A'));
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await request(url, { method: 'GET', headersTimeout: 2_000, bodyTimeout: 2_000 });
    await res.body.dump();
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

export async function startLocalRun(options: LocalRunOptions): Promise<LocalRun> {
  const { skill, root, runsDir } = options;
  const parent = options.parentEnv ?? process.env;
  const existing = await readRunRecord(runsDir, skill.name);
  if (existing) {
    throw new LocalRunError('ALREADY_RUNNING', `${skill.name} already runs locally at ${existing.url} (process group ${existing.pid}).`,
      'Stop it first (odoobo run stops with Ctrl-C; in the editor: Stop Local Run).');
  }
  const python = await choosePython(options.python ?? parent.ODOOBO_PYTHON, parent);
  const needed = options.debugPort ? ['uvicorn', 'debugpy'] : ['uvicorn'];
  const absent = await missingModule(python, needed);
  if (absent) {
    const message = `${skill.name}: Python module "${absent}" is missing for ${python}.`;
    throw new LocalRunError('MISSING_MODULE', message, installHint(python, skill, root, absent));
  }
  if (options.port !== undefined && (await portTaken(options.port))) {
    throw new LocalRunError('PORT_IN_USE', `${skill.name}: port ${options.port} is already in use on 127.0.0.1.`,
      'Stop what listens there, or pick another port (or none: a free one is chosen).');
  }
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const shimDir = path.join(runsDir, 'shims', Buffer.from(python).toString('hex').slice(-32));
  await writeShims(shimDir, python);
  const specText = await fs.readFile(skill.appSpecPath, 'utf8').catch(() => undefined);
  const skillDir = path.relative(root, skill.dir).split(path.sep).join('/');
  const spec = specText === undefined
    ? { values: {}, notes: [`no app spec at ${path.relative(root, skill.appSpecPath)}: the skill runs without its envs`] }
    : specRunEnv(specText, { skill: skill.name, skillDir, url, parent });
  const env: Record<string, string> = {
    ...inheritedEnv(parent),
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...spec.values,
    PATH: [shimDir, parent.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(path.delimiter),
    HOST: '127.0.0.1',
    PORT: String(port),
    ...(options.debugPort ? { ODOOBO_RUN_DEBUG_PORT: String(options.debugPort) } : { ODOOBO_RUN_RELOAD: '1' }),
  };
  const child = spawn('/bin/sh', ['-c', skill.manifest.run], { cwd: skill.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid ?? -1;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: 127, signal: null }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const tail: string[] = [];
  let failure: LocalRunError | undefined;
  let ready = false;
  const ctx = { python, skill, root, port };
  for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
    const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (!ready) failure ??= failureIn(line, ctx);
      options.onLine?.(line, name);
    });
    stream.on('error', () => undefined);
  }
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopGroup(pid);
      await exited;
      await removeRunRecord(runsDir, skill.name, pid);
    })());
  void exited.then(() => (groupAlive(pid) ? undefined : removeRunRecord(runsDir, skill.name, pid)));
  const run: LocalRun = { skill: skill.name, port, url, pid, python, notes: spec.notes, exited, stop };

  if (options.debugPort) {
    // debugpy waits for the debugger before uvicorn starts: answer once it listens, so that the attach finds it
    const deadline = Date.now() + 20_000;
    while (!(await listening(options.debugPort)) && !failure && Date.now() < deadline && groupAlive(pid)) await wait(100);
    if (failure) {
      await stop();
      throw failure;
    }
  } else {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    let gone = false;
    void exited.then(() => (gone = true));
    while (!ready) {
      if (failure || gone || Date.now() > deadline) {
        if (gone && !failure) await wait(100); // the last lines may still be in the pipe when the exit is seen
        await stop();
        const last = tail.slice(-12).join('\n');
        if (failure) throw failure;
        if (gone) throw new LocalRunError('EXITED', `${skill.name}: \`${skill.manifest.run}\` exited before serving:\n${last}`);
        throw new LocalRunError('NOT_READY', `${skill.name}: GET ${skill.manifest.healthPath} did not answer 200 within ` +
          `${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s:\n${last}`);
      }
      ready = await healthy(url + skill.manifest.healthPath);
      if (!ready) await wait(150, { until: exited });
    }
  }
  await writeRunRecord(runsDir, {
    skill: skill.name, pid, port, url, worktree: root, startedAt: new Date().toISOString(), owner: options.owner ?? 'odoobo',
  });
  return run;
}
