/**
 * Restarting a skill's components (`POST /v2/apps/{id}/restart`) and waiting until it is over. DigitalOcean answers the
 * deployment the restart runs in (waited for like any deployment); the local App Platform restarts in place, rolling,
 * and answers the active one: then the wait is for every old instance to be replaced and the component ready again.
 */
import type { AppPlatformClient } from '../do/client';
import { isInFlight, waitForDeployment } from '../do/progress';
import { wait } from '../util/wait';
import { OperateError } from './app';
import { instancesOf } from './instances';

export interface RestartOptions {
  /** Components to restart; all when empty. */
  readonly components?: readonly string[];
  readonly signal?: AbortSignal;
  /** One line per change worth telling (requested, an instance replaced, ready). */
  readonly onProgress?: (line: string) => void;
  /** Default 300 000. */
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
}

export interface RestartResult {
  readonly appId: string;
  readonly deploymentId: string;
  readonly components: string[];
  /** Instance names before and after. */
  readonly before: string[];
  readonly after: string[];
  readonly durationMs: number;
}

export async function restartComponents(client: AppPlatformClient, appId: string, options: RestartOptions = {}): Promise<RestartResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  const poll = options.pollIntervalMs ?? 500;
  const say = options.onProgress ?? (() => undefined);
  const call = { signal: options.signal };
  const all = await client.listInstances(appId, call);
  const known = [...new Set(all.map((i) => i.component_name ?? ''))].filter(Boolean);
  const unknown = (options.components ?? []).filter((c) => !known.includes(c));
  if (unknown.length) {
    const running = known.join(', ') || 'none';
    throw new OperateError('UNKNOWN_COMPONENT', `no running component named ${unknown.join(', ')} (running: ${running})`);
  }
  const components = options.components?.length ? [...options.components] : known;
  const before = instancesOf(all, components).map((i) => i.instance_name ?? '');
  const dep = await client.restartApp(appId, { components: options.components }, call);
  say(`restart requested for ${components.join(', ')} (${before.length} instance${before.length === 1 ? '' : 's'})`);
  if (isInFlight(dep.phase)) {
    let last = '';
    await waitForDeployment(client, appId, dep.id, {
      signal: options.signal,
      timeoutMs,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      // Every poll reports; a line is worth telling when it changed.
      onProgress: (_d, lines) => {
        if (lines[0] && lines[0] !== last) say((last = lines[0]));
      },
    });
  } else {
    await waitReplaced(client, appId, components, before, { ...options, timeoutMs, pollIntervalMs: poll, say, started });
  }
  const after = instancesOf(await client.listInstances(appId, call), components).map((i) => i.instance_name ?? '');
  return { appId, deploymentId: dep.id, components, before, after, durationMs: Date.now() - started };
}

/** Until no instance of `before` runs, each component has one again, and its health says every replica is ready. */
async function waitReplaced(
  client: AppPlatformClient,
  appId: string,
  components: readonly string[],
  before: readonly string[],
  o: RestartOptions & { timeoutMs: number; pollIntervalMs: number; say: (line: string) => void; started: number },
): Promise<void> {
  const replaced = new Set<string>();
  for (;;) {
    const now = instancesOf(await client.listInstances(appId, { signal: o.signal }), components);
    const names = new Set(now.map((i) => i.instance_name ?? ''));
    for (const old of before) {
      if (!names.has(old) && !replaced.has(old)) {
        replaced.add(old);
        o.say(`replaced ${old} (${replaced.size}/${before.length})`);
      }
    }
    if (replaced.size === before.length && components.every((c) => now.some((i) => i.component_name === c))) {
      const health = await client.getAppHealth(appId, { signal: o.signal });
      const ready = components.every((c) => {
        const h = health.components?.find((x) => x.name === c);
        return !h || (h.replicas_ready ?? 0) >= (h.replicas_desired ?? 1);
      });
      if (ready) {
        o.say(`${components.join(', ')} ready`);
        return;
      }
    }
    if (Date.now() - o.started > o.timeoutMs) {
      throw new OperateError('RESTART_TIMEOUT', `the restart did not replace every instance within ${Math.round(o.timeoutMs / 1000)} s`
        + ` (${replaced.size}/${before.length} replaced)`, 'a new instance that fails its health check leaves the old one serving: '
        + 'see the DEPLOY log (odoobo logs <skill> --type DEPLOY)');
    }
    await wait(o.pollIntervalMs, { signal: o.signal });
    if (o.signal?.aborted) throw Object.assign(new Error('Canceled.'), { name: 'AbortError', code: 'ABORTED' });
  }
}
