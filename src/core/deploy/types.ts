/** The public shapes of the deployment procedure: options, results, events. */
import type { AppPlatformClient } from '../do/client';
import type { RequestBudget } from '../do/budget';
import type { AppSpec, RollbackCondition } from '../do/schemas';
import type { SkillManifest } from '../skills/manifest';
import type { AlertOptions } from '../notify/alerts';
import type { StatusStore } from '../status/statusStore';
import type { DeployErrorCode } from './errors';
import type { DeployTimings, PollPolicy } from './poll';
import type { DeployStepName, StepStatus } from './stepNames';

export { DEPLOY_STEPS, type DeployStepName, type StepStatus } from './stepNames';

export interface StepRecord {
  name: DeployStepName;
  status: StepStatus;
  /** ISO 8601. */
  startedAt: string;
  durationMs: number;
  message?: string;
}

export interface DeployErrorInfo {
  code: DeployErrorCode;
  step: DeployStepName;
  message: string;
  mitigation: string;
  details?: Record<string, unknown>;
}

export type DeployStatus = 'succeeded' | 'failed' | 'canceled' | 'rolled-back';

export interface RollbackResult {
  /** `skipped`: nothing to roll back to (or the failed deployment never served); see `reason`. */
  status: 'succeeded' | 'failed' | 'skipped';
  appId: string;
  /** The deployment being undone. */
  fromDeploymentId?: string;
  /** The earlier deployment whose version is restored. */
  toDeploymentId?: string;
  /** The new deployment App Platform created for the rollback. */
  rollbackDeploymentId?: string;
  /** apps_validate_rollback's answer. */
  validation?: { valid: boolean; error?: RollbackCondition; warnings: RollbackCondition[] };
  /** Whether the app is still pinned to the rollback (manual rollbacks stay pinned until commit or revert). */
  pinned: boolean;
  /** After the rollback: which deployment serves, and whether the live URL's health path answered 200. */
  serving?: { activeDeploymentId?: string; healthy: boolean; status?: number };
  commit?: string;
  liveUrl?: string;
  reason?: string;
  steps: StepRecord[];
  error?: DeployErrorInfo;
}

export interface OdooPostResult {
  posted: boolean;
  taskId?: number;
  messageId?: number;
  error?: string;
}

export interface DeployResult {
  skill: string;
  status: DeployStatus;
  target: string;
  /** The environment deployed to (absent when it could not be resolved). */
  environment?: string;
  appId?: string;
  deploymentId?: string;
  /** The deployment that served before this one (what a rollback restores). */
  previousDeploymentId?: string;
  liveUrl?: string;
  /** The commit App Platform built (`source_commit_hash`). */
  commit?: string;
  /** The deployment's last known phase. */
  phase?: string;
  steps: StepRecord[];
  error?: DeployErrorInfo;
  rollback?: RollbackResult;
  /**
   * After a failure that never reached ACTIVE (or a cancel): true when it was verified that the app's active deployment
   * is still the previous one AND the live URL's health path answers 200; false when that check failed; absent when
   * there was no previous deployment (or the app could not be read).
   */
  previousStillServing?: boolean;
  /** Picked up from a persisted in-flight record by resumeInFlight (steps 1–4 ran in another process). */
  resumed?: boolean;
  /** Lint warnings, a status file or Odoo write-back that failed, … (never a reason for `failed`). */
  warnings: string[];
  odoo?: OdooPostResult;
  durationMs: number;
}

export interface PlanResult {
  results: DeployResult[];
  succeeded: number;
  /** Failed, including the rolled-back ones. */
  failed: number;
  rolledBack: number;
  canceled: number;
  durationMs: number;
}

// ------------------------------------------------------------------------------------------------------------------
// Events

/** A progress step of the deployment, flattened from App Platform's tree. */
export interface FlatProgressStep {
  /** Names from the top, e.g. `build › components › web`. */
  path: string;
  name: string;
  depth: number;
  status: string;
  startedAt?: string;
  endedAt?: string;
  reason?: string;
}

interface EventBase {
  skill: string;
  /** The environment of the plan, once resolved (every event after `deploy-started`'s lock step at the latest). */
  environment?: string;
  /** Epoch ms. */
  at: number;
}

export type DeployEvent =
  | (EventBase & { type: 'deploy-started'; resumed?: boolean })
  | (EventBase & { type: 'step-started'; step: DeployStepName })
  | (EventBase & { type: 'step-finished'; step: DeployStepName; status: StepStatus; durationMs: number; message?: string })
  | (EventBase & { type: 'phase-changed'; appId: string; deploymentId: string; from?: string; to: string })
  | (EventBase & {
      type: 'deployment-progress';
      appId: string;
      deploymentId: string;
      phase?: string;
      summary: string;
      steps: FlatProgressStep[];
    })
  | (EventBase & { type: 'deploy-finished'; result: DeployResult });

export type PlanEvent =
  | { type: 'plan-started'; skills: string[]; concurrency: number; at: number }
  | { type: 'plan-finished'; result: PlanResult; at: number };

