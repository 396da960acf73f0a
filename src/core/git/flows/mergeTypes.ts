/** The options, precondition checks and results of merging a skill's branch into main (./merge). */
import type { SkillDeployment } from '../../status/schema';
import type { DeploymentSource } from './deployments';
import type { GitFlowError, FlowProblem, GitFlowErrorCode } from './errors';
import type { PushOutcome } from './push';
import type { RemoveResult } from './remove';
import type { FlowOptions } from './repo';

export interface MergeOptions extends FlowOptions {
  /** Where the skill's latest deployment comes from; default: the status file. */
  readonly deployments?: DeploymentSource;
  /** The deployment target whose latest deployment must be live (`local`, `digitalocean`); default: any. */
  readonly target?: string;
  /**
   * The environment whose verified deployment gates the merge; default: infra/environments.yaml's `mergeGate` (the
   * default environment unless it says otherwise).
   */
  readonly environment?: string;
  /** Push the main branch to origin after the merge. */
  readonly push?: boolean;
  /** Remove the skill's worktree after the merge (the non-forced Remove: refused work stays). */
  readonly cleanup?: boolean;
  /** With cleanup: delete the (now merged) branch with `git branch -d`. */
  readonly deleteBranch?: boolean;
  /** Check for conflicts in memory first (`git merge-tree`, git ≥ 2.38; default on). Off: try, then abort. */
  readonly preflight?: boolean;
}

export type MergeCheckStatus = 'ok' | 'unmet' | 'not-checked';

/** One precondition: `code` is the refusal code it produces when unmet. */
export interface MergeCheck {
  readonly code: GitFlowErrorCode;
  readonly status: MergeCheckStatus;
  readonly message: string;
  readonly files?: readonly string[];
}

export interface MergePreconditions {
  readonly skill: string;
  readonly branch: string;
  readonly head?: string;
  readonly deployment?: SkillDeployment;
  /** The environment whose deployment was checked (the merge gate), when it could be read. */
  readonly environment?: string;
  /** Every precondition, in a fixed order, with its status. */
  readonly checks: MergeCheck[];
  /** The unmet ones (empty: the merge may go ahead). */
  readonly unmet: FlowProblem[];
}

export type MergeResult =
  | {
      readonly skill: string;
      readonly status: 'merged';
      readonly mergeCommit: string;
      readonly skillHead: string;
      readonly mainBranch: string;
      readonly deployment: SkillDeployment;
      readonly checks: MergeCheck[];
      readonly push?: PushOutcome;
      readonly pushError?: GitFlowError;
      readonly cleanup?: RemoveResult;
      readonly cleanupError?: GitFlowError;
      readonly statusWarning?: string;
    }
  | {
      readonly skill: string;
      readonly status: 'already-merged';
      readonly skillHead: string;
      readonly mainBranch: string;
      readonly push?: PushOutcome;
      readonly pushError?: GitFlowError;
    }
  | { readonly skill: string; readonly status: 'refused'; readonly unmet: FlowProblem[]; readonly checks: MergeCheck[] }
  | { readonly skill: string; readonly status: 'failed'; readonly error: GitFlowError };
