/**
 * Benchmarks of the local App Platform driven through its HTTP API (and the typed client):
 * - benchApiThroughput: requests per second its API sustains (GET /v2/apps/{id}, GET /v2/apps with 20 apps), with the
 *   platform in its own process (`odoobo platform start`, as the extension runs it) so that load generator and server
 *   each have a core of the 2;
 * - benchDeployToActive: time from POST deployments to ACTIVE, split into the platform's own overhead (simulated
 *   component) and a trivial real FastAPI skill's start-up, which is also measured directly.
 * Everything binds 127.0.0.1, is bounded in time and stops what it started.
 */
import { ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as readline from 'node:readline';
import { Pool } from 'undici';
import { AppPlatformClient } from '../src/core/do/client';
import { waitForDeployment } from '../src/core/do/progress';
import type { AppSpec, Deployment } from '../src/core/do/schemas';
import { startLocalPlatform } from '../src/platform/index';
import { simulatedSpec } from '../test/builders/clientPlatform';
import { git, RepoFixture } from '../test/builders/repo';
import { median } from './stats';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = '/usr/bin/python3';


function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ── API throughput ──────────────────────────────────────────────────────────────────────────────────────────────

/** A local App Platform in a child process (`odoobo platform start`, run by tsx), stopped by `stop()`. */
interface ChildPlatform {
  url: string;
  token: string;
  stop(): Promise<void>;
}

async function startChildPlatform(dataDir: string, extraArgs: string[]): Promise<ChildPlatform> {
  const token = randomBytes(16).toString('hex');
  const child: ChildProcess = fork(path.join(ROOT, 'src/cli/odoobo.ts'), ['platform', 'start', '--port', '0', '--data-dir', dataDir, '--python', PYTHON, ...extraArgs], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ODOOBO_LOCAL_TOKEN: token },
    // With an IPC channel, the platform stops itself when this process goes away.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (l) => {
    stderr.push(l);
    if (stderr.length > 50) stderr.shift();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the platform did not start within 30 s: ${stderr.join('\n')}`)), 30_000);
      readline.createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the platform exited during start-up (${signal ?? code}): ${stderr.join('\n')}`));
      });
    });
    return { url, token, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface ThroughputRow {
  /** What was requested, and how. */
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Mean response body size (undici rows; the client row parses bodies instead of counting them). */
  bytes?: number;
}

export interface ApiThroughputFigures {
  seconds: number;
  concurrency: number;
  apps: number;
  /** Where the platform ran. */
  platform: string;
  rows: ThroughputRow[];
  totalMs: number;
}

/** Runs `concurrency` loops of `one()` for `seconds` (after a short warm-up); latencies per request. */
async function load(name: string, seconds: number, concurrency: number, one: (i: number) => Promise<number | undefined>): Promise<ThroughputRow> {
  const warmUntil = performance.now() + Math.min(500, seconds * 200);
  const run = async (until: number, record: boolean, out: { lat: number[]; errors: number; bytes: number; sized: boolean }): Promise<void> => {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = w; performance.now() < until; i += concurrency) {
          const s = performance.now();
          try {
            const size = await one(i);
            if (record) {
              out.lat.push(performance.now() - s);
              out.bytes += size ?? 0;
              out.sized ||= size !== undefined;
            }
          } catch {
            if (record) out.errors++;
          }
        }
      }),
    );
  };
  await run(warmUntil, false, { lat: [], errors: 0, bytes: 0, sized: false });
  const out = { lat: [] as number[], errors: 0, bytes: 0, sized: false };
  const start = performance.now();
  await run(start + seconds * 1000, true, out);
  const elapsed = (performance.now() - start) / 1000;
  const sorted = out.lat.sort((a, b) => a - b);
  return {
    name,
    requests: sorted.length + out.errors,
    errors: out.errors,
    rps: round(sorted.length / elapsed, 1),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
    ...(out.sized ? { bytes: Math.round(out.bytes / Math.max(1, sorted.length)) } : {}),
  };
}

/**
 * Requests per second the local App Platform's API sustains, with `concurrency` requests in flight: GET /v2/apps/{id}
 * and GET /v2/apps (20 apps, one page) over undici, and GET /v2/apps/{id} through AppPlatformClient (zod-validated,
 * no client-side budget). The platform runs in its own process with `--no-rate-limit` and simulated components.
 */
