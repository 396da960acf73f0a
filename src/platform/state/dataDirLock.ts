import { promises as fs } from 'node:fs';
import type { DataDir } from './store';

/** Data folders used by platforms of this process (the lock file guards against other processes). */
const DATA_DIRS_IN_USE = new Set<string>();

/** The start time of a process (field 22 of /proc/<pid>/stat): a recycled PID has another. */
function procStartTime(pid: number): Promise<string | undefined> {
  return fs.readFile(`/proc/${pid}/stat`, 'utf8').then(
    (t) => t.slice(t.lastIndexOf(')') + 2).split(' ')[19],
    () => undefined,
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One platform per data folder: a lock file holding the owner's PID and start time. A lock whose process is gone (or
 * whose PID now belongs to another process) is stale and taken over.
 */
export class DataDirLock {
  private taken = false;

  constructor(private readonly dir: DataDir) {}

  async take(): Promise<void> {
    const root = this.dir.root;
    if (DATA_DIRS_IN_USE.has(root)) throw new Error(`the data folder ${root} is in use by another local App Platform (in this process)`);
    const text = await fs.readFile(this.dir.lockFile, 'utf8').catch(() => undefined);
    if (text) {
      const lock = JSON.parse(text) as { pid: number; startTime?: string };
      if (lock.pid !== process.pid && pidAlive(lock.pid) && (await procStartTime(lock.pid)) === lock.startTime) {
        throw new Error(`the data folder ${root} is in use by another local App Platform (pid ${lock.pid})`);
      }
    }
    await fs.writeFile(this.dir.lockFile, JSON.stringify({ pid: process.pid, startTime: await procStartTime(process.pid) }));
    this.taken = true;
    DATA_DIRS_IN_USE.add(root);
  }

  /** Gives the folder back; a no-op when `take` never succeeded (the folder may be another platform's). */
  async release(): Promise<void> {
    if (!this.taken) return;
    this.taken = false;
    await fs.rm(this.dir.lockFile, { force: true });
    DATA_DIRS_IN_USE.delete(this.dir.root);
  }
}
