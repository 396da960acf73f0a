/** What a target serves right now for each skill's app (phase, health, URL): asked, not read from the status file. */
import type { AppPlatformClient } from '../do/client';
import type { App } from '../do/schemas';

export type LiveState = 'healthy' | 'unhealthy' | 'deploying' | 'not-deployed' | 'no-active-deployment';

export interface LiveAppState {
  readonly skill: string;
  readonly app: string;
  readonly appId?: string;
  readonly state: LiveState;
  /** Phase of the active deployment (ACTIVE), else of the one in progress. */
  readonly phase?: string;
  readonly deploymentId?: string;
  readonly inProgress?: { readonly id?: string; readonly phase?: string };
  /** HEALTHY / UNHEALTHY / UNKNOWN over the components of the active deployment. */
  readonly health?: string;
  readonly liveUrl?: string;
  readonly components?: ReadonlyArray<{ name?: string; state?: string; replicas_ready?: number; replicas_desired?: number }>;
}

export interface LiveStatus {
  readonly apps: LiveAppState[];
  readonly summary: Record<LiveState, number>;
}

function healthOf(components: LiveAppState['components']): string {
  if (!components?.length) return 'UNKNOWN';
  if (components.some((c) => c.state === 'UNHEALTHY' || (c.replicas_ready ?? 0) < (c.replicas_desired ?? 1))) return 'UNHEALTHY';
  return components.every((c) => c.state === 'HEALTHY') ? 'HEALTHY' : 'UNKNOWN';
}

async function stateOf(client: AppPlatformClient, skill: string, name: string, app: App | undefined): Promise<LiveAppState> {
  if (!app) return { skill, app: name, state: 'not-deployed' };
  const active = app.active_deployment;
  const progress = app.in_progress_deployment ?? app.pending_deployment;
  const inProgress = progress ? { id: progress.id, phase: progress.phase } : undefined;
  const base = { skill, app: name, appId: app.id, liveUrl: app.live_url, inProgress };
  if (!active) return { ...base, state: progress ? 'deploying' : 'no-active-deployment', phase: progress?.phase };
  const components = await client.getAppHealth(app.id).then((h) => h.components ?? [], () => undefined);
  const health = healthOf(components);
  const state: LiveState = progress ? 'deploying' : health === 'HEALTHY' ? 'healthy' : 'unhealthy';
  return { ...base, state, phase: active.phase, deploymentId: active.id, health, components };
}

/** Asks the target about each skill's app (one app list, one health request per deployed app). */
export async function liveStatus(client: AppPlatformClient, apps: ReadonlyArray<{ skill: string; app: string }>): Promise<LiveStatus> {
  const all = await client.listApps();
  const byName = new Map(all.map((a) => [a.spec.name, a]));
  const states = await Promise.all(apps.map((a) => stateOf(client, a.skill, a.app, byName.get(a.app))));
  const summary: Record<LiveState, number> = { healthy: 0, unhealthy: 0, deploying: 0, 'not-deployed': 0, 'no-active-deployment': 0 };
  for (const s of states) summary[s.state]++;
  return { apps: states, summary };
}

/** `3 healthy, 1 unhealthy, 1 not deployed`: the counts that are not zero. */
export function formatSummary(summary: Record<LiveState, number>): string {
  const counts = Object.entries(summary) as Array<[LiveState, number]>;
  const parts = counts.filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k.replace(/-/g, ' ')}`);
  return parts.join(', ') || 'no skills';
}
