/** Who is told what: the channels of the procedure (SOP-DEPLOY-001) and what a notice carries. */

/** `deployments`: every deploy; `incidents`: failures and rollbacks. */
export type Channel = 'deployments' | 'incidents';

/** Slack's incoming-webhook message (Block Kit), or a plain JSON document for any other receiver. */
export type WebhookFormat = 'slack' | 'json';

/** One destination; its URL is a secret (it alone lets anyone post): never logged, shown or stored in settings. */
export interface WebhookDestination {
  readonly channel: Channel;
  readonly format: WebhookFormat;
  readonly url: string;
}

/** What happened, as a notice tells it. */
export interface DeployNotice {
  /** `deploy`, or a manual `rollback` / `revert`. */
  readonly kind: string;
  readonly skill: string;
  readonly environment: string;
  readonly target: string;
  /** `succeeded`, `failed`, `canceled`, `rolled-back`, … */
  readonly outcome: string;
  readonly at: string;
  readonly commit?: string;
  readonly durationMs?: number;
  readonly liveUrl?: string;
  readonly deploymentId?: string;
  readonly code?: string;
  readonly message?: string;
  readonly mitigation?: string;
  readonly who?: string;
  /** Set when a rollback ran (automatic or manual): its status and the deployment it restored. */
  readonly rollback?: { readonly trigger: string; readonly status: string; readonly toDeploymentId?: string };
  /** The incident issue opened for it. */
  readonly incidentUrl?: string;
}

/** How notifications are sent; one configuration for the CLI and the extension. */
export interface NotifyConfig {
  readonly destinations: readonly WebhookDestination[];
  /** Per request (default 5 s). */
  readonly requestTimeoutMs?: number;
  /** How long a deploy waits for its notices before it returns (default: the request timeout). */
  readonly waitMs?: number;
  /** Retries stop after this long in all, counted from the first request (default 60 s). */
  readonly maxTotalMs?: number;
}
