/**
 * Part of step 9 (record): the attempt becomes a line of the deployment history, a rollback opens an incident issue
 * (when a GitHub token is configured), and the channels are told. Manual rollbacks and reverts are recorded the same
 * way (manualRollback.ts). Nothing here fails a deploy: what could not be done is a problem of the record step.
 */
import { loadEnvironments } from '../../environments';
import type { HistoryEntry, HistoryRecord } from '../../history/schema';
import { HistoryStore } from '../../history/store';
import { gitUser } from '../../history/who';
import { openIncident, type IncidentRecord } from '../../incidents/incident';
import type { AlertOptions } from '../../notify/alerts';
import { noticeOf } from '../../notify/notice';
import { sendNotice } from '../../notify/send';
import type { Ending } from '../outcomes';
import type { DeployRun } from '../run';
import type { DeploySession } from '../session';
import type { RollbackResult, StepRecord } from '../types';
import type { RecordNotes } from './recordStatusFile';

const alertsOf = (s: DeploySession): AlertOptions => s.options.alerts ?? {};

/** The deploy's environment as the session resolved it, else the one asked for, else the repository's default. */
async function environmentOf(s: DeploySession): Promise<string> {
  const resolved = s.resolvedEnvironment?.env.name ?? (await s.environment().catch(() => undefined))?.env.name;
  if (resolved ?? s.options.environment) return (resolved ?? s.options.environment)!;
  return (await loadEnvironments(s.options.repoRoot).catch(() => undefined))?.defaultName ?? 'staging';
}

const stepsOf = (steps: readonly StepRecord[]) => steps.map(({ name, status, durationMs }) => ({ name, status, durationMs }));

/** Appends, then tells the channels; every failure is returned as a problem. */
async function appendAndNotify(s: DeploySession, entry: HistoryEntry, mitigation: string | undefined, out: RecordNotes): Promise<void> {
  const alerts = alertsOf(s);
  let record: HistoryRecord;
  try {
    record = await new HistoryStore(await s.commonDir(), alerts.history).append(entry);
    out.notes.push('history recorded');
  } catch (e) {
    out.problems.push(`HISTORY_FAILED: the deployment history could not be written: ${(e as Error).message}`);
    return;
  }
  if (record.incident?.note) (alerts.incidents ? out.problems : out.notes).push(`INCIDENT_NOT_OPENED: ${record.incident.note}`);
  if (record.incident?.issueUrl) out.notes.push(`incident ${record.incident.issueUrl}`);
  for (const p of await sendNotice(alerts.notify, noticeOf(record, mitigation))) out.problems.push(`NOTIFY_FAILED: ${p}`);
}

async function incidentFor(s: DeploySession, facts: Parameters<typeof openIncident>[1]): Promise<IncidentRecord> {
  const config = alertsOf(s).incidents;
  return openIncident(config, facts);
}

export async function recordHistory(run: DeployRun, ending: Ending, now: string): Promise<RecordNotes> {
  try {
    return await recordRun(run, ending, now);
  } catch (e) {
    return { notes: [], problems: [`HISTORY_FAILED: ${(e as Error).message}`] };
  }
}

