import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CoalescingWriter, readJson, writeFileAtomic } from '../util/atomicFile';
import { isInFlight, type AppRecord, type DeploymentRecord } from './model';

/** Layout of the data folder. Everything the platform keeps lives under it. */
export class DataDir {
  constructor(readonly root: string) {}
  get state(): string { return path.join(this.root, 'state'); }
  get apps(): string { return path.join(this.state, 'apps'); }
  get platformFile(): string { return path.join(this.state, 'platform.json'); }
  get logs(): string { return path.join(this.root, 'logs'); }
  get builds(): string { return path.join(this.root, 'builds'); }
  get shims(): string { return path.join(this.root, 'shims'); }
  get run(): string { return path.join(this.root, 'run'); }
  get processes(): string { return path.join(this.run, 'processes'); }
  get lockFile(): string { return path.join(this.run, 'platform.lock.json'); }
  appFile(id: string): string { return path.join(this.apps, `${id}.json`); }
  buildDir(deploymentId: string): string { return path.join(this.builds, deploymentId); }
  logDir(deploymentId: string): string { return path.join(this.logs, deploymentId); }
}

export interface PlatformMeta {
  /** Signs historic and live log URLs (DigitalOcean's are pre-signed too). */
  logSecret: string;
  ownerUuid: string;
  createdAt: string;
}

/**
 * How long a save of progress alone (a step starting or ending, an in-flight phase) may wait for more. Each write of
 * an app costs a millisecond or two of CPU, much of it in the kernel (a rename over the old file makes ext4 write the
 * new one out); a deployment's steps change several times within a few milliseconds, and 50 deployments started
 * together change together. A crash loses at most this much progress of deployments that are in flight, which a
 * restart marks as interrupted anyway; what API answers wait for, and deployments' final phases, are written at once.
 */
export const LAZY_SAVE_MS = 250;

/** Persists apps (with their deployments) as one JSON file per app, written atomically. */
export class StateStore {
  private readonly writer = new CoalescingWriter();
  private readonly deleted = new Set<string>();
  private readonly finished = new WeakMap<DeploymentRecord, { key: string; json: string }>();

  constructor(readonly dir: DataDir) {}

  async init(): Promise<PlatformMeta> {
    await fs.mkdir(this.dir.apps, { recursive: true });
    await fs.mkdir(this.dir.logs, { recursive: true });
    await fs.mkdir(this.dir.builds, { recursive: true });
    await fs.mkdir(this.dir.processes, { recursive: true });
    const existing = await readJson<PlatformMeta>(this.dir.platformFile);
    if (existing?.logSecret) return existing;
    const meta: PlatformMeta = { logSecret: randomBytes(32).toString('hex'), ownerUuid: randomUUID(), createdAt: new Date().toISOString() };
    await writeFileAtomic(this.dir.platformFile, JSON.stringify(meta, null, 2));
    return meta;
  }

  async loadApps(): Promise<AppRecord[]> {
    const names = await fs.readdir(this.dir.apps).catch(() => [] as string[]);
    const apps: AppRecord[] = [];
    for (const name of names) {
      if (!name.endsWith('.json')) {
        // Leftover temporary files of writes interrupted by a crash.
        if (name.endsWith('.tmp')) await fs.rm(path.join(this.dir.apps, name), { force: true });
        continue;
      }
      const app = await readJson<AppRecord>(path.join(this.dir.apps, name));
      if (app?.id) apps.push(app);
    }
    return apps.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Writes the app on the next turn of the event loop, or (`lazy`) within LAZY_SAVE_MS, taken along sooner by the
   * next eager save of the same app.
   */
  save(app: AppRecord, lazy = false): Promise<void> {
    if (this.deleted.has(app.id)) return Promise.resolve();
    return this.writer.write(this.dir.appFile(app.id), () => this.render(app), lazy ? LAZY_SAVE_MS : 0);
  }

  /**
   * The app as JSON. A finished deployment's JSON is kept and used again while its phase and times stay the same (it
   * changes only through the platform's setPhase and touch, which move them): an app with a long history is not
   * serialised whole on every progress step of its newest deployment.
   */
  private render(app: AppRecord): string {
    const { deployments, ...rest } = app;
    const parts = deployments.map((d) => {
      if (isInFlight(d.phase)) return JSON.stringify(d);
      const key = `${d.phase}|${d.updatedAt}|${d.phaseLastUpdatedAt}`;
      const kept = this.finished.get(d);
      if (kept?.key === key) return kept.json;
      const json = JSON.stringify(d);
      this.finished.set(d, { key, json });
      return json;
    });
    const head = JSON.stringify(rest);
    return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"deployments":[${parts.join(',')}]}`;
  }

  async remove(id: string): Promise<void> {
    this.deleted.add(id);
    await this.writer.flush();
    await fs.rm(this.dir.appFile(id), { force: true });
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }
}
