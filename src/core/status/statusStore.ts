import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gitCommonDir } from '../git/worktrees';
import { assertSkillName } from '../skills/names';
import { writeFileAtomic } from './atomicFile';
import { StatusError } from './errors';
import { withLock, type LockOptions } from './lockFile';
import {
  emptyStatusFile,
  SkillDeploymentSchema,
  SkillMergeSchema,
  SkillTestResultSchema,
  SkillWorktreeRecordSchema,
  StatusFileSchema,
  type SkillDeployment,
  type SkillMerge,
  type SkillStatus,
  type SkillTestResult,
  type SkillWorktreeRecord,
  type StatusFile,
} from './schema';

/** `<git-common-dir>/odoobo`: shared by every worktree of the repository, never tracked, never pushed. */
export function odooboDir(commonDir: string): string {
  return path.join(commonDir, 'odoobo');
}

export interface StatusStoreOptions {
  /** How long an update waits for another writer (default 10 s). */
  readonly lockTimeoutMs?: number;
  readonly lockStaleMs?: number;
}

export interface UpdateOptions {
  readonly signal?: AbortSignal;
}

type Parsed = { ok: true; status: StatusFile } | { ok: false; problems: string[] };

function parseStatus(text: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`invalid JSON: ${(e as Error).message}`] };
  }
  const r = StatusFileSchema.safeParse(json);
  if (r.success) return { ok: true, status: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`) };
}

function timestampForFileName(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('.', '-');
}

interface Queued {
  mutate: (draft: StatusFile) => StatusFile | void;
  resolve(file: StatusFile): void;
  reject(reason: unknown): void;
  settled: boolean;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Batch {
  queue: Queued[];
  running: boolean;
}

/** Updates waiting for their status file, per file (any StatusStore of this process for it). */
const BATCHES = new Map<string, Batch>();

function settle(q: Queued, fn: () => void): void {
  if (q.settled) return;
  q.settled = true;
  if (q.onAbort) q.signal?.removeEventListener('abort', q.onAbort);
  fn();
}

/**
 * The status file `<git-common-dir>/odoobo/status.json`: read-modify-write under a lock file, written atomically,
 * validated on read. A corrupt file is moved aside to `status.json.corrupt-<ts>` and reported (STATUS_FILE_CORRUPT).
 */
export class StatusStore {
  readonly dir: string;
  readonly file: string;
  readonly lockFile: string;

  constructor(readonly commonDir: string, private readonly options: StatusStoreOptions = {}) {
    this.dir = odooboDir(commonDir);
    this.file = path.join(this.dir, 'status.json');
    this.lockFile = path.join(this.dir, 'status.json.lock');
  }

  /** The store of the repository that contains `dir` (any of its worktrees). */
  static async forRepository(dir: string, options?: StatusStoreOptions): Promise<StatusStore> {
    const common = await gitCommonDir(dir);
    if (!common) throw new Error(`${dir} is not inside a git repository: the status file lives in its git directory.`);
    return new StatusStore(common, options);
  }

  private lockOptions(signal?: AbortSignal, purpose = 'update status file'): LockOptions {
    return { purpose, timeoutMs: this.options.lockTimeoutMs ?? 10_000, staleMs: this.options.lockStaleMs ?? 10_000, signal };
  }

  private async readText(): Promise<string | undefined> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Reads under the lock: moves a corrupt file aside and throws STATUS_FILE_CORRUPT. */
  private async readLocked(): Promise<StatusFile> {
    const text = await this.readText();
    if (text === undefined) return emptyStatusFile();
    const parsed = parseStatus(text);
    if (parsed.ok) return parsed.status;
    const movedTo = await this.moveAside();
    throw new StatusError(
      'STATUS_FILE_CORRUPT',
      `The status file ${this.file} is corrupt (${parsed.problems.slice(0, 5).join('; ')}); it was moved to ${movedTo}.`,
      { file: this.file, movedTo, problems: parsed.problems },
    );
  }

  private async moveAside(): Promise<string> {
    const base = `${this.file}.corrupt-${timestampForFileName()}`;
    for (let n = 0; ; n++) {
      const target = n === 0 ? base : `${base}-${n}`;
      const taken = await fs.stat(target).then(() => true, () => false);
      if (taken) continue;
      await fs.rename(this.file, target);
      return target;
    }
  }

  /** The whole file; an empty one when it does not exist yet. Throws STATUS_FILE_CORRUPT (after moving it aside). */
  async read(options: UpdateOptions = {}): Promise<StatusFile> {
    const text = await this.readText();
    if (text === undefined) return emptyStatusFile();
    const parsed = parseStatus(text);
    if (parsed.ok) return parsed.status;
    // Writers rename whole files, so this is not a torn read; confirm under the lock before moving it aside.
    return withLock(this.lockFile, this.lockOptions(options.signal, 'move a corrupt status file aside'), () => this.readLocked());
  }

  async skill(name: string, options?: UpdateOptions): Promise<SkillStatus | undefined> {
    assertSkillName(name);
    return (await this.read(options)).skills[name];
  }

  /**
   * Read-modify-write under the lock file: `mutate` changes the draft in place (or returns a new one). The result is
   * validated before it is written, so a bad mutation throws instead of writing a file that later reads as corrupt.
   *
   * Group commit: updates of the same file asked for in this process while one is being written are applied together,
   * in order, in the next single write (one lock, one read, one write for N skills finishing at once). Each is still
   * checked on its own: a mutation that throws or would make the file invalid is rejected and the others are written.
   * Every caller gets the file as written, which may include the updates batched after its own.
   */
  update(mutate: (draft: StatusFile) => StatusFile | void, options: UpdateOptions = {}): Promise<StatusFile> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(this.aborted());
    return new Promise<StatusFile>((resolve, reject) => {
      let batch = BATCHES.get(this.file);
      if (!batch) BATCHES.set(this.file, (batch = { queue: [], running: false }));
      const q: Queued = { mutate, resolve, reject, settled: false, signal };
      if (signal) {
        q.onAbort = () => settle(q, () => reject(this.aborted()));
        signal.addEventListener('abort', q.onAbort, { once: true });
      }
      batch.queue.push(q);
      if (!batch.running) {
        // Started after this turn's other updates have queued: they are one write.
        batch.running = true;
        const b = batch;
        queueMicrotask(() => void this.drain(b));
      }
    });
  }

  private aborted(): StatusError {
    return new StatusError('ABORTED', `Canceled before the status file ${this.file} was updated.`, { file: this.file });
  }

  private async drain(batch: Batch): Promise<void> {
    batch.running = true;
    try {
      while (batch.queue.length > 0) {
        const taken = batch.queue.splice(0).filter((q) => !q.settled);
        if (taken.length === 0) continue;
        try {
          const written = await withLock(this.lockFile, this.lockOptions(), async (lock) => {
            const current = await this.readLocked();
            const live = taken.filter((q) => !q.settled);
            // From here on these updates happen (as a lone update did once it held the lock): a later abort is ignored.
            for (const q of live) {
              if (q.onAbort) q.signal?.removeEventListener('abort', q.onAbort);
              q.onAbort = undefined;
            }
            // All at once on one copy, checked once; only when that fails, one by one (each on its own copy, each
            // checked), so the bad ones are rejected alone. Mutations are pure changes of the draft: applying one again
            // on another copy is safe.
            let draft = structuredClone(current);
            let applied: Queued[] = live;
            try {
              for (const q of live) draft = q.mutate(draft) ?? draft;
              StatusFileSchema.parse(draft);
            } catch {
              draft = structuredClone(current);
              applied = [];
              for (const q of live) {
                try {
                  const copy = structuredClone(draft);
                  const next = q.mutate(copy) ?? copy;
                  StatusFileSchema.parse(next);
                  draft = next;
                  applied.push(q);
                } catch (e) {
                  settle(q, () => q.reject(e));
                }
              }
            }
            if (applied.length === 0) return undefined;
            const next = StatusFileSchema.parse({ ...draft, updatedAt: new Date().toISOString() });
            lock.assertHeld();
            await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n');
            return { applied, next };
          });
          // Answered once the lock is released, as a lone update was.
          for (const q of written?.applied ?? []) settle(q, () => q.resolve(written!.next));
        } catch (e) {
          for (const q of taken) settle(q, () => q.reject(e));
        }
      }
    } finally {
      batch.running = false;
      if (batch.queue.length === 0) BATCHES.delete(this.file);
      else void this.drain(batch);
    }
  }

  /** Changes one skill's entry; `mutate` gets the current entry (or an empty one). */
  async updateSkill(name: string, mutate: (s: SkillStatus) => SkillStatus | void, options?: UpdateOptions): Promise<StatusFile> {
    assertSkillName(name);
    return this.update((draft) => {
      const current = draft.skills[name] ?? {};
      draft.skills[name] = mutate(current) ?? current;
    }, options);
  }

  /** Records a deployment as the skill's last one, and as the last one on its target. */
  async recordDeployment(skill: string, deployment: SkillDeployment, options?: UpdateOptions): Promise<StatusFile> {
    const d = SkillDeploymentSchema.parse(deployment);
    return this.updateSkill(skill, (s) => {
      s.lastDeployment = d;
      s.deployments = { ...s.deployments, [d.target]: d };
    }, options);
  }

  async recordTest(skill: string, result: SkillTestResult, options?: UpdateOptions): Promise<StatusFile> {
    const t = SkillTestResultSchema.parse(result);
    return this.updateSkill(skill, (s) => {
      s.lastTest = t;
    }, options);
  }

  async recordMerge(skill: string, merge: SkillMerge, options?: UpdateOptions): Promise<StatusFile> {
    const m = SkillMergeSchema.parse(merge);
    return this.updateSkill(skill, (s) => {
      s.lastMerge = m;
    }, options);
  }

  /** Records where the skill's worktree is (`null`: removed). */
  async recordWorktree(skill: string, worktree: SkillWorktreeRecord | null, options?: UpdateOptions): Promise<StatusFile> {
    const w = worktree === null ? null : SkillWorktreeRecordSchema.parse(worktree);
    return this.updateSkill(skill, (s) => {
      s.worktree = w;
    }, options);
  }
}
