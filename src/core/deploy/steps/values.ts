/**
 * What each step hands to the next: Prepared → Validated → Applied → Created → Live → Checked. Each value holds what
 * is certain at that point, so a step never has to assert that an earlier one filled something in.
 */
import type { App, AppSpec, Deployment } from '../../do/schemas';
import type { Skill } from '../../skills/loadSkills';
import type { InflightRecord } from '../persist';

/** Step 1: the skill and the spec to deploy (as linted and with its source set). */
export interface Prepared {
  skill: Skill;
  spec: AppSpec;
}

/** Step 2: App Platform accepts the spec; the app of that name, when there is one. */
export interface Validated extends Prepared {
  existing?: App;
}

/** The app as the run knows it. */
export interface AppFacts {
  appId: string;
  liveUrl?: string;
  /** The deployment that served before ours: what "still serving" and a rollback refer to. */
  previousDeploymentId?: string;
}

/** The facts of `app`, keeping what `known` had where the app says nothing. */
export function appFacts(app: App, known?: AppFacts): AppFacts {
  const liveUrl = app.live_url || known?.liveUrl;
  const previousDeploymentId = app.active_deployment?.id || known?.previousDeploymentId;
  return { appId: app.id, ...(liveUrl ? { liveUrl } : {}), ...(previousDeploymentId ? { previousDeploymentId } : {}) };
}

/** Step 3: the app exists with our spec; the deployment the update started, if it started one. */
export interface Applied extends Prepared {
  app: AppFacts;
  started?: Deployment;
  /** When the request that created the deployment was sent (our clock): what polls are timed from. */
  createdAt?: number;
}

/** Step 4: the deployment exists (also what a resume starts from, read from the in-flight record). */
export interface Created {
  skill: Skill;
  app: AppFacts;
  deploymentId: string;
  phase?: string;
  createdAt?: number;
  /** The in-flight record written for it (what the record step removes). */
  inflight?: InflightRecord;
  /** Steps 1–4 ran in another process (resumeInFlight). */
  resumed: boolean;
}

/** Step 5: the deployment reached ACTIVE. */
export interface Live extends Created {
  phase: string;
  /** The commit App Platform built (`source_commit_hash`). */
  commit?: string;
  /** created → ACTIVE by App Platform's clock. */
  serverDurationMs?: number;
}

/** Step 6 on: the live URL answers (and from step 7, the app's active deployment is ours). */
export interface Checked extends Live {
  app: AppFacts & { liveUrl: string };
}
