/**
 * What the dashboard shows, built from the deploy service's states and App Platform deployments. No `vscode` here:
 * unit tests load it directly. Everything that leaves this module is plain data for the webview, messages redacted.
 */
import { commitOf, DEPLOY_STEPS, flattenSteps, type StepRecord } from '../../core/deploy';
import { deploymentDurationMs } from '../../core/deploy/appHistory';
import { redact, type Deployment } from '../../core/do';
import type { SkillTestResult } from '../../core/status';
import type { SkillDeployState } from '../deployService';
import type { ActionKind, Health, HistoryEntry, ProgressStep, Resources, RowPhase, SkillRow, SmokeSummary, TimelineStep } from './protocol';

/** The deploy service's state of a skill (a type only: nothing of `vscode` is loaded). */
export type DeployStateLike = SkillDeployState;

export interface RowInput {
  readonly skill: string;
  readonly state?: DeployStateLike;
  /** A deploy of this skill runs in this window (so it can be canceled here). */
  readonly running: boolean;
  /** The status file's last smoke test on the current target, when this session ran none. */
  readonly lastTest?: SkillTestResult;
  readonly trusted: boolean;
  /** The health monitor's samples of the skill's app, oldest first (operate/health.ts), when its app was shown. */
  readonly health?: readonly { cpu?: number; mem?: number; ready: number; desired: number }[];
}

const toPercent = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? undefined : Math.min(100, Math.max(0, n)));

/** The latest figures and the CPU of the last minutes, for the health cell's text and sparkline. */
export function resourcesOf(samples: RowInput['health']): Resources | undefined {
  const last = samples?.at(-1);
  if (!samples || !last) return undefined;
  const cpu = toPercent(last.cpu);
  const mem = toPercent(last.mem);
  const cpuHistory = samples.slice(-30).flatMap((x) => {
    const c = toPercent(x.cpu);
    return c === undefined ? [] : [c];
  });
  return { ...(cpu !== undefined ? { cpu } : {}), ...(mem !== undefined ? { mem } : {}), ready: last.ready, desired: last.desired, cpuHistory };
}

const MAX_TEXT = 4000;
const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s);
const clean = (s: string): string => clip(redact(s));

/** The procedure step in flight, from the deploy service's `detail` (a step name or App Platform's progress line). */
export function runningStep(detail: string | undefined): string | undefined {
  if (!detail) return undefined;
  if ((DEPLOY_STEPS as readonly string[]).includes(detail)) return detail;
  if (detail === 'starting' || detail === 'resumed') return 'prepare';
  if (detail === 'post-deploy checks') return 'post-deploy';
  // `BUILDING: 2/6 steps succeeded`: App Platform's progress while the procedure monitors it.
  if (/^[A-Z_]+:/.test(detail)) return 'monitor';
  return undefined;
}

function stepOf(r: StepRecord): TimelineStep {
  return { name: r.name, status: r.status, durationMs: Math.max(0, r.durationMs), ...(r.message ? { message: clean(r.message) } : {}) };
}

/** The procedure's steps: recorded ones after a deploy, else the nine steps around the one in flight. */
export function timeline(state: DeployStateLike | undefined): TimelineStep[] {
  if (state?.result?.steps.length) return state.result.steps.slice(0, 40).map(stepOf);
  if (state?.phase !== 'deploying') return [];
  const current = runningStep(state.detail);
  const at = current ? DEPLOY_STEPS.indexOf(current as (typeof DEPLOY_STEPS)[number]) : -1;
  return DEPLOY_STEPS.map((name, i) => ({ name, status: i < at ? 'succeeded' : i === at ? 'running' : 'pending' }));
}

/** Healthy when the last health check (smoke suite, or the procedure's health step) answered. */
export function healthOf(state: DeployStateLike | undefined): Health {
  if (!state) return { status: 'unknown', message: 'not deployed' };
  const check = state.smoke?.checks.find((c) => c.name === 'health');
  if (check)
    return check.status === 'passed'
      ? { status: 'healthy', message: clean(check.message) }
      : { status: 'unhealthy', message: clean(check.message) };
  const step = state.result?.steps.find((s) => s.name === 'health');
  if (step?.status === 'succeeded') return { status: 'healthy', message: `health check answered in ${Math.round(step.durationMs)} ms` };
  if (step?.status === 'failed') return { status: 'unhealthy', message: clean(step.message ?? 'health check failed') };
  if (state.result?.previousStillServing === true) return { status: 'healthy', message: 'the previous deployment still serves' };
  if (state.result?.previousStillServing === false)
    return { status: 'unhealthy', message: 'the previous deployment does not answer its health check' };
  if (state.servingPrevious) return { status: 'healthy', message: 'the previous deployment still served when the last deploy ended' };
  if (state.phase === 'deploying') return { status: 'unknown', message: 'deploying' };
  return { status: 'unknown', message: 'not checked in this session' };
}