// ------------------------------------------------------------------------------------------------------------------
// Options

/** What the linter answers; `lintAppSpec` from src/core/appspec has this shape. */
export interface LintLike {
  findings: Array<{
    severity: 'error' | 'warning' | 'info';
    code: string;
    message: string;
    line: number;
    column: number;
    file?: string;
    path?: (string | number)[];
  }>;
  spec?: AppSpec;
}
export type LintFunction = (
  text: string,
  options: { file: string; repoRoot?: string; branchExists?: (branch: string) => Promise<boolean>; kind?: 'spec' | 'overlay' },
) => Promise<LintLike>;

export interface PostDeployContext {
  skill: string;
  manifest: SkillManifest;
  liveUrl: string;
  appId: string;
  deploymentId: string;
  signal: AbortSignal;
}
export interface PostDeployOutcome {
  ok: boolean;
  /** e.g. ENDPOINT_404, PERFORMANCE_DEGRADATION; default POST_DEPLOY_FAILED. */
  code?: string;
  message: string;
  checks?: unknown[];
}
export type PostDeployCheck = (ctx: PostDeployContext) => Promise<PostDeployOutcome>;

/** Write-back of the result to an Odoo task (JSON-RPC `message_post` on `project.task`). */
export interface OdooOptions {
  /** e.g. https://example.odoo.com (no trailing /jsonrpc). */
  url: string;
  database: string;
  /** The user the API key belongs to. */
  login: string;
  apiKey: string;
  /** The task to post on, per skill; undefined: nothing is posted for that skill. */
  taskId: number | ((skill: string, manifest: SkillManifest) => number | undefined);
  /** Per call (default 10 s). */
  timeoutMs?: number;
}

/** What to deploy: the source of the skill's components, set in memory on the app spec. */
export interface SourceOverride {
  /** For git/github/gitlab/bitbucket sources; default `skill/<name>`. */
  branch?: string;
  /** For image sources. */
  imageTag?: string;
  imageDigest?: string;
}

export interface DeployCommonOptions {
  /** The repository (main worktree or any skill worktree) holding skills/ and infra/. */
  repoRoot: string;
  /** One client for the whole plan: its RequestBudget is shared by every request of every skill. */
  client: AppPlatformClient;
  /** Recorded in the status file: `local` or `digitalocean` (odoobo.target). */
  target: string;
  /** The budget `client` was built with (see createDeployClient): polls slow down before it runs out. */
  budget?: RequestBudget;
  skillsLocation?: string;
  /** Default: the repository's status file; `false`: nothing recorded and nothing persisted for resume. */
  status?: StatusStore | false;
  /** Step 5: how long a deployment may take to reach ACTIVE (default 600 000, odoobo.deployTimeout). */
  timeoutMs?: number;
  /** Step 6: how long the live URL's health path has to answer 200 (default 10 000). */
  healthTimeoutMs?: number;
  poll?: Partial<PollPolicy>;
  /** Learned deployment durations that pace polling; share one across plans to keep what was learned. */
  timings?: DeployTimings;
  postDeploy?: PostDeployCheck;
  /** Roll back automatically when a deployment that reached ACTIVE fails steps 6–8 (default true). */
  autoRollback?: boolean;
  /** Cancel the deployment on the server when it times out, so that it cannot go live later (default true). */
  cancelOnTimeout?: boolean;
  /** When the skill is being deployed already (this or another process): refuse at once (default) or wait. */
  whenBusy?: 'refuse' | 'wait';
  /** With whenBusy 'wait': how long to wait before DEPLOY_IN_PROGRESS (default 15 minutes). */
  busyTimeoutMs?: number;
  odoo?: OdooOptions;
  /** The history's bounds, webhook notifications and incident issues (none sent when absent). */
  alerts?: AlertOptions;
  signal?: AbortSignal;
  onEvent?: (event: DeployEvent) => void;
  /** Step 1's linter; default lintAppSpec (src/core/appspec). */
  lint?: LintFunction;
  /** Write the prepared spec back to infra/<name>.yaml (default false: only the in-memory copy is deployed). */
  writeSpec?: boolean;
  /** The environment to deploy to (infra/environments.yaml); default: the repository's default one. */
  environment?: string;
}

export interface DeploySkillOptions extends DeployCommonOptions {
  skill: string;
  source?: SourceOverride;
  forceBuild?: boolean;
}

export interface DeployPlanOptions extends DeployCommonOptions {
  skills: readonly string[];
  /** Skills deployed at the same time (default 5, odoobo.concurrency). */
  concurrency?: number;
  /** Stop on the first failure: start no new skill and cancel the in-flight deployments on the server. */
  failFast?: boolean;
  source?: SourceOverride | ((skill: string) => SourceOverride | undefined);
  forceBuild?: boolean;
  onPlanEvent?: (event: PlanEvent) => void;
}

/** Internal: what a deploy needs besides its options (the session is per plan). */
export type { DeployTimings, PollPolicy };
