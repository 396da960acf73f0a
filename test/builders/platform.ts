import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalPlatform, type LocalPlatformOptions } from '../../src/platform/index';
import { DoApi, sharedValidator } from './platformApi';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const PYTHON = '/usr/bin/python3';

/** Fast health checks for tests: poll every 100 ms, no initial delay; a process still starting has 30 s. */
export const FAST_HEALTH = { periodMs: 100, initialDelayMs: 0, timeoutMs: 3000, startupGraceMs: 30_000 } as const;

export interface TestPlatform {
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  readonly api: DoApi;
  readonly logLines: string[];
  readonly restored: Promise<void>;
  stop(): Promise<void>;
}

export async function tempDir(prefix = 'odoobo-platform-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Runs `fn` with a fresh temporary folder, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>, prefix?: string): Promise<T> {
  const dir = await tempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** How many API responses this test process validated against the OpenAPI schemas. */
export function validatedResponses(): number {
  return sharedValidator().validated;
}

/** Starts a platform on a free port of 127.0.0.1 with test-friendly settings. */
export async function startTestPlatform(options: Partial<LocalPlatformOptions> = {}): Promise<TestPlatform> {
  const dataDir = options.dataDir ?? (await tempDir());
  const token = options.token ?? `test-${randomBytes(24).toString('hex')}`;
  const logLines: string[] = [];
  const handle = await startLocalPlatform({
    port: 0,
    python: PYTHON,
    healthChecks: FAST_HEALTH,
    rateLimit: { perHour: 1_000_000, perMinute: 1_000_000 },
    shutdownGraceSeconds: 3,
    log: (line) => logLines.push(line),
    ...options,
    dataDir,
    token,
  });
  return {
    url: handle.url,
    token,
    dataDir,
    api: new DoApi(handle.url, token),
    logLines,
    restored: handle.restored,
    stop: () => handle.stop(),
  };
}

/** Polls `probe` until it answers something truthy; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const TERMINAL = ['ACTIVE', 'SUPERSEDED', 'ERROR', 'CANCELED'];

/** Waits until a deployment reaches a terminal phase; checks the progress counters on every poll. */
export async function waitForDeployment(api: DoApi, appId: string, deploymentId: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(`deployment ${deploymentId} to finish`, async () => {
    const { deployment } = await api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${deploymentId}`);
    assertCounters(deployment.progress);
    return TERMINAL.includes(deployment.phase) ? deployment : undefined;
  }, timeoutMs, 50);
}

function leaves(steps: any[]): any[] {
  return steps.flatMap((s) => (s.steps?.length ? leaves(s.steps) : [s]));
}

/** Counters agree with the step tree, and doctl's rule holds (success == total xor error > 0 when finished). */
export function assertCounters(progress: any): void {
  const l = leaves(progress.steps);
  const count = (status: string): number => l.filter((s) => s.status === status).length;
  assert.equal(progress.total_steps, l.length, 'total_steps = number of leaf steps');
  assert.equal(progress.pending_steps, count('PENDING'), 'pending_steps');
  assert.equal(progress.running_steps, count('RUNNING'), 'running_steps');
  assert.equal(progress.success_steps, count('SUCCESS'), 'success_steps');
  assert.equal(progress.error_steps, count('ERROR'), 'error_steps');
  assert.equal(progress.skipped_steps, count('SKIPPED'), 'skipped_steps');
  assert.equal(progress.pending_steps + progress.running_steps + progress.success_steps + progress.error_steps + progress.skipped_steps, progress.total_steps);
}

/** PIDs of live processes whose environment marks them as started by a platform on `dataDir`. */
export function platformProcesses(dataDir: string): number[] {
  const needle = `ODOOBO_PLATFORM_DATA_DIR=${path.resolve(dataDir)}`;
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, 'latin1');
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && env.split('\0').includes(needle)) out.push(Number(e));
    } catch {
      // gone or not ours to read
    }
  }
  return out;
}

export async function waitNoProcesses(dataDir: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(`no process left for ${dataDir}`, async () => platformProcesses(dataDir).length === 0, timeoutMs, 100);
}

/** GET with a timeout; never throws for HTTP statuses. */
export async function get(url: string, timeoutMs = 5000): Promise<{ status: number; text: string; json?: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}
