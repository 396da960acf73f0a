/**
 * Builders for the deploy pipeline's tests: a real git repository (bare origin) with skills, a real local App Platform
 * on 127.0.0.1, a client with a metered request budget, a fault-injecting HTTP proxy in front of the platform, a
 * small Odoo JSON-RPC server, and a child-process entry point (for the resume-after-SIGKILL test).
 *
 * Run as a script (`node --import tsx test/builders/deploy.ts`) with ODOOBO_DEPLOY_CHILD set, it deploys one skill and
 * prints its events as JSON lines: the test kills it mid-build.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { request } from 'undici';
import { AppPlatformClient } from '../../src/core/do/client';
import { createDeployClient, deploySkill, MeteredBudget, type DeployCommonOptions, type DeployEvent, type DeployResult } from '../../src/core/deploy';
import { InflightStore, type InflightRecord } from '../../src/core/deploy/persist';
import { StatusStore } from '../../src/core/status/statusStore';
import type { StatusFile } from '../../src/core/status/schema';
import type { Faults, LocalPlatformOptions } from '../../src/platform/index';
import { get, startTestPlatform, waitFor, waitNoProcesses, type TestPlatform } from './platform';
import { SKILLS_REPO, SkillRepo } from './platformRepo';
import { appSpecFor, git, RepoFixture } from './repo';

export { waitFor, get };

/** Polling for tests: a 25 ms grid, never more than 250 ms between polls. */
export const FAST_POLL = { minMs: 25, maxMs: 250 } as const;

export interface DeployFixtureOptions {
  /** Generated skills (manifest, main.py, infra/<name>.yaml) on the main branch. */
  skills?: string[];
  /** Or one of the product's real skills (skills/<name> + infra/<name>.yaml) on its branch skill/<name>. */
  realSkill?: string;
  faults?: Faults;
  platform?: Partial<LocalPlatformOptions>;
  /** Budget limit (default 250 per minute). */
  limitPerMinute?: number;
}

/** A repository with skills, a started local App Platform and a metered client. Call `stop()` in `after`. */
export class DeployFixture {
  private readonly extraClients: AppPlatformClient[] = [];
  private proxies: Proxy[] = [];

  private constructor(
    readonly repoDir: string,
    private readonly cleanupRepo: () => Promise<void>,
    readonly origin: string,
    readonly platform: TestPlatform,
    readonly client: AppPlatformClient,
    readonly budget: MeteredBudget,
    readonly skillRepo?: SkillRepo,
  ) {}

  static async start(options: DeployFixtureOptions = {}): Promise<DeployFixture> {
    let repoDir: string;
    let origin: string;
    let cleanup: () => Promise<void>;
    let skillRepo: SkillRepo | undefined;
    if (options.realSkill) {
      skillRepo = await SkillRepo.create(options.realSkill);
      repoDir = skillRepo.fixture.dir;
      origin = skillRepo.origin;
      cleanup = () => skillRepo!.remove();
    } else {
      const fixture = await RepoFixture.create({ origin: true, prefix: 'odoobo-deploy-', skills: (options.skills ?? ['alpha']).map((name) => ({ name })) });
      repoDir = fixture.dir;
      origin = fixture.originDir;
      cleanup = () => fixture.remove();
      // Branches skill/<name> exist on origin, as `Set Up Worktrees` leaves them (no BRANCH_MISSING warnings).
      for (const name of options.skills ?? ['alpha']) await git(repoDir, 'push', '-q', 'origin', `main:refs/heads/skill/${name}`);
      await git(repoDir, 'fetch', '-q', 'origin');
    }
    let platform: TestPlatform;
    try {
      platform = await startTestPlatform({ repos: { [SKILLS_REPO]: origin }, faults: options.faults, ...options.platform });
    } catch (e) {
      await cleanup();
      throw e;
    }
    const { client, budget } = createDeployClient({
      baseUrl: platform.url,
      token: platform.token,
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      limitPerMinute: options.limitPerMinute,
    });
    return new DeployFixture(repoDir, cleanup, origin, platform, client, budget as MeteredBudget, skillRepo);
  }

  get url(): string {
    return this.platform.url;
  }

  get token(): string {
    return this.platform.token;
  }

  /** Options every deploy call of a test starts from. */
  options(extra: Partial<DeployCommonOptions> = {}): DeployCommonOptions {
    return { repoRoot: this.repoDir, client: this.client, target: 'local', budget: this.budget, poll: FAST_POLL, healthTimeoutMs: 3_000, timeoutMs: 60_000, ...extra };
  }

  /** Another client on the same platform (closed by stop()). */
  newClient(baseUrl = this.url): AppPlatformClient {
    const c = new AppPlatformClient({ baseUrl, token: this.token, retry: { baseDelayMs: 20, maxDelayMs: 100 }, budget: false });
    this.extraClients.push(c);
    return c;
  }

