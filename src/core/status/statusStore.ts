import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gitCommonDir } from '../git/git';
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
  type EnvironmentScope,
  type SkillDeployment,
  type SkillEnvironmentStatus,
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

export interface RecordOptions extends UpdateOptions {
  /** The environment the record is for; without it, only the top-level (default environment's) fields. */
  readonly environment?: EnvironmentScope;
}

/**
 * Applies `edit` to the records of `scope`: its entry under `environments`, and the top-level fields when it is the
 * default environment (or not given), which is what older readers read.
 */
export function editEnvironmentRecords(
  s: SkillStatus,
  scope: EnvironmentScope | undefined,
  edit: (records: SkillEnvironmentStatus) => void,
): void {
  if (!scope || scope.isDefault) edit(s);
  if (!scope) return;
  const own = structuredClone(s.environments?.[scope.name] ?? {});
  edit(own);
  s.environments = { ...s.environments, [scope.name]: own };
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
   */
  async update(mutate: (draft: StatusFile) => StatusFile | void, options: UpdateOptions = {}): Promise<StatusFile> {
    return withLock(this.lockFile, this.lockOptions(options.signal), async (lock) => {
      const current = await this.readLocked();
      const draft = structuredClone(current);
      const next = StatusFileSchema.parse({ ...(mutate(draft) ?? draft), updatedAt: new Date().toISOString() });
      lock.assertHeld();
      await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n');
      return next;
    });
  }

  /** Changes one skill's entry; `mutate` gets the current entry (or an empty one). */
  async updateSkill(name: string, mutate: (s: SkillStatus) => SkillStatus | void, options?: UpdateOptions): Promise<StatusFile> {
    assertSkillName(name);
    return this.update((draft) => {
      const current = draft.skills[name] ?? {};
      draft.skills[name] = mutate(current) ?? current;
    }, options);
  }

  /** Records a deployment as the skill's last one, and as the last one on its target (of its environment). */
  async recordDeployment(skill: string, deployment: SkillDeployment, options?: RecordOptions): Promise<StatusFile> {
    const d = SkillDeploymentSchema.parse(deployment);
    return this.updateSkill(skill, (s) => {
      editEnvironmentRecords(s, options?.environment, (r) => {
        r.lastDeployment = d;
        r.deployments = { ...r.deployments, [d.target]: d };
      });
    }, options);
  }

  async recordTest(skill: string, result: SkillTestResult, options?: RecordOptions): Promise<StatusFile> {
    const t = SkillTestResultSchema.parse(result);
    return this.updateSkill(skill, (s) => {
      editEnvironmentRecords(s, options?.environment, (r) => {
        r.lastTest = t;
      });
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
