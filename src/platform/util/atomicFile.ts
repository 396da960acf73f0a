import { promises as fs } from 'node:fs';
import { writeFileAtomic as writeAtomic } from '../../core/status/atomicFile';

/**
 * The platform's state is private to its user (mode 0600) and written with the status file's atomic write (temporary
 * file, rename), without the fsyncs: a crash of the platform (or of anything else but the machine) never leaves half a
 * file, and state-changing API answers wait for their write. What a power loss could take is a local development
 * platform's last moment of state; an fsync on every progress step would cost each deployment ~10 ms of latency.
 */
export function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  return writeAtomic(file, data, { mode: 0o600, durable: false });
}

/**
 * Serialises writes per file and coalesces bursts: while a write runs, later requests collapse into one more write of
 * the newest content, so frequent progress updates cost at most two writes.
 */
export class CoalescingWriter {
  private readonly slots = new Map<string, { running: Promise<void>; next?: () => string; waiters: Array<() => void> }>();

  write(file: string, render: () => string): Promise<void> {
    const slot = this.slots.get(file);
    if (slot) {
      slot.next = render;
      return new Promise<void>((resolve) => slot.waiters.push(resolve));
    }
    const fresh: { running: Promise<void>; next?: () => string; waiters: Array<() => void> } = { running: Promise.resolve(), waiters: [] };
    this.slots.set(file, fresh);
    fresh.running = this.drain(file, render, fresh);
    return fresh.running;
  }

  /** Resolves when every pending write has reached the disk. */
  async flush(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.running.catch(() => undefined)));
  }

  private async drain(file: string, render: () => string, slot: { next?: () => string; waiters: Array<() => void> }): Promise<void> {
    let current: (() => string) | undefined = render;
    try {
      while (current) {
        const waiters = slot.waiters.splice(0);
        await writeFileAtomic(file, current());
        for (const w of waiters) w();
        current = slot.next;
        slot.next = undefined;
      }
    } finally {
      for (const w of slot.waiters.splice(0)) w();
      this.slots.delete(file);
    }
  }
}

/** Reads and parses a JSON file; `undefined` when it does not exist. */
export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
