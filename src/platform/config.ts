import { constants as fsConstants, promises as fs } from 'node:fs';
import type { Faults } from './faults';

/** Health-check timing overrides: tests poll fast instead of DigitalOcean's seconds. */
export interface HealthCheckTuning {
  /** Replaces every spec's `period_seconds` (milliseconds). */
  readonly periodMs?: number;
  /** Replaces every spec's `initial_delay_seconds` (milliseconds). */
  readonly initialDelayMs?: number;
  /** Upper bound on a check's `timeout_seconds` (milliseconds). */
  readonly timeoutMs?: number;
  /**
   * While a freshly started process is alive but not listening yet, refused connections do not count as failures for
   * this long (milliseconds). 0 (DigitalOcean's behaviour) counts every failed check.
   */
  readonly startupGraceMs?: number;
}

export interface LocalPlatformOptions {
  /** API port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** Folder holding state, logs, builds and shims. Created when missing. */
  readonly dataDir: string;
  /** Bearer token every /v2 request must carry. */
  readonly token: string;
  /** Source map for `github`/`gitlab`/`bitbucket` components: `owner/repo` → local path or git URL. */
  readonly repos?: Readonly<Record<string, string>>;
  /** Folder whose `origin` remote serves repos that `repos` does not map (default: the current directory). */
  readonly workspace?: string;
  /**
   * The Python interpreter behind the `python`, `python3` and `uvicorn` shims that run skills' `run_command`s.
   * Default: `/usr/bin/python3` when it imports fastapi, else the first `python3` on PATH.
   */
  readonly python?: string;
  /** SECRET env values: `KEY` for every app, `<app name>/KEY` for one app. Missing secrets are empty. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly faults?: Faults;
  readonly healthChecks?: HealthCheckTuning;
  /** DigitalOcean's limits by default (5000/hour, 250/minute); `false` only sends the headers. */
  readonly rateLimit?: { readonly perHour: number; readonly perMinute: number } | false;
  /** How many newer successful deployments a rollback may reach back over (exceeded_revision_limit). Default 10. */
  readonly revisionLimit?: number;
  /** Seconds between SIGTERM and SIGKILL when the platform itself shuts down. Default 5. */
  readonly shutdownGraceSeconds?: number;
  /** Diagnostics sink (one line per call). Default: silent. */
  readonly log?: (line: string) => void;
  /** Called on every API request with its headers (`platform start --idle-stop` measures idleness with it). */
  readonly onRequest?: (headers: Readonly<Record<string, string | string[] | undefined>>) => void;
}

export const DEFAULT_RATE_LIMIT = { perHour: 5000, perMinute: 250 } as const;
export const DEFAULT_REVISION_LIMIT = 10;

/** A token or secrets file that cannot be used: the message names the file (and line), never a value. */
export class CredentialFileError extends Error {}

/** Environment variables `ODOOBO_SECRET_<KEY>=value` give SECRET env `KEY` for every app. */
export const SECRET_ENV_PREFIX = 'ODOOBO_SECRET_';

const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `<app name>/KEY`: app names follow App Platform's rule.
const SECRET_KEY = /^(?:[a-z][a-z0-9-]{0,30}[a-z0-9]\/)?[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads a credential file that only its owner may read: a regular file of mode 0600 or stricter, at most 1 MiB. */
async function readPrivateFile(file: string, what: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (err) {
    throw new CredentialFileError(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new CredentialFileError(`${what} ${file} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new CredentialFileError(`${what} ${file} has mode ${mode}: other users can read it; run chmod 600 ${file}`);
    }
    const buf = Buffer.alloc(MAX_CREDENTIAL_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_CREDENTIAL_FILE_BYTES) throw new CredentialFileError(`${what} ${file} is larger than 1 MiB`);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The token in `file` (surrounding whitespace and the final newline dropped). */
export async function readTokenFile(file: string): Promise<string> {
  const token = (await readPrivateFile(file, 'token file')).trim();
  if (!token) throw new CredentialFileError(`token file ${file} is empty`);
  if (/\s/.test(token)) throw new CredentialFileError(`token file ${file} holds more than one word; it must hold the token alone`);
  return token;
}

/**
 * Parses a secrets file: one `KEY=value` (every app) or `<app>/KEY=value` (one app) per line; blank lines and lines
 * starting with `#` are skipped. The value is the rest of the line after the first `=`, trimmed, taken literally (no
 * quotes, no escapes).
 */
export function parseSecrets(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    // The line itself is never quoted back: it holds a secret.
    if (eq < 0) throw new CredentialFileError(`${file}:${i + 1}: expected KEY=value or <app>/KEY=value (no "=" on the line)`);
    if (!SECRET_KEY.test(key)) {
      const rule = 'KEY: letters, digits, _; app: App Platform\'s name rule';
      throw new CredentialFileError(`${file}:${i + 1}: "${key.slice(0, 64)}" is not KEY or <app>/KEY (${rule})`);
    }
    if (key in out) throw new CredentialFileError(`${file}:${i + 1}: ${key} is set twice`);
    out[key] = line.slice(eq + 1).trim();
  });
  return out;
}

/** Reads and parses a secrets file (see `parseSecrets`); refused unless only its owner can read it. */
export async function readSecretsFile(file: string): Promise<Record<string, string>> {
  return parseSecrets(await readPrivateFile(file, 'secrets file'), file);
}

/** Secrets from `ODOOBO_SECRET_<KEY>` environment variables (for every app). */
export function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    const key = k.slice(SECRET_ENV_PREFIX.length);
    if (k.startsWith(SECRET_ENV_PREFIX) && v !== undefined && ENV_KEY.test(key)) out[key] = v;
  }
  return out;
}
