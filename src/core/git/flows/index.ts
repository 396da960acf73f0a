/** The git flows of the parallel workflow (no vscode): set up, list, remove, sync and merge skill worktrees. */
export * from './errors';
export { GitCommandError, simpleGitRunner, type GitRunner, type GitRunOptions } from './gitRunner';
export { detectMainBranch, type MainBranch } from './mainBranch';
export { resolveWorktreeRoot, defaultWorktreeRoot, type WorktreeRootOptions } from './worktreeRoot';
export { openRepo, type FlowOptions, type FlowProgress, type RepoContext } from './repo';
export { setupWorktrees, type SetupOptions, type SetupOutcome, type SetupReport } from './setup';
export { listSkillWorktrees, pruneWorktrees, type PruneResult } from './list';
export { removeWorktree, type RemoveOptions, type RemoveResult } from './remove';
export { syncSkill, type SyncOptions, type SyncResult } from './sync';
export {
  mergeSkills,
  checkMergePreconditions,
  deployedCommitMatches,
  smokeTestVerdict,
  type MergeOptions,
  type MergeResult,
  type MergeCheck,
  type MergeCheckStatus,
  type MergePreconditions,
} from './merge';
export { StatusFileDeploymentSource, type DeploymentSource, type SkillDeployment } from './deployments';
export type { PushOutcome } from './push';
