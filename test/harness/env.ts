/**
 * The machine-level tools the integration/e2e tests and `npm start` need (Node 24, code-server, chromium, a Python
 * with FastAPI), installed idempotently by `scripts/ensure-env.sh` outside the repository.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface TestEnv {
  /** Node 24 binary (code-server refuses other majors). */
  readonly node24: string;
  /** code-server launcher (`<prefix>/bin/code-server`, a Node script). */
  readonly codeServer: string;
  /** Debian's chromium binary. */
  readonly chromium: string;
  /** A Python with FastAPI/uvicorn (Debian's /usr/bin/python3). */
  readonly python: string;
}

/** Environment variables that, when all set (e.g. by scripts/test.mjs after it ran ensure-env.sh), skip the script. */
export const ENV_VARS = {
  node24: 'ODOOBO_NODE24',
  codeServer: 'ODOOBO_CODE_SERVER',
  chromium: 'ODOOBO_CHROMIUM',
  python: 'ODOOBO_PYTHON',
} as const;

const KEYS: Record<string, keyof TestEnv> = {
  NODE24: 'node24',
  CODE_SERVER: 'codeServer',
  CHROMIUM: 'chromium',
  PYTHON: 'python',
};

/** The repository root (the folder holding package.json and scripts/ensure-env.sh). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'ensure-env.sh'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = up;
  }
}

/** Parses the `KEY=value` lines ensure-env.sh prints; throws naming every key that is missing. */
export function parseEnvOutput(stdout: string): TestEnv {
  const found: Partial<Record<keyof TestEnv, string>> = {};
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = KEYS[line.slice(0, eq)];
    if (key) found[key] = line.slice(eq + 1);
  }
  const missing = Object.entries(KEYS)
    .filter(([, k]) => !found[k])
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`scripts/ensure-env.sh did not print ${missing.join(', ')}; its stdout was:\n${stdout}`);
  }
  return found as TestEnv;
}

function fromEnvVars(): TestEnv | undefined {
  const e: Partial<Record<keyof TestEnv, string>> = {};
  for (const [key, name] of Object.entries(ENV_VARS) as [keyof TestEnv, string][]) {
    const v = process.env[name];
    if (!v || !existsSync(v)) return undefined;
    e[key] = v;
  }
  return e as TestEnv;
}

let cached: Promise<TestEnv> | undefined;

/**
 * Runs `bash scripts/ensure-env.sh` (its progress goes to our stderr) and returns the tool paths it printed.
 * Fails loudly (rejects) when the script fails: the tests never silently skip. Memoised per process; when the
 * ODOOBO_NODE24/ODOOBO_CODE_SERVER/ODOOBO_CHROMIUM/ODOOBO_PYTHON variables all name existing files they are used
 * instead (unless `force`).
 */
export function ensureEnv(options: { force?: boolean } = {}): Promise<TestEnv> {
  if (!options.force) {
    const preset = fromEnvVars();
    if (preset) return Promise.resolve(preset);
    if (cached) return cached;
  }
  const p = runEnsureEnv();
  cached = p;
  p.catch(() => {
    if (cached === p) cached = undefined;
  });
  return p;
}

function runEnsureEnv(): Promise<TestEnv> {
  const root = repoRoot();
  return new Promise<TestEnv>((resolve, reject) => {
    const child = spawn('bash', [path.join(root, 'scripts', 'ensure-env.sh')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    child.on('error', (err) => reject(new Error(`cannot run scripts/ensure-env.sh: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`scripts/ensure-env.sh failed (${signal ? `signal ${signal}` : `exit code ${code}`}); see its output above`));
        return;
      }
      try {
        resolve(parseEnvOutput(stdout));
      } catch (err) {
        reject(err);
      }
    });
  });
}
