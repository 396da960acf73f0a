/**
 * A skill's deployment history from App Platform (apps_list_deployments of the app named like the skill): cached per
 * target and skill, one fetch in flight per skill, cancellable, and never throwing: an error becomes a message.
 * No `vscode` here.
 */
import { redact, type Deployment } from '../../core/do';
import { historyEntry } from './model';
import type { HistoryEntry } from './protocol';

export interface HistoryClient {
  findAppByName(name: string, options?: { signal?: AbortSignal }): Promise<{ id: string } | undefined>;
  listDeployments(appId: string, options?: { per_page?: number; signal?: AbortSignal }): Promise<{ deployments?: Deployment[] }>;
}

export interface HistoryConnection {
  readonly client: HistoryClient;
  close(): Promise<void>;
}

export interface HistoryResult {
  readonly skill: string;
  readonly entries: HistoryEntry[];
  /** A message for the user; the entries are empty then. */
  readonly error?: string;
  readonly fetchedAt: number;
}

export interface HistoryOptions {
  /** How long a fetched history is reused (default 30 s). */
  readonly ttlMs?: number;
  /** Deployments fetched per skill (default 20, newest first). */
  readonly limit?: number;
  readonly now?: () => number;
}

interface Flight {
  readonly controller: AbortController;
  readonly promise: Promise<HistoryResult | undefined>;
}

export class HistoryLoader {
  private readonly cache = new Map<string, HistoryResult>();
  private readonly flights = new Map<string, Flight>();
  private readonly ttlMs: number;
  private readonly limit: number;
  private readonly now: () => number;

  constructor(private readonly connect: () => Promise<HistoryConnection>, options: HistoryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.limit = options.limit ?? 20;
    this.now = options.now ?? Date.now;
  }

  /** A fresh enough cached history, if any. */
  cached(target: string, skill: string): HistoryResult | undefined {
    const hit = this.cache.get(`${target}/${skill}`);
    return hit && this.now() - hit.fetchedAt < this.ttlMs ? hit : undefined;
  }

  /** Resolves with the history, or undefined when the fetch was canceled (by `cancel`, or a `refresh` after it). */
  load(target: string, skill: string, options: { refresh?: boolean } = {}): Promise<HistoryResult | undefined> {
    const key = `${target}/${skill}`;
    const hit = options.refresh ? undefined : this.cached(target, skill);
    if (hit) return Promise.resolve(hit);
    const flight = this.flights.get(key);
    if (flight && !options.refresh) return flight.promise;
    flight?.controller.abort();
    const controller = new AbortController();
    const promise = this.fetch(skill, controller.signal).then((result) => {
      if (this.flights.get(key)?.controller === controller) this.flights.delete(key);
      if (controller.signal.aborted) return undefined;
      if (!result.error) this.cache.set(key, result);
      return result;
    });
    this.flights.set(key, { controller, promise });
    return promise;
  }

  /** Forgets cached histories (of one skill, or all) so that the next load fetches. */
  invalidate(skill?: string): void {
    for (const key of [...this.cache.keys()]) if (skill === undefined || key.endsWith(`/${skill}`)) this.cache.delete(key);
  }

  /** Cancels every fetch in flight (their loads resolve with undefined). */
  cancel(): void {
    for (const f of this.flights.values()) f.controller.abort();
    this.flights.clear();
  }

  private async fetch(skill: string, signal: AbortSignal): Promise<HistoryResult> {
    let connection: HistoryConnection | undefined;
    try {
      connection = await this.connect();
      const app = await connection.client.findAppByName(skill, { signal });
      if (!app) return { skill, entries: [], fetchedAt: this.now() };
      const page = await connection.client.listDeployments(app.id, { per_page: this.limit, signal });
      return { skill, entries: (page.deployments ?? []).slice(0, this.limit).map(historyEntry), fetchedAt: this.now() };
    } catch (e) {
      return { skill, entries: [], error: redact(e instanceof Error ? e.message : String(e)).slice(0, 1000), fetchedAt: this.now() };
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
}