  async setFaults(faults: Faults): Promise<void> {
    await this.faultsRequest('PUT', faults);
  }

  async patchFaults(faults: Faults): Promise<void> {
    await this.faultsRequest('PATCH', faults);
  }

  private async faultsRequest(method: string, body: Faults): Promise<void> {
    const res = await fetch(`${this.url}/_local/faults`, { method, headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, `${method} /_local/faults: ${res.status} ${await res.text()}`);
  }

  /** Raw API call (no client): for what a test does behind the pipeline's back. */
  async api(method: string, p: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async app(name: string): Promise<any> {
    const { apps } = await this.api('GET', '/v2/apps?per_page=200');
    return apps.find((a: any) => a.spec.name === name);
  }

  async deployments(appId: string): Promise<any[]> {
    return (await this.api('GET', `/v2/apps/${appId}/deployments?per_page=200`)).deployments;
  }

  async deployment(appId: string, id: string): Promise<any> {
    return (await this.api('GET', `/v2/apps/${appId}/deployments/${id}`)).deployment;
  }

  /** What the live URL's health path answers (JSON body and status). */
  async health(liveUrl: string, p = '/health'): Promise<{ status: number; json?: any; text: string }> {
    return get(`${liveUrl}${p}`);
  }

  get status(): StatusStore {
    return new StatusStore(path.join(this.repoDir, '.git'));
  }

  async statusFile(): Promise<StatusFile> {
    return this.status.read();
  }

  async inflight(): Promise<InflightRecord[]> {
    return InflightStore.forCommonDir(path.join(this.repoDir, '.git')).read();
  }

  /** Rewrites the skill's app spec (infra/<name>.yaml) with `edit`. */
  async editSpec(skill: string, edit: (text: string) => string): Promise<void> {
    const file = path.join(this.repoDir, 'infra', `${skill}.yaml`);
    await fs.writeFile(file, edit(await fs.readFile(file, 'utf8')));
  }

  async resetSpec(skill: string): Promise<void> {
    const file = path.join(this.repoDir, 'infra', `${skill}.yaml`);
    await fs.writeFile(file, appSpecFor(skill));
  }

  /** A proxy in front of this platform (closed by stop()). */
  async proxy(): Promise<Proxy> {
    const p = await startProxy(this.url);
    this.proxies.push(p);
    return p;
  }

  async stop(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close()));
    await Promise.all([this.client, ...this.extraClients].map((c) => c.close().catch(() => undefined)));
    await this.platform.stop();
    await waitNoProcesses(this.platform.dataDir);
    await this.cleanupRepo();
    await fs.rm(this.platform.dataDir, { recursive: true, force: true });
  }
}

/** Collects events; `phases(skill)` answers the phases seen in order. */
export class EventLog {
  readonly events: DeployEvent[] = [];
  readonly listener = (e: DeployEvent): void => {
    this.events.push(e);
    for (const [pred, fn] of this.hooks) if (pred(e)) fn(e);
  };
  private readonly hooks: Array<[(e: DeployEvent) => boolean, (e: DeployEvent) => void]> = [];

  /** Calls `fn` (once) on the first event matching `pred`. */
  once(pred: (e: DeployEvent) => boolean, fn: (e: DeployEvent) => void): void {
    let fired = false;
    this.hooks.push([(e) => !fired && pred(e), (e) => {
      fired = true;
      fn(e);
    }]);
  }

  of<T extends DeployEvent['type']>(type: T, skill?: string): Extract<DeployEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type && (!skill || e.skill === skill)) as Extract<DeployEvent, { type: T }>[];
  }

  phases(skill?: string): string[] {
    return this.of('phase-changed', skill).map((e) => e.to);
  }
}

/** Asserts the result's status and error code, with the whole result in the message when it differs. */
export function expectResult(r: DeployResult, status: DeployResult['status'], code?: string): void {
  const show = () => JSON.stringify({ status: r.status, error: r.error, steps: r.steps.map((s) => `${s.name}:${s.status}${s.message ? ` (${s.message})` : ''}`), rollback: r.rollback, warnings: r.warnings }, null, 2);
  assert.equal(r.status, status, `expected ${status}: ${show()}`);
  if (code) assert.equal(r.error?.code, code, `expected ${code}: ${show()}`);
  if (code) assert.ok(r.error?.mitigation && r.error.mitigation.length > 20, 'a mitigation a person can act on');
}

export function stepNames(r: DeployResult): string[] {
  return r.steps.map((s) => `${s.name}:${s.status}`);
}

// ------------------------------------------------------------------------------------------------------------------
// A fault-injecting proxy in front of the platform (for what the platform's own faults cannot target).

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export type ProxyRule =
  /** Answer this instead of forwarding. */
  | { match: (r: ProxiedRequest) => boolean; times?: number; respond: { status: number; body: unknown } }
  /** Forward, then change the answer's JSON. */
  | { match: (r: ProxiedRequest) => boolean; times?: number; rewrite: (json: any) => any };

