import { z } from 'zod';

/**
 * One line of `<git-common-dir>/odoobo/history.jsonl`: a deploy attempt, a rollback or a revert. Objects are loose
 * (a newer writer's fields survive) and outcomes plain strings, so a line written by a later version still reads.
 */
export const HISTORY_VERSION = 1;

const isoTime = z.string().min(1);

export const HistoryStepSchema = z.looseObject({
  name: z.string().min(1),
  status: z.string().min(1),
  durationMs: z.number().nonnegative(),
});

export const HistoryRollbackSchema = z.looseObject({
  /** `automatic` (the pipeline undid a failed live deployment) or `manual` (odoobo rollback / revert). */
  trigger: z.enum(['automatic', 'manual']),
  /** `succeeded`, `failed` or `skipped`. */
  status: z.string().min(1),
  fromDeploymentId: z.string().optional(),
  toDeploymentId: z.string().optional(),
  rollbackDeploymentId: z.string().optional(),
});

export const HistoryIncidentSchema = z.looseObject({
  /** The incident issue, when one was opened. */
  issueUrl: z.string().optional(),
  issueNumber: z.number().int().optional(),
  /** Why no issue was opened (no token, the API refused …). */
  note: z.string().optional(),
});

export const HistoryRecordSchema = z.looseObject({
  v: z.literal(HISTORY_VERSION),
  /** Random: a line read twice (a reader racing a rotation) counts once. */
  id: z.string().min(1),
  /** `deploy`, `rollback` (manual) or `revert`. */
  kind: z.string().min(1),
  skill: z.string().min(1),
  environment: z.string().min(1),
  /** `local` or `digitalocean`. */
  target: z.string().min(1),
  /** When the attempt started and how long it took, start to end (ms). */
  at: isoTime,
  /** Unknown only on records made from an old status file. */
  durationMs: z.number().nonnegative().optional(),
  /** `succeeded`, `failed`, `canceled`, `rolled-back`, `succeeded-but-canceled`. */
  outcome: z.string().min(1),
  appId: z.string().optional(),
  deploymentId: z.string().optional(),
  commit: z.string().optional(),
  liveUrl: z.string().optional(),
  /** `user.name <user.email>` of git's configuration where it ran. */
  who: z.string().optional(),
  code: z.string().optional(),
  step: z.string().optional(),
  message: z.string().optional(),
  steps: z.array(HistoryStepSchema).default([]),
  rollback: HistoryRollbackSchema.optional(),
  incident: HistoryIncidentSchema.optional(),
  /** Set on records made from an old status file (no history line existed for them). */
  fromStatusFile: z.boolean().optional(),
});
export type HistoryRecord = z.infer<typeof HistoryRecordSchema>;
/** What a writer hands in: the version and id are the store's. */
export type HistoryEntry = Omit<z.input<typeof HistoryRecordSchema>, 'v' | 'id'>;
