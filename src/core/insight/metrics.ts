/**
 * The procedure's success metrics from the deployment history, per skill, per environment and overall, over a window:
 * success, failure and rollback rates, median and p90 deployment time, each stage's median against the SOP's table,
 * mean time to recovery and deploy frequency, each with its SOP level. Definitions:
 * - a deploy is a `deploy` record; canceled ones count as deploys but not in the rates (nobody's failure);
 * - success rate = succeeded / (succeeded + failed + rolled back); failure rate = 1 − success rate;
 * - rollback rate = (automatic rollbacks that ran + manual rollbacks) / finished deploys;
 * - deployment times are those of successful deploys (start to record); median of an even count is the mean of
 *   the two middle values, p90 is the nearest rank (the ⌈0.9·n⌉-th smallest);
 * - MTTR: from the end of a failed deploy (the first of a run of failures) to the end of the next successful deploy
 *   of the same skill and environment, averaged over recoveries inside the window.
 */
import type { HistoryRecord } from '../history/schema';
import { levelOf, SOP_STAGES, SOP_THRESHOLDS, worst, type Level } from './sop';

export interface Rated {
  readonly value: number;
  readonly level: Level;
}

export interface StageMetric {
  readonly stage: string;
  readonly budgetMs: number;
  /** Deploys that ran the stage. */
  readonly count: number;
  readonly medianMs?: number;
  /** Over its budget: warning. */
  readonly level: Level;
}

export interface Metrics {
  readonly deploys: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly rolledBack: number;
  readonly canceled: number;
  /** Automatic rollbacks that ran plus manual ones. */
  readonly rollbacks: number;
  readonly successRate?: Rated;
  readonly failureRate?: Rated;
  readonly rollbackRate?: Rated;
  readonly medianDeployMs?: Rated;
  readonly p90DeployMs?: Rated;
  readonly stages: readonly StageMetric[];
  readonly mttrMs?: number;
  readonly recoveries: number;
  /** Failures not followed by a successful deploy yet. */
  readonly unrecovered: number;
  readonly deploysPerDay: number;
  /** The worst level of the figures above. */
  readonly level: Level;
}

/** A deployment shown as slow: over the SOP's time thresholds, or a stage over its budget. */
export interface SlowDeployment {
  readonly skill: string;
  readonly environment: string;
  readonly at: string;
  readonly durationMs: number;
  readonly level: Level;
  readonly stagesOver: ReadonlyArray<{ stage: string; durationMs: number; budgetMs: number }>;
}

export interface InsightReport {
  readonly since: string;
  readonly until: string;
  readonly environment?: string;
  readonly overall: Metrics;
  readonly bySkill: Readonly<Record<string, Metrics>>;
  readonly byEnvironment: Readonly<Record<string, Metrics>>;
  readonly slow: readonly SlowDeployment[];
}

export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest rank: the ⌈p·n⌉-th smallest value. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}

const isDeploy = (r: HistoryRecord) => r.kind === 'deploy';
const isSuccess = (r: HistoryRecord) => r.outcome === 'succeeded' || r.outcome === 'succeeded-but-canceled';
const isFailure = (r: HistoryRecord) => r.outcome === 'failed' || r.outcome === 'rolled-back';
const endOf = (r: HistoryRecord) => Date.parse(r.at) + (r.durationMs ?? 0);

/** A stage's time in one deploy: the sum of its steps' durations (undefined when none of them ran). */
function stageMs(r: HistoryRecord, steps: readonly string[]): number | undefined {
  const mine = r.steps.filter((s) => steps.includes(s.name) && s.status !== 'skipped');
  return mine.length ? mine.reduce((a, s) => a + s.durationMs, 0) : undefined;
}

function rate(part: number, whole: number, threshold: { warning: number; critical: number }): Rated | undefined {
  if (!whole) return undefined;
  const value = part / whole;
  return { value, level: levelOf(value, threshold) };
}

/** MTTR over the records of one skill and environment, oldest first. */
function recoveriesOf(records: readonly HistoryRecord[]): { times: number[]; unrecovered: number } {
  const times: number[] = [];
  let failedAt: number | undefined;
  for (const r of records) {
    if (!isDeploy(r)) continue;
    if (isFailure(r)) failedAt ??= endOf(r);
    else if (isSuccess(r) && failedAt !== undefined) {
      times.push(endOf(r) - failedAt);
      failedAt = undefined;
    }
  }
  return { times, unrecovered: failedAt === undefined ? 0 : 1 };
}

