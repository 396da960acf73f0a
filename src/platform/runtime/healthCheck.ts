import * as net from 'node:net';
import * as http from 'node:http';
import type { HealthCheckTuning } from '../config';
import type { HealthCheckPlan } from '../spec/appSpec';
import { sleep, throwIfAborted } from '../util/abort';
import { StepFailure } from '../deploy/stepFailure';

export interface ProbeResult {
  readonly ok: boolean;
  /** The connection was refused: nothing listens yet. */
  readonly refused: boolean;
  readonly detail: string;
}

/** One check: HTTP GET on `httpPath` (2xx/3xx is healthy) or, without a path, a TCP connect. */
export async function probe(port: number, httpPath: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  if (!httpPath) {
    return new Promise<ProbeResult>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      const done = (r: ProbeResult): void => {
        socket.destroy();
        resolve(r);
      };
      socket.setTimeout(timeoutMs, () => done({ ok: false, refused: false, detail: `TCP connect timed out after ${timeoutMs} ms` }));
      socket.once('connect', () => done({ ok: true, refused: false, detail: 'TCP connect succeeded' }));
      socket.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, refused: err.code === 'ECONNREFUSED', detail: err.message }));
    });
  }
  return new Promise<ProbeResult>((resolve) => {
    // One connection per check, closed after it (agent: false): a check holds nothing open between periods.
    const req = http.get(
      {
        host: '127.0.0.1', port, path: httpPath, agent: false, timeout: timeoutMs, signal,
        headers: { 'user-agent': 'odoobo-local-app-platform/health-check' },
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 400, refused: false, detail: `GET ${httpPath} answered ${status}` });
        });
        res.once('error', (err) => resolve({ ok: false, refused: false, detail: `GET ${httpPath} failed: ${err.message}` }));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, refused: err.code === 'ECONNREFUSED', detail: `GET ${httpPath} failed: ${err.message}` });
    });
  });
}

export interface HealthWait {
  readonly port: number;
  readonly plan: HealthCheckPlan;
  readonly tuning?: HealthCheckTuning;
  readonly signal: AbortSignal;
  /** Whether the component's process still runs; a dead process fails at once. */
  readonly alive: () => boolean;
  readonly exitDescription: () => string;
  /** Fault injection: every check fails. */
  readonly forceFail?: boolean;
  readonly log: (line: string) => void;
}

/**
 * Readiness as App Platform judges it: wait `initial_delay_seconds`, then check every `period_seconds`; healthy after
 * `success_threshold` consecutive successes, failed after `failure_threshold` consecutive failures.
 */
export async function waitHealthy(w: HealthWait): Promise<void> {
  const t = w.tuning ?? {};
  const initialDelay = t.initialDelayMs ?? w.plan.initialDelaySeconds * 1000;
  const period = t.periodMs ?? w.plan.periodSeconds * 1000;
  const timeout = Math.min(w.plan.timeoutSeconds * 1000, t.timeoutMs ?? Number.POSITIVE_INFINITY);
  const grace = t.startupGraceMs ?? 0;
  const what = w.plan.httpPath ? `HTTP GET ${w.plan.httpPath}` : 'TCP';
  w.log(`health check (${what}) on port ${w.port}: initial delay ${initialDelay} ms, period ${period} ms, timeout ${timeout} ms, `
    + `success threshold ${w.plan.successThreshold}, failure threshold ${w.plan.failureThreshold}`);
  await sleep(initialDelay, w.signal);
  const started = Date.now();
  let successes = 0;
  let failures = 0;
  let last = '';
  for (;;) {
    throwIfAborted(w.signal);
    if (!w.alive()) {
      const message = `Your container exited before it passed its health check: ${w.exitDescription()}.`;
      throw new StepFailure('DeployContainerExitNonZero', message);
    }
    const r = w.forceFail
      ? { ok: false, refused: false, detail: 'health check failed (fault injection)' }
      : await probe(w.port, w.plan.httpPath, timeout, w.signal);
    throwIfAborted(w.signal);
    if (r.ok) {
      successes++;
      failures = 0;
      if (successes >= w.plan.successThreshold) {
        w.log(`health check passed: ${r.detail}`);
        return;
      }
    } else {
      successes = 0;
      const starting = r.refused && w.alive() && Date.now() - started < grace;
      if (!starting) failures++;
      if (r.detail !== last) w.log(`health check: ${r.detail}`);
      last = r.detail;
      if (failures >= w.plan.failureThreshold) {
        const message = `Your app failed its health check ${failures} times in a row (${r.detail}).`;
        throw new StepFailure('DeployContainerHealthChecksFailed', message);
      }
    }
    await sleep(period, w.signal);
  }
}