export async function benchApiThroughput(options: { seconds?: number; concurrency?: number; apps?: number } = {}): Promise<ApiThroughputFigures> {
  const seconds = options.seconds ?? 3;
  const concurrency = options.concurrency ?? 16;
  const appCount = options.apps ?? 20;
  const t0 = performance.now();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-bench-platform-'));
  let platform: ChildPlatform | undefined;
  let client: AppPlatformClient | undefined;
  let pool: Pool | undefined;
  try {
    platform = await startChildPlatform(dataDir, ['--no-rate-limit', '--faults', JSON.stringify({ simulate: true })]);
    const { url, token } = platform;
    client = new AppPlatformClient({ baseUrl: url, token, budget: false, connections: concurrency });
    const ids: string[] = [];
    for (let i = 0; i < appCount; i++) {
      const app = await client.createApp(simulatedSpec(`bench-app-${String(i).padStart(2, '0')}`));
      ids.push(app.id);
      await waitForDeployment(client, app.id, app.pending_deployment!.id!, { pollIntervalMs: 10, timeoutMs: 30_000 });
    }
    pool = new Pool(url, { connections: concurrency, pipelining: 1 });
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const get = async (p: string): Promise<number> => {
      const res = await pool!.request({ method: 'GET', path: p, headers });
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${p}: ${res.statusCode}`);
      return body.length;
    };
    const rows: ThroughputRow[] = [];
    rows.push(await load('GET /v2/apps/{id} (undici)', seconds, concurrency, (i) => get(`/v2/apps/${ids[i % ids.length]}`)));
    rows.push(await load(`GET /v2/apps, ${appCount} apps (undici)`, seconds, concurrency, () => get('/v2/apps')));
    const c = client;
    rows.push(await load('client.getApp (AppPlatformClient, zod-validated)', seconds, concurrency, async (i) => {
      await c.getApp(ids[i % ids.length]);
      return undefined;
    }));
    return { seconds, concurrency, apps: appCount, platform: 'child process (odoobo platform start --no-rate-limit, simulated components)', rows, totalMs: Math.round(performance.now() - t0) };
  } finally {
    await pool?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await platform?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

// ── Deploy to ACTIVE ────────────────────────────────────────────────────────────────────────────────────────────

const TINY_SKILL = `from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "skill": "tiny"}
`;

export interface DeployRun {
  /** POST deployments → the client saw ACTIVE (polling every 5 ms). */
  observedMs: number;
  /** created_at → phase_last_updated_at of the ACTIVE deployment (the platform's own clock). */
  serverMs: number;
  /** The build stage (git clone at the branch head for a real skill). */
  buildMs: number;
  /** The deploy stage's health wait: process spawn → health check passed. */
  healthWaitMs: number;
}

export interface DeployToActiveFigures {
  runs: number;
  /** (a) Simulated component, zero phase durations: the platform's own overhead. */
  simulated: { medianObservedMs: number; medianServerMs: number; runs: DeployRun[] };
  /** (b) A trivial real FastAPI skill (uvicorn on /usr/bin/python3) from a local git repository. */
  realSkill: { medianObservedMs: number; medianServerMs: number; medianBuildMs: number; medianHealthWaitMs: number; runs: DeployRun[] };
  /** (b) − (a), medians of the observed times. */
  skillStartupDerivedMs: number;
  /** The same run command spawned directly: spawn → first 200 on /health (polling every 5 ms). */
  skillStartupDirectMs: { median: number; runs: number[] };
  /** The platform's health-check period during the bench (its poll granularity). */
  healthPeriodMs: number;
  totalMs: number;
}

function stepSpan(d: Deployment, ...names: string[]): number {
  let steps = d.progress?.steps;
  let found: { started_at?: string; ended_at?: string } | undefined;
  for (const n of names) {
    found = steps?.find((s) => s.name === n);
    steps = (found as { steps?: typeof steps } | undefined)?.steps;
  }
  if (!found?.started_at || !found.ended_at) return NaN;
  return Date.parse(found.ended_at) - Date.parse(found.started_at);
}

async function deployOnce(client: AppPlatformClient, appId: string): Promise<DeployRun> {
  const t = performance.now();
  const created = await client.createDeployment(appId);
  const done = await waitForDeployment(client, appId, created.id, { pollIntervalMs: 5, timeoutMs: 60_000 });
  const observedMs = performance.now() - t;
  if (done.phase !== 'ACTIVE') throw new Error(`deployment ${done.id} ended ${done.phase}`);
  const component = done.spec?.services?.[0]?.name ?? 'web';
  return {
    observedMs: round(observedMs),
    serverMs: Date.parse(done.phase_last_updated_at ?? '') - Date.parse(done.created_at ?? ''),
    buildMs: stepSpan(done, 'build'),
    healthWaitMs: stepSpan(done, 'deploy', 'components', component, 'wait'),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawns uvicorn for the skill in `dir` on a free port; answers the time until GET /health answers 200. */
async function directStartup(dir: string): Promise<number> {
  const port = await freePort();
  const t = performance.now();
  const child = spawn(PYTHON, ['-m', 'uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(port)], { cwd: dir, stdio: 'ignore', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  try {
    const deadline = t + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`uvicorn exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return round(performance.now() - t);
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) throw new Error('the skill did not answer /health within 30 s');
      await sleep(5);
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

/**
 * Time from POST /v2/apps/{id}/deployments to ACTIVE: (a) with a simulated component (fault `simulate`, zero phase
 * durations) = the platform's own overhead; (b) with a trivial real FastAPI skill = the total; skill start-up ≈ (b) − (a),
 * and measured directly by spawning the same uvicorn command. Medians of `runs` each.
 */
export async function benchDeployToActive(options: { runs?: number } = {}): Promise<DeployToActiveFigures> {
  const runs = options.runs ?? 3;
  const healthPeriodMs = 20;
  const t0 = performance.now();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-bench-deploy-'));
  const repo = await RepoFixture.create({ origin: true, prefix: 'odoobo-bench-deploy-repo-' });
  const token = randomBytes(16).toString('hex');
  let handle: Awaited<ReturnType<typeof startLocalPlatform>> | undefined;
  let client: AppPlatformClient | undefined;
  try {
    await repo.write('skills/tiny/main.py', TINY_SKILL);
    await repo.commitAll('tiny skill');
    await git(repo.dir, 'push', '-q', 'origin', 'main');
    handle = await startLocalPlatform({
      port: 0,
      dataDir,
      token,
      python: PYTHON,
      rateLimit: false,
      faults: { simulate: true },
      healthChecks: { periodMs: healthPeriodMs, initialDelayMs: 0, timeoutMs: 2_000, startupGraceMs: 30_000 },
      shutdownGraceSeconds: 3,
    });
    const c = (client = new AppPlatformClient({ baseUrl: handle.url, token, budget: false }));
    const setFaults = async (faults: object): Promise<void> => {
      const res = await fetch(`${handle!.url}/_local/faults`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(faults) });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`PUT /_local/faults: ${res.status}`);
    };

    // (a) simulated component, zero phase durations.
    const sim = await c.createApp(simulatedSpec('bench-sim'));
    await waitForDeployment(c, sim.id, sim.pending_deployment!.id!, { pollIntervalMs: 5, timeoutMs: 30_000 });
    const simRuns: DeployRun[] = [];
    for (let i = 0; i < runs; i++) simRuns.push(await deployOnce(c, sim.id));

    // (b) a trivial real FastAPI skill, cloned from the repository's origin and run by uvicorn.
    await setFaults({});
    const spec: AppSpec = {
      name: 'bench-tiny',
      region: 'fra',
      services: [
        {
          name: 'tiny',
          git: { repo_clone_url: repo.originDir, branch: 'main' },
          source_dir: 'skills/tiny',
          run_command: 'uvicorn main:app --port $PORT',
          http_port: 8080,
          instance_size_slug: 'apps-s-1vcpu-0.5gb',
          health_check: { http_path: '/health' },
          // The superseded deployment stops at once (no drain wait, short grace) so runs do not overlap much.
          termination: { drain_seconds: 1, grace_period_seconds: 1 },
        },
      ],
    };
    const real = await c.createApp(spec);
    await waitForDeployment(c, real.id, real.pending_deployment!.id!, { pollIntervalMs: 5, timeoutMs: 60_000 });
    const realRuns: DeployRun[] = [];
    for (let i = 0; i < runs; i++) {
      realRuns.push(await deployOnce(c, real.id));
      await sleep(1_500); // let the superseded process stop before the next run
    }

    // The same run command, spawned directly.
    const direct: number[] = [];
    for (let i = 0; i < runs; i++) direct.push(await directStartup(path.join(repo.dir, 'skills', 'tiny')));

    const simulated = { medianObservedMs: median(simRuns.map((r) => r.observedMs)), medianServerMs: median(simRuns.map((r) => r.serverMs)), runs: simRuns };
    const realSkill = {
      medianObservedMs: median(realRuns.map((r) => r.observedMs)),
      medianServerMs: median(realRuns.map((r) => r.serverMs)),
      medianBuildMs: median(realRuns.map((r) => r.buildMs)),
      medianHealthWaitMs: median(realRuns.map((r) => r.healthWaitMs)),
      runs: realRuns,
    };
    return {
      runs,
      simulated,
      realSkill,
      skillStartupDerivedMs: round(realSkill.medianObservedMs - simulated.medianObservedMs),
      skillStartupDirectMs: { median: median(direct), runs: direct },
      healthPeriodMs,
      totalMs: Math.round(performance.now() - t0),
    };
  } finally {
    await client?.close().catch(() => undefined);
    await handle?.stop();
    await repo.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  // `node --import tsx bench/platform.ts`: both benchmarks, one JSON object.
  void (async () => {
    const api = await benchApiThroughput();
    const deploy = await benchDeployToActive();
    process.stdout.write(JSON.stringify({ api, deploy }, null, 2) + '\n');
  })().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
