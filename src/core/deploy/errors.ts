/** The deployment procedure's error codes, each with a mitigation a person can act on. */
import { AppPlatformError, ERROR_MITIGATIONS, type AppPlatformErrorCode } from '../do/errors';
import { redact } from '../do/redact';
import { StatusError } from '../status/errors';
import type { DeployStepName } from './stepNames';

export const DEPLOY_MITIGATIONS = {
  SKILL_NOT_FOUND:
    'Check the skill name: it needs skills/<name>/manifest.json with a valid manifest (Odoobo: Refresh shows the problems).',
  APP_SPEC_MISSING: 'Create the app spec the manifest names in `appSpec` (infra/<name>.yaml), or fix the path.',
  APP_SPEC_SYNTAX_ERROR: 'Fix the YAML of the app spec at the line shown (Odoobo: Validate App Spec), then deploy again.',
  PLACEHOLDER_VALUES:
    'Replace the placeholder values in the app spec with real ones (Odoobo: Validate App Spec lists them), then deploy ' +
    'again.',
  SPEC_VALIDATION_FAILED: 'Fix the app spec (Odoobo: Validate App Spec shows the problems) and deploy again.',
  ENVIRONMENT_INVALID:
    'Name an environment infra/environments.yaml declares (the message lists them), or fix that file at the line shown.',
  ENVIRONMENT_BRANCH_MISSING:
    "The environment's app builds from its own branch, which does not exist yet: promote a verified build to it first " +
    '(odoobo promote <skill> --to <env>).',
  DEPLOYMENT_CREATE_FAILED:
    'App Platform did not start the deployment: check whether one is already running or the app is pinned by a rollback ' +
    '(commit or revert it), then retry.',
  BUILD_FAILED:
    'Read the build logs (Odoobo: Show Logs, type BUILD), fix the build and deploy again. The previous deployment keeps ' +
    'serving.',
  DEPLOY_ERROR:
    'Read the deploy and run logs (Odoobo: Show Logs); check the run command, port and health check, then deploy again. The ' +
    'previous deployment keeps serving.',
  DEPLOY_TIMEOUT:
    'The deployment did not finish in time and was canceled: check the build and deploy logs, or raise ' +
    'odoobo.deployTimeout, then deploy again.',
  DEPLOY_CANCELED: 'The deployment was canceled: deploy again when ready.',
  HEALTH_CHECK_FAIL:
    "The new version went live but its health path did not answer 200: read the run logs (Odoobo: Show Logs, type RUN), fix " +
    "the skill's health endpoint and deploy again.",
  ENDPOINT_404:
    "The live URL answered 404 on the skill's health path: check manifest.healthPath, the app spec's routes (ingress) and " +
    "the service's http_port.",
  TRAFFIC_SWITCH_FAILED:
    "App Platform reported the deployment ACTIVE but the app's active deployment is another one: check the app in the " +
    "dashboard (another deployment may have replaced it), then deploy again.",
  POST_DEPLOY_FAILED: 'The post-deploy checks failed on the live version: read their report, fix the skill and deploy again.',
  PERFORMANCE_DEGRADATION:
    'The new version answers more slowly than allowed: profile the skill (run logs, smoke-test timings), fix it and deploy ' +
    'again.',
  ROLLBACK_FAILED:
    'The automatic rollback did not complete: open the app in the dashboard, roll back by hand (Odoobo: Roll Back Skill) or ' +
    'deploy a fixed version.',
  ROLLBACK_WARNINGS_NOT_ACCEPTED:
    'Read the rollback warnings, then confirm the rollback (accept the warnings) or pick another deployment.',
  DEPLOYMENT_NOT_FOUND:
    "The app has no such deployment: pick one the message lists or one of the skill's deployments in the Odoobo tree " +
    '(Roll Back Skill offers them); `odoobo rollback <skill>` without --to takes the newest superseded one.',
  DEPLOY_IN_PROGRESS:
    'Another deployment of this skill is running (see the message for who runs it): wait for it to finish, or cancel it, ' +
    'then retry.',
  NO_PREVIOUS_DEPLOYMENT:
    'This was the app\'s first deployment, so there is nothing to roll back to: fix the skill and deploy again, or delete ' +
    'the app.',
  STATUS_FILE_FAILED:
    'The deployment itself is fine; the status file could not be written (see the message): retry, or check the permissions ' +
    'of <git dir>/odoobo.',
  ODOO_WRITEBACK_FAILED:
    'The deployment itself is fine; the note on the Odoo task could not be posted: check the Odoo URL, database, login, API ' +
    'key and task id.',
  INTERNAL_ERROR: 'An unexpected error in the deploy pipeline: see the message, retry, and report it if it persists.',
} as const;

