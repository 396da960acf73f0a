// Deploy plans: for N skills, one at a time vs parallel (cap 5) vs all at once (cap N), on the local App Platform
// with simulated components (no real processes) and fault injection's phase durations. Figures: wall time, speedup,
// orchestration overhead over the ideal ceil(N / cap) × one deploy, API requests per deployment (counted by the
// client's metered budget: every attempt, retries included), and the most requests in any 60-s window (≤ 250).
//
// Run alone: `node --import tsx bench/deploy.ts [--json] [--ns 5,20,50] [--build-ms 2000] [--deploy-ms 1000]`.
// Each N gets a fresh platform in its own process (its own event loop; on 2 cores it shares them with the client). A
// first plan creates the apps; the runs compared then redeploy them (the common case), each with its own metered client
// budget (250 a minute). A floor (platformFloor) shows what N deployments at once cost before any orchestration.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkHealth, createDeployClient, DeployTimings, MeteredBudget, planDeploy, type PlanResult } from '../src/core/deploy';
import { wait } from '../src/core/util/wait';
import { startLocalPlatform } from '../src/platform/index';
import { git, RepoFixture } from '../test/builders/repo';
import { median } from './stats';

export interface BenchDeployOptions {
  ns?: number[];
  buildMs?: number;
  deployMs?: number;
  /** Parallel cap besides N (default 5). */
  cap?: number;
  /** One-at-a-time runs are measured on at most this many skills and extrapolated beyond (default 20). */
  sequentialSample?: number;
  /** Poll grid / longest wait (ms): small relative to the phase durations (default 40 / 2000). */
  poll?: { minMs: number; maxMs: number };
  /** Each parallel run is repeated this many times and the one with the median wall time reported (default 3). */
  repeats?: number;
  log?: (line: string) => void;
}

export interface DeployRunFigures {
  mode: 'one at a time' | `cap ${number}`;
  cap: number;
  wallMs: number;
  /** For one at a time: true when measured on `measured` skills and extrapolated to N. */
  extrapolated: boolean;
  measured: number;
  speedup: number;
  /** ceil(N / cap) × one deploy. */
  idealMs: number;
  overheadPct: number;
  requests: number;
  requestsPerDeployment: number;
  maxRequestsPer60s: number;
  succeeded: number;
  /** Median duration of each step over the run's skills (ms): where the time goes. */
  stepMedians: Record<string, number>;
  /** When the last deployment's create step finished and when the last one was seen ACTIVE (ms after the plan started). */
  lastCreatedMs: number;
  lastActiveMs: number;
  /** By the platform's clock: when the last deployment was created and when the last one went ACTIVE. */
  serverLastCreatedMs: number;
  serverLastActiveMs: number;
  /** Median time from ACTIVE (platform clock) to the pipeline seeing it. */
  detectionMs: number;
}

export interface DeployBenchFigures {
  n: number;
  buildMs: number;
  deployMs: number;
  /** One deploy through the whole pipeline (median of the one-at-a-time runs' per-skill times). */
  oneDeployMs: number;
  /** oneDeployMs − (buildMs + deployMs): the pipeline's own time per deploy (lint, API calls, polls, checks, records). */
  pipelinePerDeployMs: number;
  /** The first deploy of every skill (creates the apps), all at once; not part of the comparison. */
  firstDeploy: { cap: number; wallMs: number; requests: number; maxRequestsPer60s: number };
  /** The floor under cap N: part of the procedure by the leanest client, one alone vs N at once (no pipeline). */
  platformFloor: PlatformFloor;
  runs: DeployRunFigures[];
  /** Each parallel run: the median (by wall time) of this many. */
  repeats: number;
  /** Cap N's wall time over the floor's N at once, in percent: the median of interleaved pairs (target ≤ 2 %). */
  capNOverFloorPct: number;
  targets: { speedupOk: boolean; overheadOk: boolean; rateOk: boolean; capNOverFloorOk: boolean };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `skill-${String(i).padStart(3, '0')}`);

