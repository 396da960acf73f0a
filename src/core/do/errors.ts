/** Typed App Platform errors: DigitalOcean's `{id, message, request_id}` plus a deployment-procedure code. */
import { redact } from './redact';

export const ERROR_MITIGATIONS = {
  UNAUTHORIZED: 'Set a valid token: Odoobo: Set DigitalOcean Token, or DIGITALOCEAN_ACCESS_TOKEN for the CLI.',
  FORBIDDEN: 'Use a token with the app:read, app:create, app:update and app:delete scopes (DigitalOcean > API > Tokens).',
  APP_NOT_FOUND: 'The app no longer exists or belongs to another team: refresh, or deploy the skill again to create it.',
  NOT_FOUND: 'The deployment or resource no longer exists: refresh and retry with a current one.',
  BAD_REQUEST: 'DigitalOcean rejected the request: check the values sent (see the message) and retry.',
  RATE_LIMIT_EXCEEDED: 'DigitalOcean allows 250 requests a minute and 5000 an hour: wait a minute, or poll fewer skills at once.',
  SPEC_VALIDATION_FAILED: 'Fix the app spec (Odoobo: Validate App Spec shows the problems) and deploy again.',
  DEPLOYMENT_CREATE_FAILED:
    'DigitalOcean did not start the deployment: check whether one is already running or the app is pinned by a rollback, then retry.',
  DEPLOY_TIMEOUT: 'The deployment is still running: watch it in the dashboard, or raise odoobo.deployTimeout.',
  BUILD_FAILED: 'Read the build logs (Odoobo: Show Logs, type BUILD), fix the build and deploy again.',
  DEPLOY_ERROR: 'Read the deploy and run logs (Odoobo: Show Logs); check the run command, port and health check, then deploy again.',
  DEPLOY_CANCELED: 'The deployment was canceled: deploy again when ready.',
  CONFLICT:
    'Another change is in progress on this app (a deployment or a pinned rollback): wait for it, ' +
    'or commit/revert the rollback, then retry.',
  ROLLBACK_INVALID: 'Pick another deployment to roll back to (an earlier ACTIVE or SUPERSEDED one), or redeploy instead.',
  SERVER_ERROR: 'DigitalOcean had an internal error: retry in a minute; if it persists, check status.digitalocean.com.',
  NETWORK_ERROR: 'Check the network connection and odoobo.apiUrl, then retry.',
  TIMEOUT: 'The App Platform API did not answer in time: retry, or check the network and odoobo.apiUrl.',
  ABORTED: 'The operation was canceled.',
  INVALID_RESPONSE:
    'The App Platform API answered with an unexpected body: check odoobo.apiUrl points at an App Platform API, and report it if it does.',
  LOGS_UNAVAILABLE: 'The logs could not be read: retry, or read them in the DigitalOcean control panel.',
} as const;

export type AppPlatformErrorCode = keyof typeof ERROR_MITIGATIONS;

export interface AppPlatformErrorInit {
  code: AppPlatformErrorCode;
  message: string;
  /** The OpenAPI operationId (e.g. `apps_get`), or a client-side name such as `wait_for_deployment`. */
  operation: string;
  status?: number;
  /** DigitalOcean's error id, e.g. `not_found`, `unprocessable_entity`. */
  id?: string;
  requestId?: string;
  method?: string;
  /** Path without query string (query strings of pre-signed URLs carry credentials). */
  path?: string;
  retryable?: boolean;
  attempts?: number;
  /** Problems found in a body (INVALID_RESPONSE), one `path: message` each. */
  issues?: string[];
  /** The failing progress step for BUILD_FAILED / DEPLOY_ERROR. */
  step?: { name: string; path: string; reason?: string; componentName?: string };
  deploymentId?: string;
  phase?: string;
  /** Replaces the code's default mitigation (after a 401 from a local App Platform: ODOOBO_LOCAL_TOKEN, not DigitalOcean's). */
  mitigation?: string;
  cause?: unknown;
}

/** Every failure of the App Platform client. The token never appears in any field (see redact.ts). */
export class AppPlatformError extends Error {
  override readonly name = 'AppPlatformError';
  readonly code: AppPlatformErrorCode;
  readonly operation: string;
  readonly status?: number;
  readonly id?: string;
  readonly requestId?: string;
  readonly method?: string;
  readonly path?: string;
  readonly retryable: boolean;
  readonly attempts?: number;
  readonly issues?: string[];
  readonly step?: AppPlatformErrorInit['step'];
  readonly deploymentId?: string;
  readonly phase?: string;
  readonly mitigation: string;

  constructor(init: AppPlatformErrorInit) {
    super(redact(init.message), init.cause === undefined ? undefined : { cause: sanitizeCause(init.cause) });
    this.code = init.code;
    this.operation = init.operation;
    this.status = init.status;
    this.id = init.id === undefined ? undefined : redact(init.id);
    this.requestId = init.requestId === undefined ? undefined : redact(init.requestId);
    this.method = init.method;
    this.path = init.path === undefined ? undefined : redact(init.path);
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts;
    this.issues = init.issues?.map(redact);
    this.step = init.step && {
      ...init.step,
      name: redact(init.step.name),
      path: redact(init.step.path),
      reason: init.step.reason === undefined ? undefined : redact(init.step.reason),
    };
    this.deploymentId = init.deploymentId;
    this.phase = init.phase;
    this.mitigation = init.mitigation ?? ERROR_MITIGATIONS[init.code];
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      mitigation: this.mitigation,
      operation: this.operation,
      status: this.status,
      id: this.id,
      requestId: this.requestId,
      method: this.method,
      path: this.path,
      retryable: this.retryable,
      attempts: this.attempts,
      issues: this.issues,
      step: this.step,
      deploymentId: this.deploymentId,
      phase: this.phase,
      cause: this.cause,
    };
  }
}

export function isAppPlatformError(e: unknown, code?: AppPlatformErrorCode): e is AppPlatformError {
  return e instanceof AppPlatformError && (code === undefined || e.code === code);
}

/**
 * A plain `{name, code, message}` copy of a low-level error: undici errors can hold sockets and request state,
 * so nothing of them is kept but these three redacted strings.
 */
export function sanitizeCause(cause: unknown): { name: string; code?: string; message: string } | AppPlatformError {
  if (cause instanceof AppPlatformError) return cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, code: typeof code === 'string' ? code : undefined, message: redact(cause.message) };
  }
  return { name: 'Error', message: redact(String(cause)) };
}

/** What the status of a failed answer means for one operation. */
export interface OperationErrorMap {
  /** 404 means the app is gone (app-scoped operations) or something inside it is. */
  notFound?: 'APP_NOT_FOUND' | 'NOT_FOUND';
  /** 400/422 (the spec or the request was rejected). */
  invalid?: AppPlatformErrorCode;
  /** Any other failure of the operation that is not auth, rate limit or not-found (e.g. POST deployments). */
  failure?: AppPlatformErrorCode;
}

export function codeForStatus(status: number, map: OperationErrorMap = {}): AppPlatformErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMIT_EXCEEDED';
  if (status === 404) return map.notFound ?? 'NOT_FOUND';
  if (map.failure) return map.failure;
  if ((status === 400 || status === 422) && map.invalid) return map.invalid;
  if (status === 409) return 'CONFLICT';
  if (status >= 500) return 'SERVER_ERROR';
  return 'BAD_REQUEST';
}
