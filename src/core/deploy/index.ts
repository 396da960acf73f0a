/**
 * The deployment procedure (no vscode): one skill (deploySkill), many (planDeploy), rollbacks (automatic and manual),
 * resume of in-flight deployments after a restart, and the client/budget a plan runs on.
 */
export { deploySkill, planDeploy, deploySkills, DEFAULT_CONCURRENCY } from './plan';
export { resumeInFlight, listInFlight, type ResumeOptions, type ResumeResult } from './resume';
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
export { createDeployClient, type DeployClientOptions } from './client';
export { MeteredBudget } from './meter';
export { DeployTimings, DEFAULT_POLL_POLICY, type PollPolicy } from './poll';
export { DeployError, DEPLOY_MITIGATIONS, mitigationFor, type DeployErrorCode, type DeployProcedureCode } from './errors';
export { checkHealth, type HealthOutcome } from './health';
export { deployLockFile } from './locks';
export { InflightStore, type InflightRecord, type DeployAttemptRecord, type DeployIncident } from './persist';
export { flattenSteps, DEFAULT_TIMEOUT_MS, DEFAULT_HEALTH_TIMEOUT_MS } from './run';
export { codeForFindings, setSource } from './spec';
export { odooCall, postOnTask, deployNote, OdooRpcError } from './odoo';
export * from './types';
