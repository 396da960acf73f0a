/** A skill's running instances and each component's health (CPU %, memory %, replicas), for the tree and the CLI. */
import type { AppPlatformClient } from '../do/client';
import type { Instance } from '../do/schemas';
import type { LiveAppState, LiveStatus } from '../localPlatform/liveApps';

export interface ComponentLive {
  readonly name: string;
  readonly state?: string;
  readonly cpuPercent?: number;
  readonly memoryPercent?: number;
  readonly replicasReady?: number;
  readonly replicasDesired?: number;
  /** Its running instances' names. */
  readonly instances: string[];
}

/** `GET …/health` and `GET …/instances` together: one entry per component the health or the instances name. */
export async function readComponentsLive(
  client: AppPlatformClient,
  appId: string,
  options: { signal?: AbortSignal } = {},
): Promise<ComponentLive[]> {
  const [health, instances] = await Promise.all([client.getAppHealth(appId, options), client.listInstances(appId, options)]);
  const names = [...new Set([...(health.components ?? []).map((c) => c.name ?? ''), ...instances.map((i) => i.component_name ?? '')])];
  return names.filter(Boolean).map((name) => {
    const h = health.components?.find((c) => c.name === name);
    return {
      name,
      state: h?.state,
      cpuPercent: h?.cpu_usage_percent,
      memoryPercent: h?.memory_usage_percent,
      replicasReady: h?.replicas_ready,
      replicasDesired: h?.replicas_desired,
      instances: instances.filter((i) => i.component_name === name).map((i) => i.instance_name ?? i.instance_alias ?? '?'),
    };
  });
}

const pct = (n: number | undefined): string => (n === undefined ? '–' : `${n.toFixed(1)}%`);

/** `cpu 0.4% · mem 7.0% · 1/1 ready` (figures the target did not give are shown as –). */
export function formatResources(c: {
  cpu_usage_percent?: number; memory_usage_percent?: number; replicas_ready?: number; replicas_desired?: number;
}): string {
  const replicas = c.replicas_desired === undefined ? '' : ` · ${c.replicas_ready ?? 0}/${c.replicas_desired} ready`;
  return `cpu ${pct(c.cpu_usage_percent)} · mem ${pct(c.memory_usage_percent)}${replicas}`;
}

/** The instances of `components` (all when empty), by component. */
export function instancesOf(instances: readonly Instance[], components?: readonly string[]): Instance[] {
  return instances.filter((i) => !components?.length || components.includes(i.component_name ?? ''));
}

/** A skill's live state (see localPlatform/liveApps.ts) with its running instances' names. */
export type LiveAppWithInstances = LiveAppState & { readonly instances?: string[] };

/** Adds each deployed app's running instances (one `GET …/instances` per app with an active deployment). */
export async function withInstances(client: AppPlatformClient, live: LiveStatus): Promise<LiveStatus & { apps: LiveAppWithInstances[] }> {
  const apps = await Promise.all(
    live.apps.map(async (a): Promise<LiveAppWithInstances> => {
      if (!a.appId || !a.deploymentId) return a;
      const instances = await client.listInstances(a.appId).then((l) => l.map((i) => i.instance_name ?? '?'), () => undefined);
      return instances ? { ...a, instances } : a;
    }),
  );
  return { ...live, apps };
}
