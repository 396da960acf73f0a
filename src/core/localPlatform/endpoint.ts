/**
 * The endpoint file of a repository's local App Platform (`<data dir>/endpoint.json`): how every client (the CLI, the
 * extension) finds the one platform that serves the repository. The platform writes it once it listens and removes it
 * on a clean stop; a client checks it (pid alive, the URL answers an authenticated request from that pid) before use.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../status/atomicFile';

export const ENDPOINT_FILE = 'endpoint.json';
/** Env entry the platform puts on every process it runs (src/platform/runtime/processes.ts MARKER_ENV). */
export const PLATFORM_MARKER_ENV = 'ODOOBO_PLATFORM_DATA_DIR';

const endpointSchema = z.object({
  url: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+$/),
  token: z.string().min(32),
  pid: z.number().int().positive(),
  startedAt: z.string(),
  dataDir: z.string(),
  /** Set once the deployments that were ACTIVE before the start serve again. */
  restoredAt: z.string().optional(),
  /** `--idle-stop`: minutes without API requests or deployments after which it stops itself. */
  idleStopMinutes: z.number().optional(),
});
export type PlatformEndpoint = z.infer<typeof endpointSchema>;

export const endpointFile = (dataDir: string): string => path.join(dataDir, ENDPOINT_FILE);

/** The endpoint file's content; undefined when missing or unreadable (a half-written or foreign file is not used). */
export async function readEndpoint(dataDir: string): Promise<PlatformEndpoint | undefined> {
  const text = await fs.readFile(endpointFile(dataDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const r = endpointSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Written by the platform process once it listens: mode 0600 (it holds the token), atomically. */
export async function writeEndpoint(endpoint: PlatformEndpoint): Promise<void> {
  await fs.mkdir(endpoint.dataDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(endpointFile(endpoint.dataDir), JSON.stringify(endpoint, null, 2) + '\n', { mode: 0o600, durable: false });
}

/** Removes the endpoint file when it still names `pid` (a newer platform's file is left alone). */
export async function removeEndpoint(dataDir: string, pid?: number): Promise<void> {
  const current = await readEndpoint(dataDir);
  if (pid !== undefined && current && current.pid !== pid) return;
  await fs.rm(endpointFile(dataDir), { force: true });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the platform says about itself on GET /_local/status (with the token). */
export interface PlatformSelfStatus {
  readonly pid: number;
  readonly data_dir: string;
  readonly apps: number;
}

/**
 * Whether the endpoint is the live platform: its pid runs, and its URL answers an authenticated GET /_local/status
 * naming that pid (another process on a recycled port, or a platform with another token, fails the check).
 */
export async function checkEndpoint(endpoint: PlatformEndpoint, timeoutMs = 3000): Promise<PlatformSelfStatus | undefined> {
  if (!pidAlive(endpoint.pid)) return undefined;
  try {
    const res = await fetch(`${endpoint.url}/_local/status`, {
      headers: { authorization: `Bearer ${endpoint.token}`, 'user-agent': 'odoobo-discovery' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Partial<PlatformSelfStatus>;
    return body.pid === endpoint.pid ? (body as PlatformSelfStatus) : undefined;
  } catch {
    return undefined;
  }
}
