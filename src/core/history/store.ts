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

interface AppendQueue {
  waiting: { line: Buffer; resolve: () => void; reject: (e: unknown) => void }[];
  running: boolean;
}

/** Appends waiting in this process, per file and settings; drained by one of them at a time. */
const appendQueues = new Map<string, AppendQueue>();

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
    await fs.mkdir(this.dir, { recursive: true });
    // Concurrent appends of this process (a plan's N deploys ending together) share one lock, write and datasync:
    // one at a time, each waited for the lock's polling and its own datasync (cap 20: ~230 ms in the record step).
    const key = [this.file, this.maxBytes, this.maxFiles, this.options.lockTimeoutMs].join('\0');
    let queue = appendQueues.get(key);
    if (!queue) appendQueues.set(key, (queue = { waiting: [], running: false }));
    const q = queue;
    await new Promise<void>((resolve, reject) => {
      q.waiting.push({ line, resolve, reject });
      if (!q.running) void this.drain(key, q);
    });
    return record;
  }

  private async drain(key: string, q: AppendQueue): Promise<void> {
    q.running = true;
    try {
      while (q.waiting.length > 0) {
        const batch = q.waiting.splice(0);
        try {
          await this.appendLines(batch.map((b) => b.line));
          for (const b of batch) b.resolve();
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      q.running = false;
      appendQueues.delete(key);
    }
  }

  /** The lines in order under one lock, each rotating the file first when it would take it past maxBytes. */
  private async appendLines(lines: readonly Buffer[]): Promise<void> {
    const lockOptions = { purpose: 'append to the deployment history', timeoutMs: this.options.lockTimeoutMs ?? 10_000, staleMs: 10_000 };
    await withLock(this.lockFile, lockOptions, async (lock) => {
      let size = await fs.stat(this.file).then((s) => s.size, () => 0);
      for (let i = 0; i < lines.length; ) {
        if (size > 0 && size + lines[i].length > this.maxBytes) {
          await this.rotate();
          size = 0;
        }
        // This line, and the next ones as long as none of them would rotate the file.
        let end = i + 1;
        let bytes = lines[i].length;
        while (end < lines.length && size + bytes + lines[end].length <= this.maxBytes) bytes += lines[end++].length;
        lock.assertHeld();
        size += await this.write(size, lines.slice(i, end));
        i = end;
      }
    });
  }

  /** Appends `lines` to the current file (`size` bytes long) in one write, then datasyncs; answers the bytes written. */
  private async write(size: number, lines: readonly Buffer[]): Promise<number> {
    const handle = await fs.open(this.file, 'a+', 0o644);
    try {
      // A writer killed mid-line left no newline: start on a line of our own.
      const last = Buffer.alloc(1);
      if (size > 0) await handle.read(last, 0, 1, size - 1);
      const data = Buffer.concat(size > 0 && last[0] !== 0x0a ? [Buffer.from('\n'), ...lines] : [...lines]);
      // One write call: O_APPEND puts it whole at the end.
      let written = 0;
      while (written < data.length) written += (await handle.write(data, written)).bytesWritten;
      await handle.datasync();
      return data.length;
    } finally {
      await handle.close();
    }
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
