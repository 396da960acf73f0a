import { z } from 'zod';
import { isValidSkillName } from '../skills/names';

/**
 * The status file `<git-common-dir>/odoobo/status.json`: the last known state of each skill, shared by every worktree
 * of the repository. Objects are loose (fields added by newer writers survive a read-modify-write by older ones), and
 * deployment phases are plain strings so that a phase App Platform adds later does not make the file "corrupt".
 */
export const STATUS_FILE_VERSION = 1;

const isoTime = z.string().min(1);
const commitId = z.string().regex(/^[0-9a-f]{4,64}$/, 'a hex commit id');

/** A skill's deployment as the deploy pipeline records it; the source of a merge's trailers. */
export const SkillDeploymentSchema = z.looseObject({
  /** `local` or `digitalocean` (the `odoobo.target` setting). */
  target: z.string().min(1),
  appId: z.string().min(1),
  deploymentId: z.string().min(1),
  /** App Platform's phase, e.g. `ACTIVE`, `ERROR`. */
  phase: z.string().min(1),
  /** The commit App Platform built (`source_commit_hash`). */
  commit: commitId,
  liveUrl: z.string().min(1).optional(),
  /** When the deployment reached its phase (ISO 8601). */
  deployedAt: isoTime,
  /** How long App Platform took, created → ACTIVE, by its own clock: what the next deploy's polling is paced by. */
  durationMs: z.number().nonnegative().optional(),
});
export type SkillDeployment = z.infer<typeof SkillDeploymentSchema>;

/**
 * The last deploy that did not go live (failed, canceled or rolled back); `lastDeployment` keeps what served before.
 * Older files lack it, or lack `previousStillServing`: both still load.
 */
export const SkillDeployAttemptSchema = z.looseObject({
  target: z.string().min(1),
  /** `failed`, `canceled` or `rolled-back`. */
  status: z.string().min(1),
  appId: z.string().optional(),
  deploymentId: z.string().optional(),
  phase: z.string().optional(),
  code: z.string().optional(),
  step: z.string().optional(),
  message: z.string().optional(),
  at: isoTime,
  /** The deployment that served before the attempt still serves (verified), or the rollback restored it. */
  previousStillServing: z.boolean().optional(),
});
export type SkillDeployAttempt = z.infer<typeof SkillDeployAttemptSchema>;

export const SkillTestResultSchema = z.looseObject({
  status: z.enum(['passed', 'failed', 'error']),
  /** The commit the tests ran against. */
  commit: commitId.optional(),
  target: z.string().min(1).optional(),
  passed: z.number().int().nonnegative().optional(),
  failed: z.number().int().nonnegative().optional(),
  summary: z.string().optional(),
  at: isoTime,
});
export type SkillTestResult = z.infer<typeof SkillTestResultSchema>;

export const SkillMergeSchema = z.looseObject({
  /** The `--no-ff` merge commit on the main branch. */
  mergeCommit: commitId,
  /** The skill branch's HEAD that was merged. */
  skillHead: commitId,
  mainBranch: z.string().min(1),
  deploymentId: z.string().optional(),
  target: z.string().optional(),
  pushed: z.boolean(),
  at: isoTime,
});
export type SkillMerge = z.infer<typeof SkillMergeSchema>;

export const SkillWorktreeRecordSchema = z.looseObject({
  path: z.string().min(1),
  branch: z.string().min(1),
  updatedAt: isoTime,
});
export type SkillWorktreeRecord = z.infer<typeof SkillWorktreeRecordSchema>;

/**
 * What one environment of a skill (`staging`, `production`, a preview…) last did, the same fields as the top level. The
 * top-level fields stay the default environment's, so older readers and files keep working (see skillEnvStatus).
 */
export const SkillEnvironmentStatusSchema = z.looseObject({
  lastDeployment: SkillDeploymentSchema.optional(),
  /** Per target, as at the top level. */
  deployments: z.record(z.string(), SkillDeploymentSchema).optional(),
  lastDeployAttempt: SkillDeployAttemptSchema.optional(),
  lastTest: SkillTestResultSchema.optional(),
  /** The last promotion into this environment (its writer owns the fields). */
  promotion: z.looseObject({}).optional(),
});
export type SkillEnvironmentStatus = z.infer<typeof SkillEnvironmentStatusSchema>;

export const SkillStatusSchema = z.looseObject({
  /** The worktree the last flow set up; `null` after it was removed. */
  worktree: SkillWorktreeRecordSchema.nullable().optional(),
  /** The most recent deployment on any target. */
  lastDeployment: SkillDeploymentSchema.optional(),
  /** The most recent deployment per target (a local deployment does not hide the DigitalOcean one). */
  deployments: z.record(z.string(), SkillDeploymentSchema).optional(),
  /** The last deploy that did not go live. */
  lastDeployAttempt: SkillDeployAttemptSchema.optional(),
  lastTest: SkillTestResultSchema.optional(),
  lastMerge: SkillMergeSchema.optional(),
  /** Per environment; the default environment's records are also the top-level fields above. */
  environments: z.record(z.string(), SkillEnvironmentStatusSchema).optional(),
});
export type SkillStatus = z.infer<typeof SkillStatusSchema>;

/** Which environment a record is for; the default one's records also go to the top-level fields. */
export interface EnvironmentScope {
  readonly name: string;
  readonly isDefault: boolean;
}

/**
 * A skill's records for environment `env`. The default environment reads the top-level fields (what every writer,
 * old or new, keeps current), plus its own entry's promotion; any other environment reads its own entry.
 */
export function skillEnvStatus(status: SkillStatus | undefined, env: string, defaultEnv: string): SkillEnvironmentStatus {
  const own = status?.environments?.[env] ?? {};
  if (!status || env !== defaultEnv) return own;
  const { lastDeployment, deployments, lastDeployAttempt, lastTest } = status;
  const top = { lastDeployment, deployments, lastDeployAttempt, lastTest };
  return { ...own, ...Object.fromEntries(Object.entries(top).filter(([, v]) => v !== undefined)) };
}

export const StatusFileSchema = z.looseObject({
  version: z.literal(STATUS_FILE_VERSION),
  updatedAt: isoTime,
  skills: z.record(z.string().refine(isValidSkillName, 'a valid skill name'), SkillStatusSchema),
});
export type StatusFile = z.infer<typeof StatusFileSchema>;

export function emptyStatusFile(): StatusFile {
  return { version: STATUS_FILE_VERSION, updatedAt: new Date(0).toISOString(), skills: {} };
}
