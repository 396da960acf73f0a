/**
 * SOP-DEPLOY-001's measurable goals in one place: the alert thresholds (warning / critical) and the stage table, with
 * the procedure's steps each stage is made of. A figure is over a threshold when it is strictly greater ("> 2 %").
 */
import type { DeployStepName } from '../deploy/stepNames';

export type Level = 'ok' | 'warning' | 'critical';

export interface Threshold {
  readonly warning: number;
  readonly critical: number;
}

export const SOP_THRESHOLDS = {
  /** Failure rate > 2 % warning, > 5 % critical (the success rate's goal is ≥ 98 %). */
  failureRate: { warning: 0.02, critical: 0.05 },
  /** Rollback rate > 2 % warning, > 5 % critical. */
  rollbackRate: { warning: 0.02, critical: 0.05 },
  /** Deployment time > 10 min warning, > 15 min critical. */
  deployTimeMs: { warning: 600_000, critical: 900_000 },
} as const satisfies Record<string, Threshold>;

export interface SopStage {
  readonly name: string;
  readonly budgetMs: number;
  readonly steps: readonly DeployStepName[];
}

/** The SOP's stage table; `update spec` is our prepare and validate (the spec is prepared, then linted). */
export const SOP_STAGES: readonly SopStage[] = [
  { name: 'update spec', budgetMs: 10_000, steps: ['prepare', 'validate'] },
  { name: 'apply', budgetMs: 30_000, steps: ['apply'] },
  { name: 'create', budgetMs: 15_000, steps: ['create'] },
  { name: 'build & deploy', budgetMs: 480_000, steps: ['monitor'] },
  { name: 'health', budgetMs: 30_000, steps: ['health'] },
  { name: 'traffic switch', budgetMs: 10_000, steps: ['traffic'] },
  { name: 'post-validation', budgetMs: 60_000, steps: ['post-deploy'] },
];

export function levelOf(value: number, t: Threshold): Level {
  return value > t.critical ? 'critical' : value > t.warning ? 'warning' : 'ok';
}

const RANK: Record<Level, number> = { ok: 0, warning: 1, critical: 2 };

export function worst(levels: Iterable<Level | undefined>): Level {
  let w: Level = 'ok';
  for (const l of levels) if (l && RANK[l] > RANK[w]) w = l;
  return w;
}
