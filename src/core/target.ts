/**
 * Where the CLI and the extension talk to: DigitalOcean App Platform, a local App Platform someone started
 * (`--api-url`, `odoobo.apiUrl`), or the repository's shared local App Platform (found through its endpoint file, or
 * started detached by whoever needs it first; it keeps serving after the command or window is gone).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { AppPlatformClient, type AppPlatformClientOptions } from './do/client';
import { DEFAULT_BASE_URL } from './do/http';
import { registerSecret } from './do/redact';
import { tokenFromEnv } from './do/token';
import { gitCommonDir, gitToplevel } from './git/git';
import { ensureLocalPlatform, waitRestored, type CliCommandLine, type LocalPlatformConnection } from './localPlatform';

export const TARGETS = ['local', 'digitalocean'] as const;
export type TargetName = (typeof TARGETS)[number];

/** Where a local App Platform's token comes from; `apiUrl` names where its URL was given (`--api-url`, `odoobo.apiUrl`). */
function localTokenMissingMitigation(apiUrl = '--api-url'): string {
  return (
    `Set ODOOBO_LOCAL_TOKEN to the token the local App Platform at ${apiUrl} was started with (that platform reads it ` +
    `from ODOOBO_LOCAL_TOKEN or --token-file, never from the command line), or leave out ${apiUrl} to use the repository's ` +
    'local App Platform (started when needed).'
  );
}

export const TARGET_MITIGATIONS = {
  INVALID_TARGET: 'Use --target local or --target digitalocean.',
  INVALID_API_URL: 'Give --api-url as an http(s) URL, e.g. http://127.0.0.1:8787 for a local App Platform.',
  UNAUTHORIZED:
    'Set DIGITALOCEAN_ACCESS_TOKEN (or DO_ACCESS_TOKEN) to a DigitalOcean API token with the app scopes, e.g. from ' +
    'https://cloud.digitalocean.com/account/api/tokens; in GitHub Actions pass it from a secret.',
  LOCAL_TOKEN_MISSING: localTokenMissingMitigation(),
  PLATFORM_START_FAILED:
    'See the log in the data folder (platform.log); another local App Platform may use the same data ' +
    'folder: `odoobo platform stop` stops it, or talk to one with --api-url http://127.0.0.1:<port> and ODOOBO_LOCAL_TOKEN.',
} as const;
export type TargetErrorCode = keyof typeof TARGET_MITIGATIONS;

/** A target that cannot be used: the message never holds token material. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  readonly mitigation: string;
  constructor(readonly code: TargetErrorCode, message: string, mitigation?: string) {
    super(message);
    this.mitigation = mitigation ?? TARGET_MITIGATIONS[code];
  }
}

/**
 * What to do after a 401 from a local App Platform (App Platform errors otherwise name DIGITALOCEAN_ACCESS_TOKEN).
 * `apiUrl` names where its URL was given: `--api-url` in the CLI, `odoobo.apiUrl` in the extension.
 */
export function localUnauthorizedMitigation(apiUrl = '--api-url'): string {
  return (
    `The local App Platform at ${apiUrl} refused ODOOBO_LOCAL_TOKEN: set it to the token that platform was started with ` +
    `(its ODOOBO_LOCAL_TOKEN or --token-file), or leave out ${apiUrl} to use the repository's local App Platform.`
  );
}

export interface TargetOptions {
  /** `--target`; default: `$ODOOBO_TARGET`, else `local`. */
  readonly target?: string;
  /** `--api-url`. */
  readonly apiUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The folder the command runs in: its git repository gives the local platform's data folder and workspace. */
  readonly cwd: string;
  /** How to run `odoobo` to start the shared local platform (default: this installation's CLI). */
  readonly platformCli?: CliCommandLine;
  /** Default: `<git-common-dir>/odoobo/local-platform`, else `~/.odoobo/local-platform`. */
  readonly dataDir?: string;
  /** Wait until the local platform serves the deployments that were ACTIVE before its start (e.g. before smoke tests). */
  readonly waitRestored?: boolean;
  /** Notes for the user (stderr in the CLI). */
  readonly onNote?: (line: string) => void;
  /** Diagnostics of finding or starting the local platform. */
  readonly onPlatformLog?: (line: string) => void;
  readonly client?: Omit<AppPlatformClientOptions, 'baseUrl' | 'token'>;
  /** The DigitalOcean token when the caller holds it (the extension's SecretStorage); default: from `env`. */
  readonly digitalOceanToken?: string;
  /** `local` without an API URL: how the caller finds the shared platform (the extension's manager); default: discovery. */
  readonly localPlatform?: () => Promise<{ url: string; token: string }>;
  /** How hints name the API URL option (default `--api-url`; the extension: `odoobo.apiUrl`). */
  readonly apiUrlName?: string;
}

