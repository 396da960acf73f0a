/** The names of the procedure's steps: a leaf module, so that errors.ts and types.ts both use them without a circle. */

/** The steps of one skill's deployment, in order (1 prepare … 9 record); the pipeline's step list follows it. */
export const DEPLOY_STEPS = ['prepare', 'validate', 'apply', 'create', 'monitor', 'health', 'traffic', 'post-deploy', 'record'] as const;
export type DeployStep = (typeof DEPLOY_STEPS)[number];
/** Steps of a rollback (automatic or manual) and of revert/commit of a pinned rollback. */
export const ROLLBACK_STEPS = [
  'rollback-validate',
  'rollback-create',
  'rollback-monitor',
  'rollback-commit',
  'rollback-verify',
  'rollback-record',
] as const;
export type RollbackStep = (typeof ROLLBACK_STEPS)[number];
/** `lock`: waiting for the skill's deploy lock; `cancel`: canceling on the server; `verify`: checking the old version still serves. */
export type DeployStepName = DeployStep | RollbackStep | 'lock' | 'cancel' | 'verify';

export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'canceled';
