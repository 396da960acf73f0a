/** A history record as a notice (the same facts: what the history keeps is what the channels hear). */
import type { HistoryRecord } from '../history/schema';
import type { DeployNotice } from './types';

export function noticeOf(r: HistoryRecord, mitigation?: string): DeployNotice {
  const rb = r.rollback;
  const to = rb?.toDeploymentId ? { toDeploymentId: rb.toDeploymentId } : {};
  return {
    kind: r.kind,
    skill: r.skill,
    environment: r.environment,
    target: r.target,
    outcome: r.outcome,
    at: r.at,
    ...(r.commit ? { commit: r.commit } : {}),
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    ...(r.liveUrl ? { liveUrl: r.liveUrl } : {}),
    ...(r.deploymentId ? { deploymentId: r.deploymentId } : {}),
    ...(r.code ? { code: r.code } : {}),
    ...(r.message ? { message: r.message } : {}),
    ...(mitigation ? { mitigation } : {}),
    ...(r.who ? { who: r.who } : {}),
    ...(rb ? { rollback: { trigger: rb.trigger, status: rb.status, ...to } } : {}),
    ...(r.incident?.issueUrl ? { incidentUrl: r.incident.issueUrl } : {}),
  };
}
