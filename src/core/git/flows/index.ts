/** The git flows of the parallel workflow (no vscode): set up, list, remove, sync and merge skill worktrees. */
export * from './errors';
export { simpleGitRunner, type GitRunner } from '../runner';
export { detectMainBranch } from './mainBranch';
export { resolveWorktreeRoot, defaultWorktreeRoot } from './worktreeRoot';
export { setupWorktrees, type SetupOutcome, type SetupReport } from './setup';
export { listSkillWorktrees, pruneWorktrees } from './list';
export { removeWorktree, type RemoveResult } from './remove';
export { syncSkill, type SyncResult } from './sync';
export { mergeSkills, checkMergePreconditions, type MergeResult } from './merge';
export { StatusFileDeploymentSource, type DeploymentSource } from './deployments';
export { findUnpublishedWork, describeUnpublished, pushSkillBranches, type UnpublishedWork } from './unpublished';