export function computeMetrics(records: readonly HistoryRecord[], windowDays: number): Metrics {
  const deploys = records.filter(isDeploy);
  const succeeded = deploys.filter(isSuccess);
  const failed = deploys.filter((r) => r.outcome === 'failed').length;
  const rolledBack = deploys.filter((r) => r.outcome === 'rolled-back').length;
  const canceled = deploys.filter((r) => r.outcome === 'canceled').length;
  const finished = succeeded.length + failed + rolledBack;
  const automatic = deploys.filter((r) => r.rollback && r.rollback.status !== 'skipped').length;
  const manual = records.filter((r) => r.kind === 'rollback').length;
  const rollbacks = automatic + manual;
  const times = succeeded.flatMap((r) => (r.durationMs !== undefined ? [r.durationMs] : []));
  const med = median(times);
  const p90 = percentile(times, 0.9);
  const stages: StageMetric[] = SOP_STAGES.map((st) => {
    const ms = deploys.flatMap((r) => stageMs(r, st.steps) ?? []);
    const m = median(ms);
    const level: Level = m !== undefined && m > st.budgetMs ? 'warning' : 'ok';
    return { stage: st.name, budgetMs: st.budgetMs, count: ms.length, ...(m !== undefined ? { medianMs: m } : {}), level };
  });
  const bySeries = new Map<string, HistoryRecord[]>();
  for (const r of records) {
    const k = `${r.skill}\n${r.environment}`;
    bySeries.set(k, [...(bySeries.get(k) ?? []), r]);
  }
  const rec = [...bySeries.values()].map(recoveriesOf);
  const recoveryTimes = rec.flatMap((x) => x.times);
  const failureRate = rate(failed + rolledBack, finished, SOP_THRESHOLDS.failureRate);
  // judged by the failure rate: 1 − 0.98 is not exactly 0.02 in floating point
  const successRate = failureRate ? { value: succeeded.length / finished, level: failureRate.level } : undefined;
  const rollbackRate = rate(rollbacks, finished, SOP_THRESHOLDS.rollbackRate);
  const medianDeployMs = med !== undefined ? { value: med, level: levelOf(med, SOP_THRESHOLDS.deployTimeMs) } : undefined;
  const p90DeployMs = p90 !== undefined ? { value: p90, level: levelOf(p90, SOP_THRESHOLDS.deployTimeMs) } : undefined;
  const level = worst([failureRate?.level, rollbackRate?.level, medianDeployMs?.level, p90DeployMs?.level, ...stages.map((s) => s.level)]);
  return {
    deploys: deploys.length,
    succeeded: succeeded.length,
    failed,
    rolledBack,
    canceled,
    rollbacks,
    ...(successRate ? { successRate } : {}),
    ...(failureRate ? { failureRate } : {}),
    ...(rollbackRate ? { rollbackRate } : {}),
    ...(medianDeployMs ? { medianDeployMs } : {}),
    ...(p90DeployMs ? { p90DeployMs } : {}),
    stages,
    ...(recoveryTimes.length ? { mttrMs: recoveryTimes.reduce((a, b) => a + b, 0) / recoveryTimes.length } : {}),
    recoveries: recoveryTimes.length,
    unrecovered: rec.reduce((a, x) => a + x.unrecovered, 0),
    deploysPerDay: windowDays > 0 ? deploys.length / windowDays : 0,
    level,
  };
}

/** Deploys over the SOP's time thresholds or with a stage over its budget, slowest first. */
export function slowDeployments(records: readonly HistoryRecord[]): SlowDeployment[] {
  const out: SlowDeployment[] = [];
  for (const r of records) {
    if (!isDeploy(r) || r.durationMs === undefined) continue;
    const stagesOver = SOP_STAGES.flatMap((st) => {
      const ms = stageMs(r, st.steps);
      return ms !== undefined && ms > st.budgetMs ? [{ stage: st.name, durationMs: ms, budgetMs: st.budgetMs }] : [];
    });
    const level = levelOf(r.durationMs, SOP_THRESHOLDS.deployTimeMs);
    if (level === 'ok' && !stagesOver.length) continue;
    out.push({ skill: r.skill, environment: r.environment, at: r.at, durationMs: r.durationMs, level, stagesOver });
  }
  return out.sort((a, b) => b.durationMs - a.durationMs);
}

export interface ReportOptions {
  readonly since: Date;
  readonly until?: Date;
  /** Only this environment's records. */
  readonly environment?: string;
}

const DAY_MS = 86_400_000;

/** The report over the window [since, until], of one environment or all. */
export function buildReport(all: readonly HistoryRecord[], options: ReportOptions): InsightReport {
  const until = options.until ?? new Date();
  const inWindow = (r: HistoryRecord) => {
    const t = Date.parse(r.at);
    return t >= options.since.getTime() && t <= until.getTime();
  };
  const records = all.filter((r) => inWindow(r) && (!options.environment || r.environment === options.environment));
  const days = (until.getTime() - options.since.getTime()) / DAY_MS;
  const group = (key: (r: HistoryRecord) => string) => {
    const m = new Map<string, HistoryRecord[]>();
    for (const r of records) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
    return Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, computeMetrics(v, days)]));
  };
  return {
    since: options.since.toISOString(),
    until: until.toISOString(),
    ...(options.environment ? { environment: options.environment } : {}),
    overall: computeMetrics(records, days),
    bySkill: group((r) => r.skill),
    byEnvironment: group((r) => r.environment),
    slow: slowDeployments(records),
  };
}
