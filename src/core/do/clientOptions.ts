/** The App Platform client's options, and the helpers that turn them into request parts (./client). */
import { AppPlatformError } from './errors';
import type { HttpOptions } from './http';
import type { DeploymentType, LogType } from './schemas';

export type AppPlatformClientOptions = HttpOptions;

/** Every operation takes an optional AbortSignal; aborting rejects with ABORTED, pending backoff included. */
export interface CallOptions {
  signal?: AbortSignal;
}
/** Query parameters keep DigitalOcean's spellings. */
export interface PageOptions extends CallOptions {
  page?: number;
  /** 1–200 (DigitalOcean's default is 20; the all-pages helpers ask for 200). */
  per_page?: number;
}
export interface ListAppsOptions extends PageOptions {
  with_projects?: boolean;
}
export interface ListDeploymentsOptions extends PageOptions {
  deployment_types?: readonly DeploymentType[];
}
export interface LogsOptions extends CallOptions {
  /** Without it: the active deployment's logs. */
  deploymentId?: string;
  /** Without it: all components together (aggregate). */
  component?: string;
  type: LogType;
  follow?: boolean;
  /** e.g. '3m': how long DigitalOcean waits for a component instance to be available. */
  podConnectionTimeout?: string;
}
export interface RollbackOptions extends CallOptions {
  deployment_id: string;
  /** Leave the app unpinned after the rollback (no commit/revert needed). */
  skip_pin?: boolean;
}

/** The page number of a `links.pages.next` URL; the URL itself is not fetched (its host may not be our base URL). */
export function nextPageNumber(next: string | undefined): number | undefined {
  if (!next) return undefined;
  try {
    const n = Number(new URL(next, 'http://x').searchParams.get('page'));
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function rollbackBody(
  o: RollbackOptions,
  operation: 'apps_validate_rollback' | 'apps_create_rollback',
): { deployment_id: string; skip_pin: boolean } {
  if (!o.deployment_id)
    throw new AppPlatformError({
      code: 'ROLLBACK_INVALID',
      operation,
      message: 'A rollback needs the id of the deployment to roll back to',
    });
  return { deployment_id: o.deployment_id, skip_pin: o.skip_pin ?? false };
}
