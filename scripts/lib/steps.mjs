// Shared by scripts/test.mjs and scripts/start.mjs. Plain Node ESM with builtins only: it runs before node_modules
// exists.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const isTTY = process.stdout.isTTY;
const bold = (s) => (isTTY ? `\x1b[1m${s}\x1b[0m` : s);
export const red = (s) => (isTTY ? `\x1b[31m${s}\x1b[0m` : s);
export const green = (s) => (isTTY ? `\x1b[32m${s}\x1b[0m` : s);

export function header(title) {
  const line = '='.repeat(Math.max(20, 78 - title.length));
  process.stdout.write(`\n${bold(`=== ${title} ${line}`)}\n`);
}

/** The child running now, so that a signal can be forwarded to it. */
let current;
let stopping;

/** Forwards SIGINT/SIGTERM/SIGHUP to the running child and exits (128+n) once it is gone. */
export function installSignalForwarding() {
  const handler = (signal, code) => {
    if (stopping) return;
    stopping = code;
    process.stderr.write(`\n[${path.basename(process.argv[1])}] ${signal}: stopping\n`);
    if (current && current.exitCode === null && current.signalCode === null) {
      try {
        current.kill(signal);
      } catch {
        /* gone */
      }
      // The child cleans up (code-server, chromium, temporary folders) and exits; then we exit too.
      const t = setTimeout(() => process.exit(code), 15_000);
      t.unref();
      current.once('close', () => process.exit(code));
    } else {
      process.exit(code);
    }
  };
  process.on('SIGINT', () => handler('SIGINT', 130));
  process.on('SIGTERM', () => handler('SIGTERM', 143));
  process.on('SIGHUP', () => handler('SIGHUP', 129));
}

/**
 * Runs a command (argument array, no shell) with inherited stdio unless told otherwise; resolves with
 * {code, signal, stdout, ms}. Never rejects for a non-zero exit.
 */
export function run(cmd, args, options = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    if (stopping) return resolve({ code: stopping, signal: null, stdout: '', ms: 0 });
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, ...(options.env ?? {}) },
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'inherit', 'inherit'],
    });
    current = child;
    let stdout = '';
    if (child.stdout) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        stdout += d;
        if (options.echoStdout) process.stdout.write(d);
      });
    }
    // A watchdog for a step that must not outlive its budget (a hung test would otherwise run into CI's own limit
    // and lose every figure of the run): SIGTERM at the budget, SIGKILL 15 s later.
    let timedOut = false;
    const timers = [];
    if (options.timeoutMs) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          process.stderr.write(red(`\n${cmd} ${args.slice(0, 3).join(' ')}… ran past its ${Math.round(options.timeoutMs / 60_000)} min budget: stopping it\n`));
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), 15_000).unref());
        }, options.timeoutMs).unref(),
      );
    }
    child.on('error', (err) => {
      timers.forEach(clearTimeout);
      process.stderr.write(red(`cannot run ${cmd}: ${err.message}\n`));
      resolve({ code: 127, signal: null, stdout, ms: Date.now() - started });
    });
    child.on('close', (code, signal) => {
      timers.forEach(clearTimeout);
      if (current === child) current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, ms: Date.now() - started, timedOut });
    });
  });
}

/** npm, through flock on the shared lock when flock exists (several people work in this checkout at once). */
export function npmCommand(args) {
  const hasFlock = spawnSync('sh', ['-c', 'command -v flock'], { stdio: 'ignore' }).status === 0;
  return hasFlock ? ['flock', ['/tmp/odoobo-npm.lock', 'npm', ...args]] : ['npm', args];
}

/** node_modules is missing or older than package-lock.json. */
export function needsNpmCi() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(path.join(root, 'node_modules')) || !existsSync(installed)) return true;
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs;
}

export async function npmCiIfNeeded() {
  if (!needsNpmCi()) {
    process.stdout.write('node_modules is up to date with package-lock.json\n');
    return true;
  }
  const [cmd, args] = npmCommand(['ci', '--no-audit', '--no-fund']);
  const r = await run(cmd, args);
  if (r.code !== 0) process.stderr.write(red(`npm ci failed (exit ${r.code})\n`));
  return r.code === 0;
}

/**
 * Runs scripts/ensure-env.sh, parses NODE24=…, CODE_SERVER=…, CHROMIUM=…, PYTHON=… and exports them as
 * ODOOBO_NODE24/ODOOBO_CODE_SERVER/ODOOBO_CHROMIUM/ODOOBO_PYTHON (test/harness/env.ts then skips the script).
 * Returns the map, or undefined when the script failed or printed too little.
 */
export async function ensureEnv() {
  const r = await run('bash', [path.join(root, 'scripts', 'ensure-env.sh')], { captureStdout: true, echoStdout: true });
  if (r.code !== 0) {
    process.stderr.write(red(`scripts/ensure-env.sh FAILED (exit ${r.code}): the tools the tests need are not installed\n`));
    return undefined;
  }
  const env = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(NODE24|CODE_SERVER|CHROMIUM|PYTHON)=(.+)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  const missing = ['NODE24', 'CODE_SERVER', 'CHROMIUM', 'PYTHON'].filter((k) => !env[k] || !existsSync(env[k]));
  if (missing.length) {
    process.stderr.write(red(`scripts/ensure-env.sh did not report usable ${missing.join(', ')}\n`));
    return undefined;
  }
  process.env.ODOOBO_NODE24 = env.NODE24;
  process.env.ODOOBO_CODE_SERVER = env.CODE_SERVER;
  process.env.ODOOBO_CHROMIUM = env.CHROMIUM;
  process.env.ODOOBO_PYTHON = env.PYTHON;
  return env;
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
