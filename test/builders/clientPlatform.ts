/**
 * Builders for the tests that join the two halves: the typed App Platform client (src/core/do) driving a real local
 * App Platform (src/platform) over real HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { inspect } from 'node:util';
import { AppPlatformClient, type AppPlatformClientOptions } from '../../src/core/do/client';
import { AppPlatformError } from '../../src/core/do/errors';
import type { LogLevel } from '../../src/core/do/http';
import { waitForDeployment, type WaitForDeploymentOptions } from '../../src/core/do/progress';
import type { AppSpec, Deployment } from '../../src/core/do/schemas';
import type { Faults, LocalPlatformOptions } from '../../src/platform/index';
import { get, startTestPlatform, waitFor, waitNoProcesses, type TestPlatform } from './platform';
import { SKILLS_REPO, SkillRepo } from './platformRepo';

/** The repository name infra/<skill>.yaml names in its `github` source; mapped to the temp repo's bare origin. */

/** A spec for a simulated component (fault `simulate`: no git, no process; an in-process HTTP server answers). */
export function simulatedSpec(name: string, extra: Partial<AppSpec> = {}): AppSpec {
  return {
    name,
    region: 'fra',
    services: [
      {
        name: 'web',
        git: { repo_clone_url: '/nonexistent/simulated.git', branch: 'main' },
        run_command: 'uvicorn main:app --port $PORT',
        http_port: 8080,
        instance_size_slug: 'apps-s-1vcpu-0.5gb',
        health_check: { http_path: '/health' },
      },
    ],
    ...extra,
  };
}

/** Awaits `p`, asserting it rejects with an AppPlatformError (of `code`, when given). */
export async function rejection(p: Promise<unknown>, code?: AppPlatformError['code']): Promise<AppPlatformError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppPlatformError, `expected an AppPlatformError, got ${inspect(e)}`);
    if (code) assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected a rejection${code ? ` with ${code}` : ''}`);
}

export interface ClientPlatformOptions {
  /** Copy this skill (skills/<name>, infra/<name>.yaml) into a temp repo with a bare origin, mapped as SKILLS_REPO. */
  skill?: string;
  platform?: Partial<LocalPlatformOptions>;
  client?: AppPlatformClientOptions;
}

/** A started local App Platform, a client pointed at it, and the helpers the tests share. Call `stop()` in `after`. */
export class ClientPlatform {
  private readonly clients: AppPlatformClient[] = [];

  private constructor(
    readonly platform: TestPlatform,
    readonly repo: SkillRepo | undefined,
    readonly client: AppPlatformClient,
    /** Log lines the main client wrote (level + message). */
    readonly clientLog: Array<{ level: LogLevel; message: string }>,
  ) {
    this.clients.push(client);
  }

  static async start(options: ClientPlatformOptions = {}): Promise<ClientPlatform> {
    const repo = options.skill ? await SkillRepo.create(options.skill) : undefined;
    let platform: TestPlatform;
    try {
      platform = await startTestPlatform({ ...(repo ? { repos: { [SKILLS_REPO]: repo.origin } } : {}), ...options.platform });
    } catch (e) {
      await repo?.remove();
      throw e;
    }
    const log: Array<{ level: LogLevel; message: string }> = [];
    const client = new AppPlatformClient({
      baseUrl: platform.url,
      token: platform.token,
      // Fast backoff for 5xx (retry-after of a 429 is honoured as sent); no client-side budget: the tests poll fast.
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      budget: false,
      log: (level, message) => log.push({ level, message }),
      ...options.client,
    });
    return new ClientPlatform(platform, repo, client, log);
  }

  get url(): string {
    return this.platform.url;
  }

  get token(): string {
    return this.platform.token;
  }

  /** Another client for the same platform (closed by `stop()`). */
  newClient(options: AppPlatformClientOptions = {}): AppPlatformClient {
    const c = new AppPlatformClient({ baseUrl: this.url, token: this.token, retry: { baseDelayMs: 20, maxDelayMs: 100 }, budget: false, ...options });
    this.clients.push(c);
    return c;
  }

  /** Replaces the platform's faults (PUT /_local/faults; not part of DigitalOcean's API, so raw HTTP). */
  async setFaults(faults: Faults): Promise<Faults> {
    return this.faultsRequest('PUT', faults);
  }

  /** Merges into the platform's faults (PATCH /_local/faults). */
  async patchFaults(faults: Faults): Promise<Faults> {
    return this.faultsRequest('PATCH', faults);
  }

  async faults(): Promise<Faults> {
    return this.faultsRequest('GET');
  }

  private async faultsRequest(method: string, body?: Faults): Promise<Faults> {
    const res = await fetch(`${this.url}/_local/faults`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${method} /_local/faults: ${res.status} ${text}`);
    return (JSON.parse(text) as { faults: Faults }).faults;
  }

  /** The client's waitForDeployment with fast polling and a bounded wait. */
  wait(appId: string, deploymentId: string, options: WaitForDeploymentOptions = {}): Promise<Deployment> {
    return waitForDeployment(this.client, appId, deploymentId, { pollIntervalMs: 25, timeoutMs: 60_000, ...options });
  }

  /** Creates an app through the client and waits for its first deployment (created with the app) to be ACTIVE. */
  async createAndDeploy(spec: AppSpec): Promise<{ appId: string; liveUrl: string; deployment: Deployment }> {
    const app = await this.client.createApp(spec);
    const first = app.pending_deployment?.id ?? app.in_progress_deployment?.id;
    assert.ok(first, `createApp answered no pending deployment: ${JSON.stringify(app).slice(0, 500)}`);
    const deployment = await this.wait(app.id, first);
    assert.equal(deployment.phase, 'ACTIVE');
    assert.ok(app.live_url, 'the app has a live URL');
    return { appId: app.id, liveUrl: app.live_url, deployment };
  }

  /** Client log lines matching `re`. */
  logged(re: RegExp): string[] {
    return this.clientLog.filter((l) => re.test(l.message)).map((l) => `${l.level}: ${l.message}`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
    await this.platform.stop();
    await waitNoProcesses(this.platform.dataDir);
    await this.repo?.remove();
    await fs.rm(this.platform.dataDir, { recursive: true, force: true });
  }
}

/** GET `${liveUrl}/health`, asserting 200; answers the JSON body. */
export async function health(liveUrl: string): Promise<any> {
  const r = await get(`${liveUrl}/health`);
  assert.equal(r.status, 200, `GET ${liveUrl}/health: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

/**
 * Polls `${liveUrl}/health` every `intervalMs` until `stop()` is called; records every status (or the network error).
 * Shows that the live URL keeps serving while something else happens.
 */
export function watchHealth(liveUrl: string, intervalMs = 50): { stop: () => Promise<{ ok: number; failures: string[] }> } {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const loop = (async () => {
    // Bounded: at most 2 minutes of polling even if stop() is never called (call it in a finally).
    const deadline = Date.now() + 120_000;
    while (running && Date.now() < deadline) {
      try {
        const r = await get(`${liveUrl}/health`, 3000);
        if (r.status === 200) ok++;
        else failures.push(`${r.status} ${r.text.slice(0, 100)}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  // Callable more than once (e.g. in a finally and again for the figures).
  return {
    stop: async () => {
      running = false;
      await loop;
      return { ok, failures: [...failures] };
    },
  };
}

export { waitFor };