export type DeployProcedureCode = keyof typeof DEPLOY_MITIGATIONS;
/** Every code a deploy result can carry: the procedure's own and the App Platform client's. */
export type DeployErrorCode = DeployProcedureCode | AppPlatformErrorCode;

export function mitigationFor(code: DeployErrorCode): string {
  const own = (DEPLOY_MITIGATIONS as Record<string, string>)[code];
  return own ?? (ERROR_MITIGATIONS as Record<string, string>)[code] ?? DEPLOY_MITIGATIONS.INTERNAL_ERROR;
}

export interface DeployErrorInit {
  readonly step: DeployStepName;
  readonly cause?: unknown;
  /** Machine-readable details (lint findings, the failing progress step, the post-deploy report, …). */
  readonly details?: Record<string, unknown>;
}

/** A failure of one step of the procedure: the code, the step, a message and what to do. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  readonly step: DeployStepName;
  readonly mitigation: string;
  readonly details?: Record<string, unknown>;

  constructor(readonly code: DeployErrorCode, message: string, init: DeployErrorInit) {
    super(redact(message), init.cause === undefined ? undefined : { cause: init.cause });
    this.step = init.step;
    // a 401 keeps the client's hint: which token applies depends on the target (ODOOBO_LOCAL_TOKEN on a local platform)
    const hint = code === 'UNAUTHORIZED' && init.cause instanceof AppPlatformError ? init.cause.mitigation : undefined;
    this.mitigation = hint ?? mitigationFor(code);
    this.details = init.details;
  }

  toJSON(): { code: DeployErrorCode; step: DeployStepName; message: string; mitigation: string; details?: Record<string, unknown> } {
    const details = this.details ? { details: this.details } : {};
    return { code: this.code, step: this.step, message: this.message, mitigation: this.mitigation, ...details };
  }
}

/** Any failure as a DeployError of `step`; App Platform codes are kept, `remap` renames some for this step. */
export function toDeployError(
  e: unknown,
  step: DeployStepName,
  remap: Partial<Record<AppPlatformErrorCode, DeployErrorCode>> = {},
): DeployError {
  if (e instanceof DeployError) return e;
  if (e instanceof AppPlatformError) {
    const code = remap[e.code] ?? e.code;
    const details: Record<string, unknown> = { operation: e.operation };
    if (e.status !== undefined) details.status = e.status;
    if (e.step) details.failedStep = e.step;
    if (e.issues) details.issues = e.issues;
    return new DeployError(code, e.message, { step, cause: e, details });
  }
  if (e instanceof StatusError) return new DeployError('STATUS_FILE_FAILED', e.message, { step, cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new DeployError('INTERNAL_ERROR', message, { step, cause: e });
}

/**
 * Retries `fn` when App Platform answered 429 even after the client's own retries (a storm longer than its five
 * attempts): a 429 means the request was not processed, so any call may be repeated. DigitalOcean's limits are per
 * minute and per hour: up to `maxWaitMs` (default 2 minutes) is spent waiting, in growing rounds.
 */
export async function patiently<T>(fn: () => Promise<T>, options: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<T> {
  const maxWaitMs = options.maxWaitMs ?? 120_000;
  let started: number | undefined;
  for (let round = 1; ; round++) {
    try {
      return await fn();
    } catch (e) {
      started ??= Date.now();
      const rateLimited = e instanceof AppPlatformError && e.code === 'RATE_LIMIT_EXCEEDED';
      if (!rateLimited || Date.now() - started >= maxWaitMs || options.signal?.aborted) throw e;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          options.signal?.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, Math.min(5_000, 500 * round) * (0.75 + Math.random() / 2));
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