async function recordRun(run: DeployRun, ending: Ending, now: string): Promise<RecordNotes> {
  const out: RecordNotes = { notes: [], problems: [] };
  const s = run.session;
  if (s.options.status === false) return out;
  const [environment, who] = await Promise.all([environmentOf(s), gitUser(s.options.repoRoot)]);
  const { app, deploymentId, commit } = ending.facts;
  const err = ending.error;
  const rb = ending.rollback;
  const rollback = rb ? rollbackOf('automatic', rb) : undefined;
  const at = new Date(run.started).toISOString();
  let incident: IncidentRecord | undefined;
  if (rb && rb.status !== 'skipped') {
    incident = await incidentFor(s, {
      skill: run.skillName,
      environment,
      target: s.target,
      trigger: 'automatic',
      at: now,
      failed: { deploymentId, commit, code: err?.code, step: err?.step, message: err?.message },
      restored: { status: rb.status, toDeploymentId: rb.toDeploymentId, rollbackDeploymentId: rb.rollbackDeploymentId, commit: rb.commit },
      liveUrl: app?.liveUrl,
      who,
    });
  }
  const entry: HistoryEntry = {
    kind: 'deploy',
    skill: run.skillName,
    environment,
    target: s.target,
    at,
    durationMs: Date.parse(now) - run.started,
    outcome: ending.kind,
    ...(app ? { appId: app.appId } : {}),
    ...(deploymentId ? { deploymentId } : {}),
    ...(commit ? { commit } : {}),
    ...(app?.liveUrl ? { liveUrl: app.liveUrl } : {}),
    ...(who ? { who } : {}),
    ...(err ? { code: err.code, step: err.step, message: err.message } : {}),
    steps: stepsOf(run.steps),
    ...(rollback ? { rollback } : {}),
    ...(incident ? { incident } : {}),
  };
  await appendAndNotify(s, entry, err?.mitigation, out);
  return out;
}

function rollbackOf(trigger: 'automatic' | 'manual', r: RollbackResult) {
  return {
    trigger,
    status: r.status,
    ...(r.fromDeploymentId ? { fromDeploymentId: r.fromDeploymentId } : {}),
    ...(r.toDeploymentId ? { toDeploymentId: r.toDeploymentId } : {}),
    ...(r.rollbackDeploymentId ? { rollbackDeploymentId: r.rollbackDeploymentId } : {}),
  };
}

/**
 * A manual rollback or revert as a history line (and an incident issue for a rollback that ran); never throws. What
 * could not be done is added to the result as a failed `rollback-record` step (the rollback itself stands).
 */
export async function recordManualRollback(
  s: DeploySession,
  skill: string,
  kind: 'rollback' | 'revert',
  result: RollbackResult,
): Promise<void> {
  const out: RecordNotes = { notes: [], problems: [] };
  if (s.options.status === false) return;
  const t0 = Date.now();
  try {
    const [environment, who] = await Promise.all([environmentOf(s), gitUser(s.options.repoRoot)]);
    const durationMs = result.steps.reduce((sum, x) => sum + x.durationMs, 0);
    const now = new Date().toISOString();
    const at = result.steps[0]?.startedAt ?? now;
    const err = result.error;
    const ran = result.rollbackDeploymentId !== undefined;
    const incident =
      kind === 'rollback' && ran
        ? await incidentFor(s, {
          skill,
          environment,
          target: s.target,
          trigger: 'manual',
          at: now,
          failed: { deploymentId: result.fromDeploymentId, ...(err ? { code: err.code, step: err.step, message: err.message } : {}) },
          restored: { status: result.status, toDeploymentId: result.toDeploymentId, rollbackDeploymentId: result.rollbackDeploymentId },
          liveUrl: result.liveUrl,
          who,
        })
        : undefined;
    const entry: HistoryEntry = {
      kind,
      skill,
      environment,
      target: s.target,
      at,
      durationMs,
      outcome: result.status,
      ...(result.appId ? { appId: result.appId } : {}),
      ...(result.rollbackDeploymentId ? { deploymentId: result.rollbackDeploymentId } : {}),
      ...(result.commit ? { commit: result.commit } : {}),
      ...(result.liveUrl ? { liveUrl: result.liveUrl } : {}),
      ...(who ? { who } : {}),
      ...(err ? { code: err.code, step: err.step, message: err.message } : {}),
      steps: stepsOf(result.steps),
      rollback: rollbackOf('manual', result),
      ...(incident ? { incident } : {}),
    };
    await appendAndNotify(s, entry, err?.mitigation, out);
  } catch (e) {
    out.problems.push(`HISTORY_FAILED: ${(e as Error).message}`);
  }
  if (out.problems.length) {
    const message = out.problems.join('; ');
    const startedAt = new Date(t0).toISOString();
    result.steps.push({ name: 'rollback-record', status: 'failed', startedAt, durationMs: Date.now() - t0, message });
  }
}
