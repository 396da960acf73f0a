/**
 * What the pipeline writes to disk: results in the status file (`<git-common-dir>/odoobo/status.json`) and the
 * deployments in flight (`<git-common-dir>/odoobo/inflight.json`), so that another process can resume monitoring.
 * Writes that arrive while one is being written are merged into the next one (one lock, one fsync for many skills).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { assertSkillName } from '../skills/names';
import { writeFileAtomic } from '../status/atomicFile';
import { withLock } from '../status/lockFile';
import { SkillDeploymentSchema, type EnvironmentScope, type SkillDeployment, type SkillStatus, type StatusFile } from '../status/schema';
import { editEnvironmentRecords, odooboDir, type StatusStore } from '../status/statusStore';

/** Runs `apply` on batches: the first call starts at once, calls made meanwhile share the next run. */
export class CoalescedWriter<M> {
  private queue: Array<{ m: M; resolve: () => void; reject: (e: unknown) => void }> = [];
  private running = false;

  constructor(private readonly apply: (batch: M[]) => Promise<void>) {}

  submit(m: M): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ m, resolve, reject });
      void this.run();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          await this.apply(batch.map((b) => b.m));
          for (const b of batch) b.resolve();
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Status file

/** A failed attempt (the live deployment stays `lastDeployment`, which is what merge checks). */
export interface DeployAttemptRecord {
  target: string;
  status: 'failed' | 'canceled' | 'rolled-back';
  appId?: string;
  deploymentId?: string;
  phase?: string;
  code: string;
  step: string;
  message: string;
  at: string;
  /** The deployment that served before the attempt still serves (verified), or the rollback restored it. */
  previousStillServing?: boolean;
}

/** An automatic rollback: what failed, why, and what serves again. */
export interface DeployIncident {
  target: string;
  environment?: string;
  appId: string;
  failedDeploymentId: string;
  cause: { code: string; step: string; message: string };
  restoredDeploymentId?: string;
  /** The new deployment App Platform made for the rollback. */
  rollbackDeploymentId?: string;
  rollback: 'succeeded' | 'failed' | 'skipped';
  at: string;
}

const MAX_INCIDENTS = 20;

type StatusMutation = (draft: StatusFile) => void;

/** One writer per status file in a process (keyed by path: stores of several sessions share it). */
const statusWriters = new Map<string, CoalescedWriter<StatusMutation>>();

function statusWriter(store: StatusStore): CoalescedWriter<StatusMutation> {
  let w = statusWriters.get(store.file);
  if (!w) {
    w = new CoalescedWriter<StatusMutation>(async (batch) => {
      await store.update((draft) => {
        for (const m of batch) m(draft);
      });
    });
    statusWriters.set(store.file, w);
  }
  return w;
}

function editSkill(store: StatusStore, skill: string, fn: (s: SkillStatus & Record<string, unknown>) => void): Promise<void> {
  assertSkillName(skill);
  return statusWriter(store).submit((draft) => {
    const s = (draft.skills[skill] ?? {}) as SkillStatus & Record<string, unknown>;
    fn(s);
    draft.skills[skill] = s;
  });
}

/** StatusStore.recordDeployment's effect, batched with other skills' writes. */
export function recordDeployment(store: StatusStore, skill: string, deployment: SkillDeployment, env?: EnvironmentScope): Promise<void> {
  const d = SkillDeploymentSchema.parse(deployment);
  return editSkill(store, skill, (s) =>
    editEnvironmentRecords(s, env, (r) => {
      r.lastDeployment = d;
      r.deployments = { ...r.deployments, [d.target]: d };
    }),
  );
}

export function recordAttempt(store: StatusStore, skill: string, attempt: DeployAttemptRecord, env?: EnvironmentScope): Promise<void> {
  return editSkill(store, skill, (s) =>
    editEnvironmentRecords(s, env, (r) => {
      r.lastDeployAttempt = { ...attempt };
    }),
  );
}