export interface Proxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  rule(rule: ProxyRule): void;
  /** Holds every request until release(). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const requests: ProxiedRequest[] = [];
  const rules: Array<ProxyRule & { left: number }> = [];
  let held: Promise<void> | undefined;
  let releaseHeld: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const rec: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8') };
        requests.push(rec);
        if (held) await held;
        const rule = rules.find((r) => r.left > 0 && r.match(rec));
        if (rule) rule.left--;
        if (rule && 'respond' in rule) {
          const text = JSON.stringify(rule.respond.body);
          res.writeHead(rule.respond.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
        const up = await request(`${target}${rec.path}`, { method: rec.method as 'GET', headers, body: rec.body || undefined });
        let text = await up.body.text();
        if (rule && 'rewrite' in rule && text) text = JSON.stringify(rule.rewrite(JSON.parse(text)));
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(up.headers)) if (typeof v === 'string' && !['content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)) out[k] = v;
        res.writeHead(up.statusCode, { ...out, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })().catch((e) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'proxy_error', message: String(e) }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rule: (r) => rules.push({ ...r, left: r.times ?? Number.POSITIVE_INFINITY }),
    hold: () => {
      held ??= new Promise<void>((resolve) => (releaseHeld = resolve));
    },
    release: () => {
      releaseHeld?.();
      held = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        releaseHeld?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------------------------------------------------------
// A small Odoo: JSON-RPC at /jsonrpc, `common.authenticate` and `object.execute_kw`, recording every call.

export interface OdooCall {
  service: string;
  method: string;
  args: any[];
}

export interface OdooServer {
  readonly url: string;
  readonly calls: OdooCall[];
  /** Messages posted per task id. */
  readonly messages: Map<number, string[]>;
  close(): Promise<void>;
}

export async function startOdoo(accounts: { database: string; login: string; apiKey: string; uid: number; tasks: number[] }): Promise<OdooServer> {
  const calls: OdooCall[] = [];
  const messages = new Map<number, string[]>();
  let nextMessage = 100;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== 'POST' || req.url !== '/jsonrpc') {
        res.writeHead(404).end('not found');
        return;
      }
      const rpc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { jsonrpc: string; method: string; id: unknown; params: { service: string; method: string; args: any[] } };
      const { service, method, args } = rpc.params;
      calls.push({ service, method, args });
      const fail = (message: string, name = 'odoo.exceptions.AccessDenied') => send({ jsonrpc: '2.0', id: rpc.id, error: { code: 200, message: 'Odoo Server Error', data: { name, message } } });
      if (rpc.jsonrpc !== '2.0' || rpc.method !== 'call') return fail('not a JSON-RPC 2.0 call', 'ValueError');
      if (service === 'common' && method === 'authenticate') {
        const [db, login, key] = args;
        return send({ jsonrpc: '2.0', id: rpc.id, result: db === accounts.database && login === accounts.login && key === accounts.apiKey ? accounts.uid : false });
      }
      if (service === 'object' && method === 'execute_kw') {
        const [db, uid, key, model, m, ids, kwargs] = args;
        if (db !== accounts.database || uid !== accounts.uid || key !== accounts.apiKey) return fail('Access Denied');
        if (model !== 'project.task' || m !== 'message_post') return fail(`unexpected ${model}.${m}`, 'ValueError');
        const taskId = ids?.[0]?.[0];
        if (!accounts.tasks.includes(taskId)) return fail(`Record does not exist or has been deleted. (Record: project.task(${taskId},))`, 'odoo.exceptions.MissingError');
        messages.set(taskId, [...(messages.get(taskId) ?? []), String(kwargs?.body ?? '')]);
        return send({ jsonrpc: '2.0', id: rpc.id, result: nextMessage++ });
      }
      return fail(`unknown ${service}.${method}`, 'ValueError');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------------------------------------------------------
// Child process: deploy one skill, print events as JSON lines (the resume test kills it mid-build).

export interface ChildDeployConfig {
  repoRoot: string;
  apiUrl: string;
  token: string;
  skill: string;
}

if (require.main === module && process.env.ODOOBO_DEPLOY_CHILD) {
  const cfg = JSON.parse(process.env.ODOOBO_DEPLOY_CHILD) as ChildDeployConfig;
  const { client } = createDeployClient({ baseUrl: cfg.apiUrl, token: cfg.token, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
  void deploySkill({
    repoRoot: cfg.repoRoot,
    client,
    target: 'local',
    skill: cfg.skill,
    poll: FAST_POLL,
    onEvent: (e) => process.stdout.write(JSON.stringify(e.type === 'deploy-finished' ? { type: e.type, status: e.result.status } : e) + '\n'),
  }).then(
    (r) => {
      process.stdout.write(JSON.stringify({ type: 'done', status: r.status }) + '\n');
      process.exit(0);
    },
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exit(1);
    },
  );
}
