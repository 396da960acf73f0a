import type { AppSpec } from '../spec/appSpec';

export type Phase =
  | 'UNKNOWN' | 'PENDING_BUILD' | 'BUILDING' | 'PENDING_DEPLOY' | 'DEPLOYING' | 'ACTIVE' | 'SUPERSEDED' | 'ERROR' | 'CANCELED';

/** Phases of a deployment that has not finished. */
export const IN_FLIGHT_PHASES: readonly Phase[] = ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING'];

export function isInFlight(phase: Phase): boolean {
  return IN_FLIGHT_PHASES.includes(phase);
}

/**
 * Step statuses. `SKIPPED` marks nested steps that never ran because an earlier step failed or the deployment was
 * canceled; DigitalOcean's OpenAPI enum for top-level steps lacks it, so a top-level step that never ran stays PENDING.
 */
export type StepStatus = 'PENDING' | 'RUNNING' | 'SUCCESS' | 'ERROR' | 'SKIPPED';

export interface StepReason {
  code: string;
  message: string;
}

export interface Step {
  name: string;
  status: StepStatus;
  component_name?: string;
  message_base?: string;
  started_at?: string;
  ended_at?: string;
  reason?: StepReason;
  steps?: Step[];
}

export type DeploymentKind = 'deploy' | 'rollback' | 'revert';

export interface DeploymentRecord {
  id: string;
  spec: AppSpec;
  cause: string;
  kind: DeploymentKind;
  clonedFrom?: string;
  phase: Phase;
  phaseLastUpdatedAt: string;
  createdAt: string;
  updatedAt: string;
  steps: Step[];
  /** Commit built per component (`services[]` / `workers[]` `source_commit_hash`). */
  commits: Record<string, string>;
  /** Commits to check out instead of the branch heads (rollbacks and reverts rebuild exactly what ran). */
  pinnedCommits?: Record<string, string>;
  forceBuild?: boolean;
  /** Built and run in "no real processes" mode (fault `simulate`). */
  simulated?: boolean;
  tierSlug: string;
}

export interface AlertRecord {
  id: string;
  componentName?: string;
  spec: { rule?: string; disabled?: boolean; operator?: string; value?: number; window?: string };
  emails: string[];
  slackWebhooks: Array<{ url?: string; channel?: string }>;
  createdAt: string;
}

export interface AppRecord {
  id: string;
  ownerUuid: string;
  spec: AppSpec;
  createdAt: string;
  updatedAt: string;
  /** The port of the app's stable local URL (its ingress). */
  ingressPort: number;
  /** Oldest first. */
  deployments: DeploymentRecord[];
  activeDeploymentId?: string;
  pinnedDeploymentId?: string;
  /** What a rollback replaced, for `rollback/revert`. */
  rollbackBase?: { deploymentId?: string; spec: AppSpec };
  lastDeploymentActiveAt?: string;
  alerts: AlertRecord[];
}
