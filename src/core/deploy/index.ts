/**
 * The deployment procedure (no vscode): one skill (deploySkill), many (planDeploy), rollbacks (automatic and manual),
 * resume of in-flight deployments after a restart, and the client/budget a plan runs on.
 */
export { deploySkill, planDeploy } from './plan';
export { resumeInFlight, listInFlight, type ResumeResult } from './resume';
export {
  checkSkillRollback,
  rollbackSkill,
  commitSkillRollback,
  revertSkillRollback,
  listRollbackTargets,
  type RollbackCheck,
  type RollbackTarget,
  type SkillRollbackOptions,
} from './manualRollback';
export { commitOf } from './apps';
export { createDeployClient } from './client';
export { MeteredBudget } from './meter';
export { DeployTimings } from './poll';
export { DeployError, DEPLOY_MITIGATIONS, mitigationFor } from './errors';
export { checkHealth } from './health';
export { deployLockFile } from './locks';
export { flattenSteps, DEFAULT_CONCURRENCY } from './run';
export { codeForFindings, setSource } from './spec';
export * from './types';
