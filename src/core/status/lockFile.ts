import { randomBytes } from 'node:crypto';
import { closeSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { wait } from '../util/wait';
import { createFileSync } from './atomicFile';
import { StatusError, type LockHolder } from './errors';

export interface LockOptions {
  /** Shown to whoever waits for the lock, e.g. `merge alpha`. */
  readonly purpose?: string;
  /** How long to wait for a held lock before failing with LOCKED; 0 fails at once. Default 120 s. */
  readonly timeoutMs?: number;
  /** A lock whose file was not refreshed for this long is stale (its holder refreshes it every staleMs/3). Default 30 s. */
  readonly staleMs?: number;
  readonly signal?: AbortSignal;
}

export interface HeldLock {
  readonly file: string;
  readonly token: string;
  /** True once another process took the lock over because it looked stale. */
  readonly lost: boolean;
  /** Throws LOCK_LOST when the lock was taken over; flows call it between steps. */
  assertHeld(): void;
  release(): Promise<void>;
}

const HOST = os.hostname();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string' && typeof v.createdAt === 'string') {
      return {
        pid: v.pid,
        host: v.host,
        token: v.token,
        createdAt: v.createdAt,
        purpose: typeof v.purpose === 'string' ? v.purpose : undefined,
      };
    }
  } catch {
    // a lock file being written, or garbage: judged by its age alone
  }
  return undefined;
}

/**
 * Creates the lock file with its holder (O_EXCL: EEXIST when held), making its folder when missing. Synchronously: a
 * lock file is a few bytes in the local git folder, a matter of microseconds, whereas the three awaits of a file handle
 * (open, write, close) each wait for a turn of the event loop, which a plan deploying 50 skills keeps busy (their deploy
 * locks were taken 10–25 ms late, and released late at the end; `npm run bench`, cap 50).
 */
function createLockFile(file: string, text: string): void {
  const fd = createFileSync(file);
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Who holds the lock at `file`, if anyone. */
export async function readLockHolder(file: string): Promise<LockHolder | undefined> {
  try {
    return parseHolder(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function abortError(file: string): StatusError {
  return new StatusError('ABORTED', `Canceled while waiting for the lock ${file}.`, { file });
}

function describeHolder(h: LockHolder | undefined): string {
  if (!h) return 'another process';
  return `process ${h.pid} on ${h.host}${h.purpose ? ` (${h.purpose})` : ''} since ${h.createdAt}`;
}

/**
 * Takes the lock file `file` (created with O_EXCL), waiting while another holder has it. Works across processes and
 * within one. A lock is stale when its holder's process is gone (same host) or its file was not refreshed for
 * `staleMs`; a stale lock is moved aside atomically and taken over.
 */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const staleMs = options.staleMs ?? 30_000;
  const { signal } = options;
  const token = randomBytes(12).toString('hex');
  const holder: LockHolder = { pid: process.pid, host: HOST, token, createdAt: new Date().toISOString(), purpose: options.purpose };
  const started = Date.now();
  let delay = 5;
  for (;;) {
    if (signal?.aborted) throw abortError(file);
    try {
      createLockFile(file, JSON.stringify(holder) + '\n');
      return startHeartbeat(file, token, staleMs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // Held: is it stale?
    let observed: string;
    let mtimeMs: number;
    try {
      [observed, mtimeMs] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mtimeMs)]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released in the meantime
      throw e;
    }
    const current = parseHolder(observed);
    const deadHolder = current !== undefined && current.host === HOST && current.pid !== process.pid && !pidAlive(current.pid);
    if (deadHolder || Date.now() - mtimeMs > staleMs) {
      await takeOverStale(file, observed);
      continue;
    }
    if (Date.now() - started >= timeoutMs) {
      throw new StatusError('LOCKED', `The lock ${file} is held by ${describeHolder(current)}.`, { file, holder: current });
    }
    await wait(Math.min(delay, Math.max(1, timeoutMs - (Date.now() - started))) * (0.75 + Math.random() / 2), { signal });
    delay = Math.min(delay * 1.5, 200);
  }
}

/** Moves a stale lock aside (atomic rename); puts it back when it turns out to be a fresh lock created meanwhile. */
async function takeOverStale(file: string, observed: string): Promise<void> {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => '');
  if (moved !== observed) await fs.link(aside, file).catch(() => undefined);
  await fs.rm(aside, { force: true });
}

function startHeartbeat(file: string, token: string, staleMs: number): HeldLock {
  let lost = false;
  let released = false;
  // Synchronously, as the lock was taken (createLockFile): a read of a few bytes.
  const stillOurs = (): boolean => {
    try {
      return parseHolder(readFileSync(file, 'utf8'))?.token === token;
    } catch {
      return false;
    }
  };
  const timer = setInterval(() => {
    void (async () => {
      if (released || lost) return;
      if (!stillOurs()) {
        lost = true;
        return;
      }
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
    })();
  }, Math.max(20, Math.floor(staleMs / 3)));
  timer.unref();
  return {
    file,
    token,
    get lost() {
      return lost;
    },
    assertHeld() {
      if (lost) throw new StatusError('LOCK_LOST', `The lock ${file} was taken over by another process.`, { file });
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (stillOurs()) rmSync(file, { force: true });
    },
  };
}

/** Runs `fn` while holding the lock file; releases it whatever happens. */
export async function withLock<T>(file: string, options: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(file, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
