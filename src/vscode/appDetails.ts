import * as vscode from 'vscode';
import type { AppHistoryLoader } from '../core/deploy/appHistory';
import type { App, Deployment, InstanceSize } from '../core/do';
import { isInFlight } from '../core/do/progress';
import { previewOf } from '../core/environments/config';
import { settings, type Target } from './config';
import type { DeployService } from './deployService';
import type { LocalPlatformManager } from './localPlatform';
import { Disposable } from './util/disposable';

/** What the Skills tree shows under a skill about its app on the current target. */
export interface AppDetails {
  readonly skill: string;
  /** The app read: the skill's app in an environment (the skill's own name when environments are not declared). */
  readonly appName: string;
  readonly target: Target;
  /** Undefined: no app of that name on the target. */
  readonly app?: App;
  /** Newest first, at most RECENT. */
  readonly deployments: readonly Deployment[];
  /** `apps-s-1vcpu-0.5gb · $5/mo`, when the size is known. */
  readonly size?: string;
  /** Why the app could not be read (no token, network…); the tree shows it instead of the app. */
  readonly error?: string;
  readonly fetchedAt: number;
}

/** How many recent deployments the tree lists per skill. */
export const RECENT = 5;
/** How long a read answers again without asking the API (events invalidate earlier). */
const FRESH_MS = 30_000;

/**
 * Reads each skill's app and recent deployments on demand (when its tree node is expanded), caches them, and
 * forgets them on the skill's deployment events. A deployment in flight that no pipeline of this window watches
 * (started by CI, another window) is polled — that app only, and only while the Skills view is visible.
 * The reads go through the window's AppHistoryLoader, which the dashboard's history shares: one read serves both.
 */
