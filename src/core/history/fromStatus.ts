/**
 * A repository whose history file is missing (written before there was one) still reads as a history: its status
 * file's last deployments, last failed attempt and incidents become records marked `fromStatusFile`.
 */
import type { SkillStatus, StatusFile } from '../status/schema';
import type { HistoryRecord } from './schema';

type Loose = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The per-environment entries of a skill (the newer status layout), else its top-level fields as `fallbackEnv`. */
function environmentsOf(s: SkillStatus, fallbackEnv: string): Array<[string, Loose]> {
  const envs = (s as Loose).environments;
  if (envs && typeof envs === 'object' && !Array.isArray(envs)) {
    const list = Object.entries(envs as Record<string, unknown>).filter((e): e is [string, Loose] => !!e[1] && typeof e[1] === 'object');
    if (list.length) return list;
  }
  return [[fallbackEnv, s]];
}

type Base = Pick<HistoryRecord, 'v' | 'id' | 'kind'> & Loose;

function base(skill: string, environment: string, target: string, at: string, key: string): Base {
  const id = `status:${skill}:${environment}:${key}:${at}`;
  return { v: 1, id, kind: 'deploy', skill, environment, target, at, steps: [], fromStatusFile: true };
}

/** Records for the skills of `status` that have none in `known` (skills with history lines speak for themselves). */
export function recordsFromStatus(status: StatusFile, known: ReadonlySet<string>, fallbackEnv: string): HistoryRecord[] {
  const out: HistoryRecord[] = [];
  for (const [skill, s] of Object.entries(status.skills)) {
    if (known.has(skill)) continue;
    for (const [environment, e] of environmentsOf(s, fallbackEnv)) {
      const deployments = (e.deployments ?? {}) as Record<string, Loose>;
      const last = e.lastDeployment as Loose | undefined;
      const all = Object.values(deployments).length ? Object.values(deployments) : last ? [last] : [];
      for (const d of all) {
        const at = str(d.deployedAt);
        const target = str(d.target);
        if (!at || !target) continue;
        out.push({
          ...base(skill, environment, target, at, str(d.deploymentId) ?? 'deployment'),
          outcome: 'succeeded',
          ...(typeof d.durationMs === 'number' ? { durationMs: d.durationMs } : {}),
          ...(str(d.appId) ? { appId: str(d.appId) } : {}),
          ...(str(d.deploymentId) ? { deploymentId: str(d.deploymentId) } : {}),
          ...(str(d.commit) ? { commit: str(d.commit) } : {}),
          ...(str(d.liveUrl) ? { liveUrl: str(d.liveUrl) } : {}),
        } as HistoryRecord);
      }
      const incidents = Array.isArray(e.incidents) ? (e.incidents as Loose[]) : [];
      const incidentIds = new Set<string>();
      for (const i of incidents) {
        const at = str(i.at);
        const target = str(i.target);
        const cause = (i.cause ?? {}) as Loose;
        if (!at || !target) continue;
        if (str(i.failedDeploymentId)) incidentIds.add(str(i.failedDeploymentId)!);
        out.push({
          ...base(skill, environment, target, at, str(i.failedDeploymentId) ?? 'incident'),
          outcome: i.rollback === 'succeeded' ? 'rolled-back' : 'failed',
          ...(str(i.appId) ? { appId: str(i.appId) } : {}),
          ...(str(i.failedDeploymentId) ? { deploymentId: str(i.failedDeploymentId) } : {}),
          ...(str(cause.code) ? { code: str(cause.code) } : {}),
          ...(str(cause.step) ? { step: str(cause.step) } : {}),
          ...(str(cause.message) ? { message: str(cause.message) } : {}),
          rollback: {
            trigger: 'automatic',
            status: str(i.rollback) ?? 'failed',
            ...(str(i.failedDeploymentId) ? { fromDeploymentId: str(i.failedDeploymentId) } : {}),
            ...(str(i.restoredDeploymentId) ? { toDeploymentId: str(i.restoredDeploymentId) } : {}),
            ...(str(i.rollbackDeploymentId) ? { rollbackDeploymentId: str(i.rollbackDeploymentId) } : {}),
          },
        } as HistoryRecord);
      }
      const a = e.lastDeployAttempt as Loose | undefined;
      const at = str(a?.at);
      const target = str(a?.target);
      if (a && at && target && !(str(a.deploymentId) && incidentIds.has(str(a.deploymentId)!))) {
        out.push({
          ...base(skill, environment, target, at, 'attempt'),
          outcome: str(a.status) ?? 'failed',
          ...(str(a.appId) ? { appId: str(a.appId) } : {}),
          ...(str(a.deploymentId) ? { deploymentId: str(a.deploymentId) } : {}),
          ...(str(a.code) ? { code: str(a.code) } : {}),
          ...(str(a.step) ? { step: str(a.step) } : {}),
          ...(str(a.message) ? { message: str(a.message) } : {}),
        } as HistoryRecord);
      }
    }
  }
  return out;
}
