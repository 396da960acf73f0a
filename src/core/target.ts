/**
 * Where the CLI and the extension talk to: DigitalOcean App Platform, a local App Platform someone started
 * (`--api-url`, `odoobo.apiUrl`), the extension's own local platform, or the embedded local App Platform started in
 * this process for the duration of one command.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppPlatformClient, type AppPlatformClientOptions } from './do/client';
import { DEFAULT_BASE_URL } from './do/http';
import { registerSecret } from './do/redact';
import { tokenFromEnv } from './do/token';
import { gitCommonDir, gitToplevel } from './git/git';

export const TARGETS = ['local', 'digitalocean'] as const;
export type TargetName = (typeof TARGETS)[number];

/** Where a local App Platform's token comes from; `apiUrl` names where its URL was given (`--api-url`, `odoobo.apiUrl`). */
function localTokenMissingMitigation(apiUrl = '--api-url'): string {
  return (
    `Set ODOOBO_LOCAL_TOKEN to the token the local App Platform at ${apiUrl} was started with (that platform reads it ` +
    `from ODOOBO_LOCAL_TOKEN or --token-file, never from the command line), or leave out ${apiUrl} to start an embedded one.`
  );
}

export const TARGET_MITIGATIONS = {
  INVALID_TARGET: 'Use --target local or --target digitalocean.',
  INVALID_API_URL: 'Give --api-url as an http(s) URL, e.g. http://127.0.0.1:8787 for a local App Platform.',
  UNAUTHORIZED: 'Set DIGITALOCEAN_ACCESS_TOKEN (or DO_ACCESS_TOKEN) to a DigitalOcean API token with the app scopes, e.g. from https://cloud.digitalocean.com/account/api/tokens; in GitHub Actions pass it from a secret.',
  LOCAL_TOKEN_MISSING: localTokenMissingMitigation(),
  PLATFORM_START_FAILED: 'Another local App Platform may use the same data folder: stop it, or talk to it with --api-url http://127.0.0.1:<port> and ODOOBO_LOCAL_TOKEN.',
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
    `(its ODOOBO_LOCAL_TOKEN or --token-file), or leave out ${apiUrl} to start an embedded one.`
  );
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
  /** The DigitalOcean token when the caller holds it (the extension's SecretStorage); default: from `env`. */
  readonly digitalOceanToken?: string;
  /**
   * `local` without an API URL: a platform the caller keeps running (the extension's), used instead of starting an
   * embedded one for this call; close() leaves it running.
   */
  readonly localPlatform?: () => Promise<{ url: string; token: string }>;
  /** How hints name the API URL option (default `--api-url`; the extension: `odoobo.apiUrl`). */
  readonly apiUrlName?: string;
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
 * - `local` without: the caller's own platform (`localPlatform`), else the embedded platform, started now with a
 *   random token and stopped by close().
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
    if (!token) throw new TargetError('UNAUTHORIZED', 'No DigitalOcean API token: DIGITALOCEAN_ACCESS_TOKEN and DO_ACCESS_TOKEN are not set.');
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

  if (!options.startEmbedded) throw new Error('connectTarget: the embedded local App Platform needs startEmbedded');
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