export class AppDetailsCache extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<string>());
  /** Fires with the skill whose details changed. */
  readonly onDidChange = this._onDidChange.event;
  private readonly cache = new Map<string, AppDetails>();
  private readonly loading = new Map<string, Promise<AppDetails>>();
  private readonly polls = new Map<string, NodeJS.Timeout>();
  private sizes?: { target: Target; at: number; sizes: Promise<Map<string, InstanceSize>> };
  private visible = false;

  constructor(
    private readonly deployments: DeployService,
    private readonly history: AppHistoryLoader,
    private readonly localPlatform: LocalPlatformManager,
    private readonly hasToken: () => Promise<boolean>,
  ) {
    super();
    this._register(
      deployments.onDidChange((skill) => {
        if (skill === undefined) return this.forgetAll();
        // Progress events carry the state; the app (and its list of deployments) is read again once it settles.
        if (deployments.state(skill)?.phase !== 'deploying') this.forget(skill);
      }),
    );
    const targetChanged = (e: vscode.ConfigurationChangeEvent) =>
      e.affectsConfiguration('odoobo.target') || e.affectsConfiguration('odoobo.apiUrl');
    this._register(vscode.workspace.onDidChangeConfiguration((e) => (targetChanged(e) ? this.forgetAll() : undefined)));
    this._register({ dispose: () => this.polls.forEach((t) => clearTimeout(t)) });
  }

  /** The Skills view's visibility: in-flight polling runs only while it is visible. */
  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    if (!visible) {
      this.polls.forEach((t) => clearTimeout(t));
      this.polls.clear();
    } else {
      for (const d of this.cache.values()) this.schedulePoll(d);
    }
  }

  /** Skills whose in-flight deployment is being polled (tests and the bench read it). */
  get polling(): readonly string[] {
    return [...this.polls.keys()];
  }

  peek(skill: string, appName = skill): AppDetails | undefined {
    return this.cache.get(cacheKey(skill, appName));
  }

  /**
   * Whether reading apps costs nothing the user did not ask for: the embedded platform is not started just to expand
   * a tree node, and DigitalOcean is only asked with a token.
   */
  async canRead(): Promise<boolean> {
    const s = settings();
    if (s.target === 'local') return this.localPlatform.isRunning || !!s.apiUrl;
    return this.hasToken();
  }

  /** The skill's app and recent deployments: cached while fresh, read once however many ask at the same time. */
  get(skill: string, appName = skill): Promise<AppDetails> {
    const k = cacheKey(skill, appName);
    const cached = this.cache.get(k);
    if (cached && Date.now() - cached.fetchedAt < FRESH_MS) return Promise.resolve(cached);
    let p = this.loading.get(k);
    if (!p) {
      p = this.read(skill, appName).finally(() => this.loading.delete(k));
      this.loading.set(k, p);
    }
    return p;
  }

  /** Forgets the skill's apps in every environment. */
  forget(skill: string): void {
    this.history.invalidate(skill);
    let changed = false;
    for (const k of [...this.cache.keys()]) if (skillOfKey(k) === skill) changed = this.cache.delete(k) || changed;
    if (changed) this._onDidChange.fire(skill);
    for (const [k, t] of [...this.polls]) {
      if (skillOfKey(k) !== skill) continue;
      clearTimeout(t);
      this.polls.delete(k);
    }
  }

  private forgetAll(): void {
    this.history.invalidate();
    for (const k of [...this.cache.keys()]) this.forget(skillOfKey(k));
    this.sizes = undefined;
  }

  private async read(skill: string, appName: string): Promise<AppDetails> {
    const target = settings().target;
    const h = await this.history.load(target, skill, { appName });
    let details: AppDetails;
    if (h.error) details = { skill, appName, target, deployments: [], error: h.error, fetchedAt: h.fetchedAt };
    else {
      const app = h.app;
      const slug = app?.spec.services?.find((s) => s.name === skill)?.instance_size_slug ?? app?.spec.services?.[0]?.instance_size_slug;
      const size = slug ? await this.describeSize(target, slug) : undefined;
      details = { skill, appName, target, app, deployments: h.deployments.slice(0, RECENT), size, fetchedAt: h.fetchedAt };
    }
    if (settings().target !== target) return details;
    this.cache.set(cacheKey(skill, appName), details);
    this.schedulePoll(details);
    return details;
  }

  /** The skill's pull-request previews on the target (apps named `<skill>-pr-<n>`), newest PR first; [] when unreadable. */
  async previews(skill: string): Promise<{ pr: number; app: App }[]> {
    if (!(await this.canRead())) return [];
    try {
      const connection = await this.deployments.connect();
      try {
        const apps = await connection.client.listApps();
        return apps
          .flatMap((app) => {
            const p = previewOf(app.spec.name);
            return p && p.app === skill ? [{ pr: p.pr, app }] : [];
          })
          .sort((a, b) => b.pr - a.pr);
      } finally {
        await connection.close();
      }
    } catch {
      return [];
    }
  }

  /** `slug · $N/mo`: the target's instance sizes are read once an hour (just the slug when they cannot be read). */
  private async describeSize(target: Target, slug: string): Promise<string> {
    if (!this.sizes || this.sizes.target !== target || Date.now() - this.sizes.at > 3_600_000) {
      const list = async (): Promise<InstanceSize[]> => {
        const connection = await this.deployments.connect();
        try {
          return await connection.client.listInstanceSizes();
        } finally {
          await connection.close();
        }
      };
      const sizes = list().then((all) => new Map(all.filter((s) => s.slug).map((s) => [s.slug!, s])));
      this.sizes = { target, at: Date.now(), sizes };
      sizes.catch(() => (this.sizes = undefined));
    }
    const size = (await this.sizes.sizes.catch(() => undefined))?.get(slug);
    const price = size?.usd_per_month ? `$${Number(size.usd_per_month)}/mo` : undefined;
    return [slug, price].filter(Boolean).join(' · ');
  }

  /** Polls an app whose deployment is in flight outside this window's pipelines, while the view is visible. */
  private schedulePoll(d: AppDetails): void {
    const inFlight = [d.app?.in_progress_deployment, d.app?.pending_deployment].some((x) => x?.phase && isInFlight(x.phase));
    const k = cacheKey(d.skill, d.appName);
    if (!this.visible || !inFlight || this.deployments.isDeploying(d.skill) || this.polls.has(k)) return;
    const delay = Math.max(1, settings().pollIntervalSeconds) * 1000;
    this.polls.set(
      k,
      setTimeout(() => {
        this.polls.delete(k);
        this.cache.delete(k);
        this.history.invalidate(d.skill);
        void this.get(d.skill, d.appName).then(() => this._onDidChange.fire(d.skill));
      }, delay),
    );
  }
}

/** The cache's key: the skill, or `skill@app` for an app not named as the skill. */
function cacheKey(skill: string, appName: string): string {
  return appName === skill ? skill : `${skill}@${appName}`;
}

function skillOfKey(k: string): string {
  const at = k.indexOf('@');
  return at < 0 ? k : k.slice(0, at);
}
