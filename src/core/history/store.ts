/**
 * The deployment history `<git-common-dir>/odoobo/history.jsonl`, beside the status file: one JSON line per attempt,
 * appended under a lock file, rotated by size into history.1.jsonl … history.<maxFiles>.jsonl. A line torn by a killed
 * writer is skipped on read and fenced off by a newline on the next append, so it never spoils the lines after it.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gitCommonDir } from '../git/git';
import { withLock } from '../status/lockFile';
import { odooboDir } from '../status/statusStore';
import { HISTORY_VERSION, HistoryRecordSchema, type HistoryEntry, type HistoryRecord } from './schema';

export interface HistoryOptions {
  /** The current file is rotated before an append would take it past this size (default 2 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one (default 4; 0 keeps only the current file). */
  readonly maxFiles?: number;
  /** How long an append waits for another writer's lock (default 10 s). */
  readonly lockTimeoutMs?: number;
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_FILES = 4;

/** Rotation settings from ODOOBO_HISTORY_MAX_BYTES / ODOOBO_HISTORY_MAX_FILES; a bad value names its variable. */
export function historyOptionsFromEnv(env: NodeJS.ProcessEnv): HistoryOptions {
  const num = (name: string, min: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const maxBytes = num('ODOOBO_HISTORY_MAX_BYTES', 1024);
  const maxFiles = num('ODOOBO_HISTORY_MAX_FILES', 0);
  return { ...(maxBytes !== undefined ? { maxBytes } : {}), ...(maxFiles !== undefined ? { maxFiles } : {}) };
}

export interface HistoryRead {
  /** Oldest first (by `at`). */
  records: HistoryRecord[];
  /** Lines that did not parse (a torn last line, a hand edit): skipped. */
  skipped: number;
}

export class HistoryStore {
  readonly dir: string;
  readonly file: string;
  readonly lockFile: string;

  constructor(readonly commonDir: string, private readonly options: HistoryOptions = {}) {
    this.dir = odooboDir(commonDir);
    this.file = path.join(this.dir, 'history.jsonl');
    this.lockFile = path.join(this.dir, 'history.jsonl.lock');
  }

  static async forRepository(dir: string, options?: HistoryOptions): Promise<HistoryStore> {
    const common = await gitCommonDir(dir);
    if (!common) throw new Error(`${dir} is not inside a git repository: the deployment history lives in its git directory.`);
    return new HistoryStore(common, options);
  }

  private get maxBytes(): number {
    return this.options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  private get maxFiles(): number {
    return this.options.maxFiles ?? DEFAULT_MAX_FILES;
  }

  /** `history.jsonl`, then the rotated ones newest first. */
  files(): string[] {
    return [this.file, ...Array.from({ length: this.maxFiles }, (_, i) => this.rotated(i + 1))];
  }

  private rotated(n: number): string {
    return path.join(this.dir, `history.${n}.jsonl`);
  }

  /** Appends one record (validated first, so a bad one throws instead of writing a line no reader accepts). */
  async append(entry: HistoryEntry): Promise<HistoryRecord> {
    const record = HistoryRecordSchema.parse({ ...entry, v: HISTORY_VERSION, id: randomBytes(8).toString('hex') });
    const line = Buffer.from(JSON.stringify(record) + '\n');
    const lockOptions = { purpose: 'append to the deployment history', timeoutMs: this.options.lockTimeoutMs ?? 10_000, staleMs: 10_000 };
    await fs.mkdir(this.dir, { recursive: true });
    await withLock(this.lockFile, lockOptions, async (lock) => {
      let size = await fs.stat(this.file).then((s) => s.size, () => 0);
      if (size > 0 && size + line.length > this.maxBytes) {
        await this.rotate();
        size = 0;
      }
      lock.assertHeld();
      const handle = await fs.open(this.file, 'a+', 0o644);
      try {
        // A writer killed mid-line left no newline: start on a line of our own.
        const last = Buffer.alloc(1);
        if (size > 0) await handle.read(last, 0, 1, size - 1);
        const data = size > 0 && last[0] !== 0x0a ? Buffer.concat([Buffer.from('\n'), line]) : line;
        // One write call: O_APPEND puts it whole at the end.
        let written = 0;
        while (written < data.length) written += (await handle.write(data, written)).bytesWritten;
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
    return record;
  }

  /** history.<n> → history.<n+1> from the top (the oldest beyond maxFiles is dropped), then the current → history.1. */
  private async rotate(): Promise<void> {
    const ignoreMissing = (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    };
    if (this.maxFiles === 0) {
      await fs.rm(this.file, { force: true });
      return;
    }
    await fs.rm(this.rotated(this.maxFiles), { force: true });
    for (let n = this.maxFiles - 1; n >= 1; n--) await fs.rename(this.rotated(n), this.rotated(n + 1)).catch(ignoreMissing);
    await fs.rename(this.file, this.rotated(1)).catch(ignoreMissing);
  }

  /** Every record of the current and rotated files, oldest first; unreadable lines are counted, not fatal. */
  async read(): Promise<HistoryRead> {
    const seen = new Set<string>();
    const records: HistoryRecord[] = [];
    let skipped = 0;
    for (const file of this.files()) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      for (const raw of text.split('\n')) {
        if (!raw.trim()) continue;
        const r = parseLine(raw);
        if (!r) skipped++;
        else if (!seen.has(r.id)) {
          seen.add(r.id);
          records.push(r);
        }
      }
    }
    records.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { records, skipped };
  }
}

function parseLine(raw: string): HistoryRecord | undefined {
  try {
    const r = HistoryRecordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
