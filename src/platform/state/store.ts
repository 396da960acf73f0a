import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { CoalescingWriter, writeFileAtomic } from '../util/atomicFile';
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

/** What an app file must hold to be loaded; the rest is the platform's own writing and is trusted. */
const storedApp = z.looseObject({
  id: z.string().min(1),
  spec: z.looseObject({ name: z.string() }),
  createdAt: z.string(),
  ingressPort: z.number().int(),
  deployments: z.array(z.looseObject({ id: z.string(), phase: z.string(), spec: z.looseObject({}), steps: z.array(z.unknown()) })),
  alerts: z.array(z.unknown()).optional(),
});

const storedMeta = z.looseObject({ logSecret: z.string().min(32), ownerUuid: z.string(), createdAt: z.string() });

/** A state file that could not be read: it was moved aside (kept) and the platform started without it. */
interface SetAside {
  readonly file: string;
  readonly movedTo: string;
  readonly reason: string;
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

  /** State files found corrupt at start (`loadApps`, `init`): each was renamed `<file>.corrupt-<time>`. */
  readonly setAside: SetAside[] = [];

  constructor(readonly dir: DataDir) {}

  async init(): Promise<PlatformMeta> {
    // Private to its user: logs hold what skills print, state holds specs (envs included).
    await fs.mkdir(this.dir.root, { recursive: true, mode: 0o700 });
    await fs.chmod(this.dir.root, 0o700).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`cannot make the data folder ${this.dir.root} private (mode 0700): ${err.code ?? err.message}`);
    });
    await fs.mkdir(this.dir.apps, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.dir.logs, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.dir.builds, { recursive: true, mode: 0o700 });
    await fs.mkdir(this.dir.processes, { recursive: true, mode: 0o700 });
    const existing = await this.readStateFile(this.dir.platformFile, storedMeta);
    if (existing) return existing;
    const meta: PlatformMeta = {
      logSecret: randomBytes(32).toString('hex'),
      ownerUuid: randomUUID(),
      createdAt: new Date().toISOString(),
    };
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
      // The platform writes each app to `<id>.json`: a file under another name is not one of its own.
      const id = name.slice(0, -'.json'.length);
      const schema = storedApp.refine((a) => a.id === id, { message: `the id differs from the file name (${id})`, path: ['id'] });
      const app = await this.readStateFile(path.join(this.dir.apps, name), schema);
      if (app) apps.push({ ...app, alerts: app.alerts ?? [] } as unknown as AppRecord);
    }
    return apps.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * A state file parsed and checked against `schema`; `undefined` when it does not exist. A corrupt one (not JSON, not
   * the expected shape) is renamed `<file>.corrupt-<time>`, kept for inspection, and reported in `setAside`.
   */
  private async readStateFile<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S> | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the state file ${file}: ${(err as Error).message}`);
    }
    let reason: string;
    try {
      const r = schema.safeParse(JSON.parse(text));
      if (r.success) return r.data;
      reason = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'the file'}: ${i.message}`).join('; ');
    } catch (err) {
      reason = (err as Error).message;
    }
    const movedTo = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await fs.rename(file, movedTo);
    this.setAside.push({ file, movedTo, reason });
    return undefined;
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
