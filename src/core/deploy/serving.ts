/**
 * "Which deployment is active, and is it healthy": the one check behind "the previous deployment still serves" (the
 * pipeline's verify step) and "the rollback serves" (the rollback's verify step).
 */
import { checkHealth, type HealthOutcome } from './health';
import { DEFAULT_HEALTH_TIMEOUT_MS } from './run';
import type { DeploySession } from './session';

export interface Serving {
  /** The app's active deployment (absent: none). */
  activeDeploymentId?: string;
  /** The live URL that was asked: the app's, else the one the caller knew. */
  liveUrl?: string;
  /** The live URL's health path; absent when there was no URL or no health path to ask. */
  health?: HealthOutcome;
}

/** GETs the app (fresh) and asks its live URL's health path (within the session's health timeout). */
export async function checkServing(
  session: DeploySession,
  appId: string,
  options: { healthPath?: string; liveUrl?: string },
): Promise<Serving> {
  const app = await session.reader.getApp(appId);
  const liveUrl = app.live_url || options.liveUrl;
  const active = app.active_deployment?.id;
  const timeoutMs = session.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const health = liveUrl && options.healthPath ? await checkHealth(liveUrl, options.healthPath, { timeoutMs }) : undefined;
  return { ...(active ? { activeDeploymentId: active } : {}), ...(liveUrl ? { liveUrl } : {}), ...(health ? { health } : {}) };
}

/** Whether `deploymentId` is the active deployment and the health path answered 2xx. */
export function serves(s: Serving, deploymentId: string | undefined): boolean {
  return deploymentId !== undefined && s.activeDeploymentId === deploymentId && s.health?.ok === true;
}

/** How a Serving reads in a step's message: `active <id>, health <status>`. */
export function describeServing(s: Serving): string {
  return `active ${s.activeDeploymentId ?? 'none'}, health ${s.health?.status ?? s.health?.detail ?? 'not checked'}`;
}
