/**
 * A skill's app and its newest deployments from App Platform (the app named like the skill, or its environment's, then
 * apps_list_deployments), read once for everything in a window that shows them: the Skills tree lists the first few
 * under the skill, the dashboard shows the history. Cached per target and skill, one fetch in flight per skill, and
 * never throwing: an error becomes a message (redacted), and is not cached.
 */
import { redact } from '../do/redact';
import type { App, Deployment, DeploymentProgressStep } from '../do/schemas';

export interface AppHistoryClient {
  findAppByName(name: string, options?: { signal?: AbortSignal }): Promise<App | undefined>;
  listDeployments(appId: string, options?: { per_page?: number; signal?: AbortSignal }): Promise<{ deployments?: Deployment[] }>;
}

export interface AppHistoryConnection {
  readonly client: AppHistoryClient;
  close(): Promise<void>;
}

export interface AppHistory {
  readonly skill: string;
  /** Undefined: no app of that name on the target (or it could not be read: see `error`). */
  readonly app?: App;
  /** Newest first, at most the loader's limit. */
  readonly deployments: readonly Deployment[];
  /** Why it could not be read (no token, network…), for the user; the app is absent and the list empty then. */
  readonly error?: string;
  readonly fetchedAt: number;
}

export interface AppHistoryOptions {
  /** How long a read is reused (default 30 s). */
  readonly ttlMs?: number;
  /** Deployments read per skill (default 20, newest first). */
  readonly limit?: number;
  readonly now?: () => number;
}

export class AppHistoryLoader {
  private readonly cache = new Map<string, AppHistory>();
  private readonly flights = new Map<string, { seq: number; promise: Promise<AppHistory> }>();
  private seq = 0;
  private readonly ttlMs: number;
  readonly limit: number;
  private readonly now: () => number;

  constructor(private readonly connect: () => Promise<AppHistoryConnection>, options: AppHistoryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.limit = options.limit ?? 20;
    this.now = options.now ?? Date.now;
  }

  /** A fresh enough read, if any. */
  cached(target: string, skill: string, appName = skill): AppHistory | undefined {
    const hit = this.cache.get(key(target, skill, appName));
    return hit && this.now() - hit.fetchedAt < this.ttlMs ? hit : undefined;
  }

  /**
   * The skill's app and deployments: a fresh cached read, else the read in flight, else a new one. `refresh` always
   * starts a new read; a read it replaces still answers those who asked for it, but is not cached.
   */
  load(target: string, skill: string, options: { refresh?: boolean; appName?: string } = {}): Promise<AppHistory> {
    const appName = options.appName ?? skill;
    const k = key(target, skill, appName);
    if (!options.refresh) {
      const hit = this.cached(target, skill, appName);
      if (hit) return Promise.resolve(hit);
      const flight = this.flights.get(k);
      if (flight) return flight.promise;
    }
    const seq = ++this.seq;
    const promise = this.fetch(skill, appName).then((result) => {
      if (this.flights.get(k)?.seq === seq) {
        this.flights.delete(k);
        if (!result.error) this.cache.set(k, result);
      }
      return result;
    });
    this.flights.set(k, { seq, promise });
    return promise;
  }

  /**
   * Forgets what was read of one skill (or of all), on every target: the next load reads again. A read in flight
   * still answers those who asked for it, but it may predate what made the caller forget, so it is not cached.
   */
  invalidate(skill?: string): void {
    for (const map of [this.cache, this.flights]) {
      for (const k of [...map.keys()]) if (skill === undefined || k.endsWith(`/${skill}`) || k.includes(`/${skill}@`)) map.delete(k);
    }
  }

  private async fetch(skill: string, appName: string): Promise<AppHistory> {
    let connection: AppHistoryConnection | undefined;
    try {
      connection = await this.connect();
      const app = await connection.client.findAppByName(appName);
      if (!app) return { skill, deployments: [], fetchedAt: this.now() };
      const page = await connection.client.listDeployments(app.id, { per_page: this.limit });
      return { skill, app, deployments: (page.deployments ?? []).slice(0, this.limit), fetchedAt: this.now() };
    } catch (e) {
      return { skill, deployments: [], error: redact(e instanceof Error ? e.message : String(e)).slice(0, 1000), fetchedAt: this.now() };
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
}

/** An App Platform time, or undefined for none: DigitalOcean sends `0001-01-01T00:00:00Z` for "never". */
function timeOf(iso: string | undefined): number | undefined {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/** The latest `ended_at` of a deployment's progress steps (nested ones too): when its last step finished. */
function lastStepEnd(steps: DeploymentProgressStep[] | undefined): number | undefined {
  let last: number | undefined;
  for (const s of steps ?? []) {
    for (const t of [timeOf(s.ended_at), lastStepEnd(s.steps)]) if (t !== undefined && (last === undefined || t > last)) last = t;
  }
  return last;
}

/**
 * When a deployment settled (went ACTIVE, ERROR or CANCELED), by App Platform's clock; undefined while in flight or
 * unknown. A SUPERSEDED one went live when its last progress step ended: its `phase_last_updated_at` and `updated_at`
 * are when a newer deployment superseded it, which would stretch its duration until then.
 */
export function settledAt(d: Deployment): number | undefined {
  if (d.phase === 'SUPERSEDED') return lastStepEnd(d.progress?.steps);
  if (d.phase !== 'ACTIVE' && d.phase !== 'ERROR' && d.phase !== 'CANCELED') return undefined;
  return timeOf(d.phase_last_updated_at) ?? lastStepEnd(d.progress?.steps) ?? timeOf(d.updated_at);
}

/** How long a settled deployment took, created → settledAt; undefined while in flight or when the times are unknown. */
export function deploymentDurationMs(d: Deployment): number | undefined {
  const start = timeOf(d.created_at);
  const end = settledAt(d);
  return start !== undefined && end !== undefined && end >= start ? end - start : undefined;
}

/** One entry per target, skill and app: a skill has one app per environment (`skill@app` unless it is named as the skill). */
function key(target: string, skill: string, appName = skill): string {
  return appName === skill ? `${target}/${skill}` : `${target}/${skill}@${appName}`;
}