export function recordIncident(store: StatusStore, skill: string, incident: DeployIncident): Promise<void> {
  return editSkill(store, skill, (s) => {
    const list = Array.isArray(s.incidents) ? (s.incidents as unknown[]) : [];
    s.incidents = [...list, incident].slice(-MAX_INCIDENTS);
  });
}

// ------------------------------------------------------------------------------------------------------------------
// In-flight deployments

export const InflightRecordSchema = z.looseObject({
  skill: z.string().min(1),
  target: z.string().min(1),
  /** The App Platform API the deployment runs on (a local platform's URL or https://api.digitalocean.com). */
  apiUrl: z.string().min(1),
  appId: z.string().min(1),
  deploymentId: z.string().min(1),
  previousDeploymentId: z.string().optional(),
  liveUrl: z.string().optional(),
  startedAt: z.string(),
  pid: z.number().int(),
  host: z.string(),
  timeoutMs: z.number().int().positive().optional(),
  /** The environment deployed to: a resume records under it (older records: the default one). */
  environment: z.string().min(1).optional(),
});
export type InflightRecord = z.infer<typeof InflightRecordSchema>;

const InflightFileSchema = z.looseObject({ version: z.literal(1), deployments: z.array(InflightRecordSchema) });

type InflightMutation =
  | { kind: 'put'; record: InflightRecord }
  | { kind: 'remove'; target: string; apiUrl: string; skill: string; deploymentId: string };

const sameSlot = (a: { target: string; apiUrl: string; skill: string }, b: { target: string; apiUrl: string; skill: string }) =>
  a.target === b.target && a.apiUrl === b.apiUrl && a.skill === b.skill;

/** `<git-common-dir>/odoobo/inflight.json`: one record per skill and target while its deployment runs. */
export class InflightStore {
  readonly file: string;
  readonly lockFile: string;
  private readonly writer: CoalescedWriter<InflightMutation>;

  private static readonly byFile = new Map<string, InflightStore>();

  /** One store per file in a process, so that writes from several plans merge. */
  static forCommonDir(commonDir: string): InflightStore {
    const file = path.join(odooboDir(commonDir), 'inflight.json');
    let s = InflightStore.byFile.get(file);
    if (!s) {
      s = new InflightStore(file);
      InflightStore.byFile.set(file, s);
    }
    return s;
  }

  private constructor(file: string) {
    this.file = file;
    this.lockFile = `${file}.lock`;
    this.writer = new CoalescedWriter((batch) => this.apply(batch));
  }

  async read(): Promise<InflightRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    try {
      const r = InflightFileSchema.safeParse(JSON.parse(text));
      // A record that does not parse is dropped: it can only name a deployment we cannot resume anyway.
      return r.success ? r.data.deployments : [];
    } catch {
      return [];
    }
  }

  put(record: InflightRecord): Promise<void> {
    return this.writer.submit({ kind: 'put', record: InflightRecordSchema.parse(record) });
  }

  remove(record: Pick<InflightRecord, 'target' | 'apiUrl' | 'skill' | 'deploymentId'>): Promise<void> {
    const { target, apiUrl, skill, deploymentId } = record;
    return this.writer.submit({ kind: 'remove', target, apiUrl, skill, deploymentId });
  }

  private async apply(batch: InflightMutation[]): Promise<void> {
    await withLock(this.lockFile, { purpose: 'update in-flight deployments', timeoutMs: 10_000, staleMs: 10_000 }, async (lock) => {
      let records = await this.read();
      for (const m of batch) {
        if (m.kind === 'put') records = [...records.filter((r) => !sameSlot(r, m.record)), m.record];
        else records = records.filter((r) => !(sameSlot(r, m) && r.deploymentId === m.deploymentId));
      }
      lock.assertHeld();
      // Atomic but not fsync'd: the records are for a process that was killed or a window that reloaded (the file
      // survives both); the machine losing power mid-deploy is not worth ~6 ms (p90 ~14 ms here) on every create.
      await writeFileAtomic(this.file, JSON.stringify({ version: 1, deployments: records }, null, 2) + '\n', { durable: false });
    });
  }
}

export function inflightOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: os.hostname() };
}
