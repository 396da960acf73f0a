/**
 * Where the CLI talks to: DigitalOcean App Platform, a local App Platform someone started (`--api-url`), or the
 * embedded local App Platform started in this process for the duration of one command.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AppPlatformClient, type AppPlatformClientOptions } from './do/client';
import { DEFAULT_BASE_URL } from './do/http';
import { registerSecret } from './do/redact';
import { tokenFromEnv } from './do/token';

const run = promisify(execFile);

export const TARGETS = ['local', 'digitalocean'] as const;
export type TargetName = (typeof TARGETS)[number];

export const TARGET_MITIGATIONS = {
  INVALID_TARGET: 'Use --target local or --target digitalocean.',
  INVALID_API_URL: 'Give --api-url as an http(s) URL, e.g. http://127.0.0.1:8787 for a local App Platform.',
  UNAUTHORIZED: 'Set DIGITALOCEAN_ACCESS_TOKEN (or DO_ACCESS_TOKEN) to a DigitalOcean API token with the app scopes, e.g. from https://cloud.digitalocean.com/account/api/tokens; in GitHub Actions pass it from a secret.',
  LOCAL_TOKEN_MISSING: 'Set ODOOBO_LOCAL_TOKEN to the token the local App Platform at --api-url was started with (odoobo platform start --token …), or leave out --api-url to start an embedded one.',
  PLATFORM_START_FAILED: 'Another local App Platform may use the same data folder: stop it, or talk to it with --api-url http://127.0.0.1:<port> and ODOOBO_LOCAL_TOKEN.',
} as const;
export type TargetErrorCode = keyof typeof TARGET_MITIGATIONS;

/** A target that cannot be used: the message never holds token material. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  readonly mitigation: string;
  constructor(readonly code: TargetErrorCode, message: string) {
    super(message);
    this.mitigation = TARGET_MITIGATIONS[code];
  }
}

/** What `startLocalPlatform` (src/platform) provides; passed in, so that core reaches the platform only over HTTP. */
export interface EmbeddedPlatform {
  readonly url: string;
  readonly restored: Promise<void>;
  stop(): Promise<void>;
}
export type EmbeddedPlatformStarter = (options: {
  port: number;
  dataDir: string;
  token: string;
  workspace?: string;
  log?: (line: string) => void;
}) => Promise<EmbeddedPlatform>;

export interface TargetOptions {
  /** `--target`; default: `$ODOOBO_TARGET`, else `local`. */
  readonly target?: string;
  /** `--api-url`. */
  readonly apiUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The folder the command runs in: its git repository gives the embedded platform's data folder and workspace. */
  readonly cwd: string;
  /** Starts the embedded platform (the CLI passes `startLocalPlatform`); required for `local` without `--api-url`. */
  readonly startEmbedded?: EmbeddedPlatformStarter;
  /** Default: `<git-common-dir>/odoobo/local-platform`, else `~/.odoobo/local-platform`. */
  readonly dataDir?: string;
  /** Wait until the embedded platform serves the deployments that were ACTIVE before (e.g. before smoke tests). */
  readonly waitRestored?: boolean;
  /** Notes for the user (stderr in the CLI). */
  readonly onNote?: (line: string) => void;
  /** Diagnostics of the embedded platform. */
  readonly onPlatformLog?: (line: string) => void;
  readonly client?: Omit<AppPlatformClientOptions, 'baseUrl' | 'token'>;
}

export interface ResolvedTarget {
  readonly target: TargetName;
  /** The App Platform API base URL. */
  readonly apiUrl: string;
  /** The platform was started in this process and stops with close(). */
  readonly embedded: boolean;
  readonly client: AppPlatformClient;
  /** Closes the client and stops the embedded platform, if any. Safe to call twice. */
  close(): Promise<void>;
}

export function parseTargetName(value: string | undefined): TargetName | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'do') return 'digitalocean';
  if ((TARGETS as readonly string[]).includes(v)) return v as TargetName;
  throw new TargetError('INVALID_TARGET', `Unknown target "${value}".`);
}

function checkApiUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TargetError('INVALID_API_URL', `--api-url "${url}" is not a URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TargetError('INVALID_API_URL', `--api-url must be http(s), got ${u.protocol}`);
  if (u.username || u.password) throw new TargetError('INVALID_API_URL', '--api-url must not carry credentials; use the token environment variables.');
  return url.replace(/\/+$/, '');
}

async function gitOut(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `<git-common-dir>/odoobo/local-platform` for a folder inside a git repository, else `~/.odoobo/local-platform`. */
export async function defaultLocalDataDir(cwd: string): Promise<string> {
  const common = await gitOut(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  return common ? path.join(common, 'odoobo', 'local-platform') : path.join(os.homedir(), '.odoobo', 'local-platform');
}

/** The main worktree of the repository holding `cwd` (its origin serves the spec's github repos), or `cwd`. */
async function workspaceOf(cwd: string): Promise<string> {
  return (await gitOut(cwd, ['rev-parse', '--show-toplevel'])) ?? path.resolve(cwd);
}

/**
 * Resolves `--target` / `--api-url` into a client:
 * - `digitalocean`: `--api-url` or https://api.digitalocean.com, token DIGITALOCEAN_ACCESS_TOKEN, else DO_ACCESS_TOKEN;
 * - `local` with `--api-url`: that platform, token ODOOBO_LOCAL_TOKEN;
 * - `local` without: the embedded platform, started now with a random token and stopped by close().
 */
export async function resolveTarget(options: TargetOptions): Promise<ResolvedTarget> {
  const target = parseTargetName(options.target) ?? parseTargetName(options.env.ODOOBO_TARGET) ?? 'local';
  const apiUrl = options.apiUrl?.trim() ? checkApiUrl(options.apiUrl.trim()) : undefined;
  const clientFor = (baseUrl: string, token: string) => new AppPlatformClient({ userAgent: 'odoobo-cli', ...options.client, baseUrl, token });

  if (target === 'digitalocean') {
    const token = tokenFromEnv(options.env);
    if (!token) throw new TargetError('UNAUTHORIZED', 'No DigitalOcean API token: DIGITALOCEAN_ACCESS_TOKEN and DO_ACCESS_TOKEN are not set.');
    const client = clientFor(apiUrl ?? DEFAULT_BASE_URL, token);
    return { target, apiUrl: client.baseUrl, embedded: false, client, close: once(() => client.close()) };
  }

  if (apiUrl) {
    const token = options.env.ODOOBO_LOCAL_TOKEN?.trim();
    if (!token) throw new TargetError('LOCAL_TOKEN_MISSING', `No token for the local App Platform at ${apiUrl}: ODOOBO_LOCAL_TOKEN is not set.`);
    registerSecret(token);
    const client = clientFor(apiUrl, token);
    return { target, apiUrl: client.baseUrl, embedded: false, client, close: once(() => client.close()) };
  }

  if (!options.startEmbedded) throw new Error('resolveTarget: the embedded local App Platform needs startEmbedded');
  const dataDir = options.dataDir ?? (await defaultLocalDataDir(options.cwd));
  const token = randomBytes(24).toString('hex');
  registerSecret(token);
  let platform: EmbeddedPlatform;
  try {
    platform = await options.startEmbedded({ port: 0, dataDir, token, workspace: await workspaceOf(options.cwd), log: options.onPlatformLog });
  } catch (e) {
    throw new TargetError('PLATFORM_START_FAILED', `The embedded local App Platform did not start: ${(e as Error).message}`);
  }
  options.onNote?.(
    `note: started the embedded local App Platform at ${platform.url} (data: ${dataDir}); skills it deploys stop when this command ends. ` +
      'Run `odoobo platform start` separately and pass --api-url to keep them running.',
  );
  const client = clientFor(platform.url, token);
  const close = once(async () => {
    await client.close().catch(() => undefined);
    await platform.stop();
  });
  if (options.waitRestored) {
    try {
      await platform.restored;
    } catch {
      // a deployment that does not come back shows up as a failed health check
    }
  }
  return { target, apiUrl: platform.url, embedded: true, client, close };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
