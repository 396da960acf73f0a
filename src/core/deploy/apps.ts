/**
 * Reads of apps and deployments shared by every skill of a plan. Reads asked for within a few milliseconds of each
 * other are served by ONE request: `GET /v2/apps` (every app, with its active / in-progress / pending deployment and
 * their progress) when more than one app is wanted, `GET /v2/apps/{id}` when one is. Monitoring N deployments then
 * costs one request per poll, not N, which keeps big plans far under the 250 requests/minute limit.
 */
import type { AppPlatformClient, CallOptions } from '../do/client';
import type { DeploymentSource } from '../do/progress';
import type { App, Deployment } from '../do/schemas';

type Want = { kind: 'id'; appId: string } | { kind: 'name'; name: string };

interface Waiter {
  want: Want;
  resolve(app: App | undefined): void;
  reject(reason: unknown): void;
  done: boolean;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** One page of apps is 200: above that, listing costs several requests and one-app GETs are cheaper for ids. */
const PAGE = 200;

export class AppReader implements DeploymentSource {
  private queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private appCount = 0;
  private readonly primed = new Map<string, Deployment>();
  /** The last answer about each app, and when it arrived. */
  private readonly snapshots = new Map<string, { app: App; at: number }>();
  /** When the last full listing arrived (it answers name lookups for a moment). */
  private listedAt = 0;
  private byName = new Map<string, App>();

  constructor(readonly client: AppPlatformClient, private readonly gatherMs = 2) {}

  /** The app, as fresh as a request sent after this call. */
  getApp(appId: string, options: CallOptions = {}): Promise<App> {
    return this.enqueue({ kind: 'id', appId }, options.signal) as Promise<App>;
  }

  /**
   * The app whose spec.name is `name`; undefined when there is none. Fresh, or from a listing that arrived at most
   * `maxAgeMs` ago (default 0: always fresh); parallel deployments list apps often, so lookups then cost nothing.
   */
  findAppByName(name: string, options: CallOptions & { maxAgeMs?: number } = {}): Promise<App | undefined> {
    if (options.maxAgeMs && Date.now() - this.listedAt <= options.maxAgeMs) return Promise.resolve(this.byName.get(name));
    return this.enqueue({ kind: 'name', name }, options.signal);
  }

  /** The last answer about the app if it arrived at most `maxAgeMs` ago. */
  recent(appId: string, maxAgeMs: number): App | undefined {
    const s = this.snapshots.get(appId);
    return s && Date.now() - s.at <= maxAgeMs ? s.app : undefined;
  }

  /**
   * A deployment we just got from App Platform (the answer to create/update/rollback): waitForDeployment's first poll
   * is answered from it instead of asking again a millisecond later.
   */
  prime(deployment: Deployment): void {
    this.primed.set(deployment.id, deployment);
  }

  /** DeploymentSource for waitForDeployment: from the app's active / in-progress / pending deployment when it is one of them. */
  async getDeployment(appId: string, deploymentId: string, options: CallOptions = {}): Promise<Deployment> {
    const primed = this.primed.get(deploymentId);
    if (primed) {
      this.primed.delete(deploymentId);
      return primed;
    }
    const app = await this.getApp(appId, options);
    const found = deploymentOf(app, deploymentId);
    if (found) return found;
    // Finished and no longer the active one (ERROR, CANCELED, SUPERSEDED) or queued behind another: ask for it.
    return this.client.getDeployment(appId, deploymentId, options);
  }

  private enqueue(want: Want, signal?: AbortSignal): Promise<App | undefined> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<App | undefined>((resolve, reject) => {
      const w: Waiter = { want, resolve, reject, done: false, signal };
      if (signal) {
        w.onAbort = () => {
          if (w.done) return;
          w.done = true;
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queue.push(w);
      this.timer ??= setTimeout(() => void this.flush(), this.gatherMs);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.timer = undefined;
    const settle = (w: Waiter, fn: () => void) => {
      if (w.done) return;
      w.done = true;
      if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
      fn();
    };
    const live = batch.filter((w) => !w.done);
    if (live.length === 0) return;
    const ids = [...new Set(live.flatMap((w) => (w.want.kind === 'id' ? [w.want.appId] : [])))];
    const byName = live.some((w) => w.want.kind === 'name');
    try {
      if (!byName && (ids.length === 1 || this.appCount > PAGE)) {
        const apps = new Map<string, App | Error>();
        await Promise.all(
          ids.map(async (id) => {
            const got = await this.client.getApp(id).catch((e: Error) => e);
            if (!(got instanceof Error)) this.snapshots.set(id, { app: got, at: Date.now() });
            apps.set(id, got);
          }),
        );
        for (const w of live) {
          const a = apps.get((w.want as { appId: string }).appId)!;
          settle(w, () => (a instanceof Error ? w.reject(a) : w.resolve(a)));
        }
        return;
      }
      const apps = await this.client.listApps({ per_page: PAGE });
      this.appCount = apps.length;
      const index = new Map(apps.map((a) => [a.id, a]));
      const names = new Map(apps.map((a) => [a.spec.name, a]));
      const at = Date.now();
      for (const a of apps) this.snapshots.set(a.id, { app: a, at });
      this.byName = names;
      this.listedAt = at;
      for (const w of live) {
        if (w.want.kind === 'name') {
          const a = names.get(w.want.name);
          settle(w, () => w.resolve(a));
        } else {
          const a = index.get(w.want.appId);
          if (a) settle(w, () => w.resolve(a));
          else {
            // Not listed: deleted meanwhile (APP_NOT_FOUND from a GET says so precisely).
            const id = w.want.appId;
            void this.client.getApp(id).then(
              (got) => {
                this.snapshots.set(id, { app: got, at: Date.now() });
                settle(w, () => w.resolve(got));
              },
              (e) => settle(w, () => w.reject(e)),
            );
          }
        }
      }
    } catch (e) {
      for (const w of live) settle(w, () => w.reject(e));
    }
  }
}

/** The deployment among the app's active / in-progress / pending / pinned ones with this id. */
export function deploymentOf(app: App, deploymentId: string): Deployment | undefined {
  for (const d of [app.in_progress_deployment, app.pending_deployment, app.active_deployment, app.pinned_deployment]) {
    if (d?.id === deploymentId) return d as Deployment;
  }
  return undefined;
}

/** The commit a deployment built: its first component's source_commit_hash (the skill's own, when named). */
export function commitOf(d: Deployment | undefined, component?: string): string | undefined {
  if (!d) return undefined;
  const all = [...(d.services ?? []), ...(d.workers ?? []), ...(d.jobs ?? []), ...(d.static_sites ?? []), ...(d.functions ?? [])];
  const named = component ? all.find((c) => c.name === component && c.source_commit_hash) : undefined;
  return (named ?? all.find((c) => c.source_commit_hash))?.source_commit_hash;
}