export function smokeOf(state: DeployStateLike | undefined, lastTest: SkillTestResult | undefined): SmokeSummary | undefined {
  const s = state?.smoke;
  if (s) {
    const passedChecks = s.checks.filter((c) => c.status === 'passed').length;
    const failures = s.checks.filter((c) => c.status !== 'passed').slice(0, 20).map((c) => clean(`${c.name}: ${c.message}`));
    return { passed: s.passed, passedChecks, totalChecks: s.checks.length, at: state.at, failures };
  }
  if (!lastTest) return undefined;
  const passedChecks = lastTest.passed ?? 0;
  const at = Date.parse(lastTest.at);
  return {
    passed: lastTest.status === 'passed',
    passedChecks,
    totalChecks: passedChecks + (lastTest.failed ?? 0),
    ...(Number.isFinite(at) ? { at } : {}),
    failures:
      lastTest.status === 'passed' || !lastTest.summary
        ? []
        : lastTest.summary
            .split(', ')
            .filter((x) => !x.endsWith(': passed'))
            .slice(0, 20)
            .map(clean),
  };
}

const HTTP_URL = /^https?:\/\//;

export function rowOf(input: RowInput): SkillRow {
  const { state, running, trusted } = input;
  const phase: RowPhase = state?.phase ?? 'not-deployed';
  const deploying = phase === 'deploying' || running;
  const liveUrl = state?.liveUrl && HTTP_URL.test(state.liveUrl) ? state.liveUrl : undefined;
  const err = state?.result?.error;
  const actions: Record<ActionKind, boolean> = {
    deploy: trusted && !deploying,
    cancel: trusted && running,
    test: trusted && !deploying && phase === 'active',
    rollback: trusted && !deploying && phase !== 'not-deployed',
    logs: phase !== 'not-deployed',
    openUrl: !!liveUrl,
  };
  const smoke = smokeOf(state, input.lastTest);
  const resources = phase === 'not-deployed' ? undefined : resourcesOf(input.health);
  return {
    skill: input.skill,
    phase,
    ...(state?.servingPrevious && phase !== 'deploying' && phase !== 'active' ? { servingPrevious: true } : {}),
    ...(state?.detail ? { detail: clean(state.detail) } : {}),
    ...(state?.deploymentId ? { deploymentId: state.deploymentId } : {}),
    ...(liveUrl ? { liveUrl } : {}),
    ...(state?.commit ? { commit: state.commit } : {}),
    ...(state ? { at: state.at } : {}),
    ...(state?.result ? { durationMs: Math.max(0, state.result.durationMs) } : {}),
    steps: timeline(state),
    ...(err ? { error: { code: err.code, step: err.step, message: clean(err.message), mitigation: clean(err.mitigation) } } : {}),
    health: healthOf(state),
    ...(resources ? { resources } : {}),
    ...(smoke ? { smoke } : {}),
    actions,
  };
}

// ------------------------------------------------------------------------------------------------------------------
// History

/** Milliseconds between two ISO times; undefined for steps that never ran (DigitalOcean sends year 1). */
export function span(start: string | undefined, end: string | undefined): number | undefined {
  if (!start || !end) return undefined;
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b < a) return undefined;
  return b - a;
}

/** One deployment of the history: phase, cause, when, how long, and its progress steps on a common time axis. */
export function historyEntry(d: Deployment): HistoryEntry {
  const flat = flattenSteps(d.progress?.steps);
  const starts = flat.map((s) => (s.startedAt ? Date.parse(s.startedAt) : NaN)).filter((t) => Number.isFinite(t) && t > 0);
  const origin = starts.length ? Math.min(...starts) : undefined;
  const steps: ProgressStep[] = flat.slice(0, 200).map((s) => {
    const duration = span(s.startedAt, s.endedAt);
    const offset = origin !== undefined && duration !== undefined ? Date.parse(s.startedAt!) - origin : undefined;
    return {
      name: clip(s.name),
      depth: Math.min(s.depth, 10),
      status: s.status.slice(0, 32),
      ...(offset !== undefined ? { offsetMs: offset } : {}),
      ...(duration !== undefined ? { durationMs: duration } : {}),
      ...(s.reason ? { reason: clean(s.reason) } : {}),
    };
  });
  const commit = commitOf(d);
  const duration = deploymentDurationMs(d);
  return {
    id: d.id,
    phase: d.phase ?? 'UNKNOWN',
    ...(d.cause ? { cause: clean(d.cause) } : {}),
    ...(d.created_at ? { createdAt: d.created_at } : {}),
    ...(duration !== undefined ? { durationMs: duration } : {}),
    ...(commit ? { commit: commit.slice(0, 64) } : {}),
    steps,
  };
}