export interface ResolvedTarget {
  readonly target: TargetName;
  /** The App Platform API base URL. */
  readonly apiUrl: string;
  /** Always false: the local platform is shared and outlives the command (kept for callers that still ask). */
  readonly embedded: boolean;
  /** The repository's local platform (`local` without an API URL, found or started by discovery). */
  readonly localPlatform?: LocalPlatformConnection;
  readonly client: AppPlatformClient;
  /** Closes the client; a local platform keeps running. Safe to call twice. */
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
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TargetError('INVALID_API_URL', `--api-url must be http(s), got ${u.protocol}`);
  if (u.username || u.password)
    throw new TargetError('INVALID_API_URL', '--api-url must not carry credentials; use the token environment variables.');
  return url.replace(/\/+$/, '');
}

/** `<git-common-dir>/odoobo/local-platform` for a folder inside a git repository, else `~/.odoobo/local-platform`. */
export async function defaultLocalDataDir(cwd: string): Promise<string> {
  const common = await gitCommonDir(cwd);
  return common ? path.join(common, 'odoobo', 'local-platform') : path.join(os.homedir(), '.odoobo', 'local-platform');
}

/** The main worktree of the repository holding `cwd` (its origin serves the spec's github repos), or `cwd`. */
async function workspaceOf(cwd: string): Promise<string> {
  return (await gitToplevel(cwd)) ?? path.resolve(cwd);
}

/**
 * Connects to the target (the CLI's `--target` / `--api-url`, the extension's settings) with a client:
 * - `digitalocean`: the API URL or https://api.digitalocean.com; the caller's token, else DIGITALOCEAN_ACCESS_TOKEN,
 *   else DO_ACCESS_TOKEN;
 * - `local` with an API URL: that platform, token ODOOBO_LOCAL_TOKEN;
 * - `local` without: the caller's `localPlatform`, else the repository's shared platform (endpoint file in the data
 *   folder), started detached with a random token when none answers; it keeps running after close().
 * A local client's 401 names ODOOBO_LOCAL_TOKEN, not the DigitalOcean token.
 */
export async function connectTarget(options: TargetOptions): Promise<ResolvedTarget> {
  const target = parseTargetName(options.target) ?? parseTargetName(options.env.ODOOBO_TARGET) ?? 'local';
  const apiUrl = options.apiUrl?.trim() ? checkApiUrl(options.apiUrl.trim()) : undefined;
  const authMitigation = target === 'local' ? localUnauthorizedMitigation(options.apiUrlName) : undefined;
  const clientFor = (baseUrl: string, token: string) =>
    new AppPlatformClient({ userAgent: 'odoobo-cli', authMitigation, ...options.client, baseUrl, token });
  const direct = (client: AppPlatformClient): ResolvedTarget => ({
    target, apiUrl: client.baseUrl, embedded: false, client, close: once(() => client.close()),
  });

  if (target === 'digitalocean') {
    const token = options.digitalOceanToken?.trim() || tokenFromEnv(options.env);
    if (!token)
      throw new TargetError('UNAUTHORIZED', 'No DigitalOcean API token: DIGITALOCEAN_ACCESS_TOKEN and DO_ACCESS_TOKEN are not set.');
    return direct(clientFor(apiUrl ?? DEFAULT_BASE_URL, token));
  }

  if (apiUrl) {
    const token = options.env.ODOOBO_LOCAL_TOKEN?.trim();
    if (!token) {
      const message = `No token for the local App Platform at ${apiUrl}: ODOOBO_LOCAL_TOKEN is not set.`;
      throw new TargetError('LOCAL_TOKEN_MISSING', message, localTokenMissingMitigation(options.apiUrlName));
    }
    registerSecret(token);
    return direct(clientFor(apiUrl, token));
  }

  if (options.localPlatform) {
    const endpoint = await options.localPlatform();
    registerSecret(endpoint.token);
    return direct(clientFor(endpoint.url, endpoint.token));
  }

  const dataDir = options.dataDir ?? (await defaultLocalDataDir(options.cwd));
  let platform: LocalPlatformConnection;
  try {
    platform = await ensureLocalPlatform({
      dataDir, workspace: await workspaceOf(options.cwd), env: options.env, cli: options.platformCli, log: options.onPlatformLog,
    });
  } catch (e) {
    throw new TargetError('PLATFORM_START_FAILED', `The local App Platform did not start: ${(e as Error).message}`);
  }
  registerSecret(platform.token);
  if (platform.started) {
    options.onNote?.(
      `note: started the local App Platform at ${platform.url} (pid ${platform.pid}, data: ${dataDir}); it keeps serving ` +
        'after this command, for the editor and later commands: `odoobo platform stop` stops it.',
    );
  }
  // a deployment that does not come back shows up as a failed health check
  if (options.waitRestored) await waitRestored(dataDir, platform.pid);
  const client = clientFor(platform.url, platform.token);
  return { target, apiUrl: platform.url, embedded: false, localPlatform: platform, client, close: once(() => client.close()) };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}