interface PlatformProcess {
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** A local App Platform in a child process (its own event loop and core), simulating components. */
async function startPlatformProcess(origin: string, faults: object): Promise<PlatformProcess> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-bench-platform-'));
  const token = `bench-${randomBytes(24).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', __filename], {
    env: { ...process.env, ODOOBO_BENCH_PLATFORM: JSON.stringify({ dataDir, token, origin, faults }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the platform process exited (${code}) before listening: ${out}`)));
  });
  return {
    url,
    token,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function runPlan(
  platform: PlatformProcess,
  repo: RepoFixture,
  skills: string[],
  cap: number,
  timings: DeployTimings,
  poll: { minMs: number; maxMs: number },
): Promise<{
  wallMs: number;
  result: PlanResult;
  budget: MeteredBudget;
  lastCreatedMs: number;
  lastActiveMs: number;
  serverLastCreatedMs: number;
  serverLastActiveMs: number;
  detectionMs: number;
}> {
  const budget = new MeteredBudget({ limit: 250, windowMs: 60_000 });
  const { client } = createDeployClient({ baseUrl: platform.url, token: platform.token, budget });
  try {
    const start = performance.now();
    const startEpoch = Date.now();
    const seenActive = new Map<string, number>();
    let lastCreatedMs = 0;
    let lastActiveMs = 0;
    const result = await planDeploy({
      repoRoot: repo.dir,
      client,
      budget,
      target: 'local',
      skills,
      concurrency: cap,
      poll,
      timings,
      timeoutMs: 120_000,
      onEvent: (e) => {
        if (e.type === 'step-finished' && e.step === 'create') lastCreatedMs = performance.now() - start;
        if (e.type === 'phase-changed' && e.to === 'ACTIVE') {
          lastActiveMs = performance.now() - start;
          seenActive.set(e.deploymentId, e.at);
        }
      },
    });
    const wallMs = performance.now() - start;
    const bad = result.results.filter((r) => r.status !== 'succeeded');
    if (bad.length) throw new Error(`bench deploys failed: ${bad.slice(0, 3).map((r) => `${r.skill}: ${r.error?.code} ${r.error?.message}`).join('; ')}`);
    // The platform's clock (same machine): when each deployment was created and went ACTIVE; read outside the budget.
    const { client: reader } = createDeployClient({ baseUrl: platform.url, token: platform.token, budget: new MeteredBudget({ limit: 1_000_000 }) });
    const server = await Promise.all(result.results.map((r) => reader.getDeployment(r.appId!, r.deploymentId!))).finally(() => reader.close());
    const serverLastCreatedMs = Math.max(...server.map((d) => Date.parse(d.created_at ?? '') - startEpoch));
    const serverLastActiveMs = Math.max(...server.map((d) => Date.parse(d.phase_last_updated_at ?? '') - startEpoch));
    const detectionMs = median(server.map((d) => (seenActive.get(d.id) ?? NaN) - Date.parse(d.phase_last_updated_at ?? '')).filter(Number.isFinite));
    return { wallMs, result, budget, lastCreatedMs, lastActiveMs, serverLastCreatedMs, serverLastActiveMs, detectionMs };
  } finally {
    await client.close();
  }
}

/** The floor without the pipeline (see platformFloor). */
export interface PlatformFloor {
  /** Median wall time of one deployment alone: create → seen ACTIVE → health 200. */
  oneMs: number;
  /** Median wall time of all N at once, the same way (until the last health 200). */
  allMs: number;
  /** allMs over oneMs: what N at once costs before any orchestration. */
  overheadPct: number;
  /** The median N-at-once round by the platform's clock: when the last deployment was created and went ACTIVE. */
  lastCreatedMs: number;
  lastActiveMs: number;
}

/**
 * The floor under cap N: the leanest client does only part of the procedure, straight through the API — create the
 * deployment, see it ACTIVE (it knows how long the phases take, and polls every 20 ms from just before they end), one
 * health GET through the live URL (the pipeline's own check). No lint, propose, lock, records or pacing. One
 * deployment alone, then all N at once, `repeats` times each (medians). What N at once costs here beyond one alone is
 * the platform's and the machine's: the platform shares the client's cores, so cap N cannot come closer to its ideal.
 */
async function platformFloor(platform: PlatformProcess, appIds: string[], phasesMs: number, repeats: number): Promise<PlatformFloor> {
  const { client } = createDeployClient({ baseUrl: platform.url, token: platform.token, budget: new MeteredBudget({ limit: 1_000_000 }) });
  const round = async (ids: string[]) => {
    const start = Date.now();
    const deps = await Promise.all(ids.map(async (appId) => ({ appId, dep: await client.createDeployment(appId) })));
    const lastCreatedMs = Math.max(...deps.map((d) => Date.parse(d.dep.created_at ?? '') - start));
    const waiting = new Map(deps.map((d) => [d.appId, d.dep.id]));
    const healthy: Promise<void>[] = [];
    let lastActiveMs = 0;
    await wait(Math.max(0, phasesMs - 50 - (Date.now() - start)));
    while (waiting.size > 0) {
      for (const app of await client.listApps({ per_page: 200 })) {
        const id = waiting.get(app.id);
        const a = app.active_deployment;
        if (!id || a?.id !== id) continue;
        waiting.delete(app.id);
        lastActiveMs = Math.max(lastActiveMs, Date.parse(a.phase_last_updated_at ?? '') - start);
        healthy.push(
          checkHealth(app.live_url ?? '', '/health').then((h) => {
            if (!h.ok) throw new Error(`floor: ${app.spec.name} answered ${h.status ?? h.detail}`);
          }),
        );
      }
      if (Date.now() - start > phasesMs + 60_000) throw new Error('floor: deployments did not go ACTIVE within a minute of their phases');
      if (waiting.size > 0) await wait(20);
    }
    await Promise.all(healthy);
    return { wallMs: Date.now() - start, lastCreatedMs, lastActiveMs };
  };
  try {
    const ones: number[] = [];
    const alls: Array<Awaited<ReturnType<typeof round>>> = [];
    for (let i = 0; i < repeats; i++) {
      ones.push((await round([appIds[i % appIds.length]])).wallMs);
      // The superseded deployments drain (1 s) and stop before the next round.
      await wait(1_500);
      alls.push(await round(appIds));
      await wait(1_500);
    }
    const mid = [...alls].sort((a, b) => a.wallMs - b.wallMs)[Math.floor((alls.length - 1) / 2)];
    const oneMs = median(ones);
    return { oneMs, allMs: mid.wallMs, overheadPct: (mid.wallMs / oneMs - 1) * 100, lastCreatedMs: mid.lastCreatedMs, lastActiveMs: mid.lastActiveMs };
  } finally {
    await client.close();
  }
}

/** Cap N may be at most this much (percent) over the floor measured in the same run. */
export const CAP_N_OVER_FLOOR_PCT = 2;

/** Deploy plans at N skills: one at a time, cap 5, cap N. */
export async function benchDeployPlans(options: BenchDeployOptions = {}): Promise<DeployBenchFigures[]> {
  const ns = options.ns ?? [5, 20, 50];
  const buildMs = options.buildMs ?? 2_000;
  const deployMs = options.deployMs ?? 1_000;
  const cap5 = options.cap ?? 5;
  const sample = options.sequentialSample ?? 20;
  const poll = options.poll ?? { minMs: 40, maxMs: 2_000 };
  const repeats = Math.max(1, options.repeats ?? 3);
  const log = options.log ?? (() => undefined);
  const faults = { simulate: true, buildMs, deployMs };
  const all = names(Math.max(...ns));
  const repo = await RepoFixture.create({ prefix: 'odoobo-bench-deploy-', origin: true, skills: all.map((name) => ({ name })) });
  // Deploy times learned by earlier plans pace the polling of later ones, as in one VS Code session.
  const timings = new DeployTimings();
  const out: DeployBenchFigures[] = [];
  try {
    for (const name of all) await git(repo.dir, 'branch', `skill/${name}`);
    await git(repo.dir, 'push', '-q', 'origin', ...all.map((n) => `skill/${n}`));
    for (const n of ns) {
      const skills = all.slice(0, n);
      const measured = Math.min(n, sample);
      const platform = await startPlatformProcess(repo.originDir, faults);
      try {
        // First deploys create the apps (reported, not part of the targets); the runs compared are redeploys.
        log(`N=${n}: first deploy of every skill (creates the apps), cap ${n}…`);
        const first = await runPlan(platform, repo, skills, n, timings, poll);
        log(`N=${n}: the floor: create → ACTIVE → health by the leanest client, one alone and ${n} at once…`);
        const floor = await platformFloor(platform, first.result.results.map((r) => r.appId!), buildMs + deployMs, repeats);
        log(`N=${n}: one at a time${measured < n ? ` (${measured} measured, extrapolated to ${n})` : ''}…`);
        const seq = await runPlan(platform, repo, skills.slice(0, measured), 1, timings, poll);
        const oneDeployMs = median(seq.result.results.map((r) => r.durationMs));
        const seqWall = measured < n ? (seq.wallMs / measured) * n : seq.wallMs;
        const row = (mode: DeployRunFigures['mode'], cap: number, wallMs: number, r: Awaited<ReturnType<typeof runPlan>>, extrapolated: boolean, count: number): DeployRunFigures => {
          const idealMs = Math.ceil(n / cap) * oneDeployMs;
          return {
            mode,
            cap,
            wallMs,
            extrapolated,
            measured: count,
            speedup: seqWall / wallMs,
            idealMs,
            overheadPct: (wallMs / idealMs - 1) * 100,
            requests: extrapolated ? Math.round((r.budget.count / count) * n) : r.budget.count,
            requestsPerDeployment: r.budget.count / count,
            maxRequestsPer60s: r.budget.maxInWindow(60_000),
            succeeded: r.result.succeeded,
            stepMedians: Object.fromEntries(
              [...new Set(r.result.results.flatMap((x) => x.steps.map((st) => st.name)))].map((name) => [name, Math.round(median(r.result.results.flatMap((x) => x.steps.filter((st) => st.name === name).map((st) => st.durationMs))))]),
            ),
            lastCreatedMs: r.lastCreatedMs,
            lastActiveMs: r.lastActiveMs,
            serverLastCreatedMs: r.serverLastCreatedMs,
            serverLastActiveMs: r.serverLastActiveMs,
            detectionMs: r.detectionMs,
          };
        };
        const runs: DeployRunFigures[] = [row('one at a time', 1, seqWall, seq, measured < n, measured)];
        // Parallel runs vary from run to run by a few percent (when the creates and records of N deployments land,
        // fsync latency, which poll sees ACTIVE): each is repeated and the run with the median wall time is reported.
        const medianRun = async (cap: number) => {
          const tries: Awaited<ReturnType<typeof runPlan>>[] = [];
          for (let i = 0; i < repeats; i++) tries.push(await runPlan(platform, repo, skills, cap, timings, poll));
          const sorted = [...tries].sort((a, b) => a.wallMs - b.wallMs);
          log(`N=${n}: cap ${cap} wall ms of the ${repeats} runs: ${tries.map((t) => t.wallMs.toFixed(0)).join(', ')}`);
          return sorted[Math.floor((sorted.length - 1) / 2)];
        };
        log(`N=${n}: cap ${cap5}…`);
        const p5 = await medianRun(cap5);
        runs.push(row(`cap ${cap5}`, cap5, p5.wallMs, p5, false, n));
        if (n !== cap5) {
          log(`N=${n}: cap ${n}…`);
          const pn = await medianRun(n);
          runs.push(row(`cap ${n}`, n, pn.wallMs, pn, false, n));
        }
        // Cap N against the floor, interleaved: a floor round, then a cap-N run, `repeats` times. The target is judged
        // on the median of the paired ratios, so load that drifts over the minutes of a run weighs on both alike.
        log(`N=${n}: cap ${n} against the floor, interleaved…`);
        const paired: number[] = [];
        for (let i = 0; i < repeats; i++) {
          const fl = await platformFloor(platform, first.result.results.map((r) => r.appId!), buildMs + deployMs, 1);
          const capRun = await runPlan(platform, repo, skills, n, timings, poll);
          await wait(1_500);
          paired.push((capRun.wallMs / fl.allMs - 1) * 100);
        }
        log(`N=${n}: cap ${n} over the floor, each pair: ${paired.map((x) => `${x.toFixed(2)} %`).join(', ')}`);
        const parallel = runs.slice(1);
        const capNOverFloorPct = median(paired);
        out.push({
          n,
          buildMs,
          deployMs,
          oneDeployMs,
          pipelinePerDeployMs: oneDeployMs - buildMs - deployMs,
          firstDeploy: { cap: n, wallMs: first.wallMs, requests: first.budget.count, maxRequestsPer60s: first.budget.maxInWindow(60_000) },
          platformFloor: floor,
          runs,
          repeats,
          capNOverFloorPct,
          targets: {
            capNOverFloorOk: capNOverFloorPct <= CAP_N_OVER_FLOOR_PCT,
            speedupOk: parallel.every((r) => r.speedup >= 0.95 * Math.min(n, r.cap)),
            overheadOk: parallel.every((r) => r.overheadPct <= 2),
            rateOk: runs.every((r) => r.maxRequestsPer60s <= 250),
          },
        });
      } finally {
        await platform.stop();
      }
    }
  } finally {
    await repo.remove();
  }
  return out;
}

export function formatDeployBench(figures: DeployBenchFigures[]): string {
  const lines: string[] = [];
  for (const f of figures) {
    lines.push(`N=${f.n} (build ${f.buildMs} ms + deploy ${f.deployMs} ms simulated): one deploy ${f.oneDeployMs.toFixed(0)} ms through the pipeline (${f.pipelinePerDeployMs.toFixed(0)} ms of it not phases)`);
    lines.push(`  first deploy of all ${f.n} (creates the apps, cap ${f.firstDeploy.cap}): ${f.firstDeploy.wallMs.toFixed(0)} ms, ${f.firstDeploy.requests} requests (max ${f.firstDeploy.maxRequestsPer60s}/60 s); the runs below redeploy`);
    const fl = f.platformFloor;
    lines.push(
      `  floor (no pipeline: create → ACTIVE → health by the leanest client, medians of ${f.repeats}): one alone ${fl.oneMs.toFixed(0)} ms, ${f.n} at once ${fl.allMs.toFixed(0)} ms = ${fl.overheadPct.toFixed(2)} % over one alone (platform clock: last created at ${fl.lastCreatedMs} ms, last ACTIVE at ${fl.lastActiveMs} ms); cap ${f.n} is ${f.capNOverFloorPct.toFixed(2)} % over the floor (median of ${f.repeats} interleaved pairs; target ≤ ${CAP_N_OVER_FLOOR_PCT} % ${f.targets.capNOverFloorOk ? 'met' : 'MISSED'})`,
    );
    lines.push(`  mode            wall ms   speedup  target   ideal ms  overhead  req/deploy  max req/60s   (parallel: the median of ${f.repeats} runs)`);
    for (const r of f.runs) {
      const target = r.cap === 1 ? '' : `≥${(0.95 * Math.min(f.n, r.cap)).toFixed(2)}`;
      lines.push(
        `  ${(r.mode + (r.extrapolated ? '*' : '')).padEnd(14)} ${r.wallMs.toFixed(0).padStart(8)}  ${r.speedup.toFixed(2).padStart(7)}  ${target.padEnd(7)} ${r.idealMs.toFixed(0).padStart(9)}  ${(r.overheadPct.toFixed(2) + ' %').padStart(8)}  ${r.requestsPerDeployment.toFixed(2).padStart(10)}  ${String(r.maxRequestsPer60s).padStart(11)}`,
      );
    }
    for (const r of f.runs) {
      lines.push(
        `  ${r.mode}: median step ms ${Object.entries(r.stepMedians).map(([k, v]) => `${k} ${v}`).join(', ')}; platform clock: last created at ${r.serverLastCreatedMs} ms, last ACTIVE at ${r.serverLastActiveMs} ms; ACTIVE seen after ${r.detectionMs.toFixed(0)} ms (median)`,
      );
    }
    lines.push(`  targets: speedup ${f.targets.speedupOk ? 'met' : 'MISSED'}, overhead ≤ 2 % ${f.targets.overheadOk ? 'met' : 'MISSED'}, ≤ 250 requests/60 s ${f.targets.rateOk ? 'met' : 'MISSED'}`);
    const floorOverIdeal = (f.platformFloor.allMs / f.oneDeployMs - 1) * 100;
    if (f.n > 1)
      lines.push(
        `  the floor's ${f.n} at once are ${floorOverIdeal.toFixed(2)} % over cap ${f.n}'s ideal (one deploy through the pipeline)${floorOverIdeal > 2 ? `: no orchestration can bring cap ${f.n} within 2 % on this machine` : ''}`,
      );
    if (f.runs.some((r) => r.extrapolated)) lines.push(`  * measured on ${f.runs[0].measured} skills one at a time and extrapolated linearly to ${f.n} (wall and requests)`);
  }
  return lines.join('\n');
}

// The platform child: `ODOOBO_BENCH_PLATFORM={dataDir, token, origin, faults}`.
if (require.main === module && process.env.ODOOBO_BENCH_PLATFORM) {
  const cfg = JSON.parse(process.env.ODOOBO_BENCH_PLATFORM) as { dataDir: string; token: string; origin: string; faults: object };
  void startLocalPlatform({
    dataDir: cfg.dataDir,
    token: cfg.token,
    port: 0,
    repos: { 'odoobo/odoobo-skills': cfg.origin },
    faults: cfg.faults,
    healthChecks: { periodMs: 100, initialDelayMs: 0, timeoutMs: 3_000 },
    shutdownGraceSeconds: 1,
    // Runs follow each other on one platform: each run's own client budget keeps it ≤ 250 a minute (measured), the
    // platform's limiter (a fixed window per token) would mix runs.
    rateLimit: false,
  }).then((p) => {
    process.stdout.write(`local App Platform listening on ${p.url}\n`);
    const stop = () => void p.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
} else if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const json = args.includes('--json');
  const t0 = performance.now();
  void benchDeployPlans({
    ns: arg('--ns')?.split(',').map(Number),
    buildMs: arg('--build-ms') ? Number(arg('--build-ms')) : undefined,
    deployMs: arg('--deploy-ms') ? Number(arg('--deploy-ms')) : undefined,
    log: (l) => process.stderr.write(l + '\n'),
  }).then(
    (f) => {
      process.stdout.write(json ? JSON.stringify(f, null, 2) + '\n' : formatDeployBench(f) + `\n(bench time ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    },
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exit(1);
    },
  );
}
