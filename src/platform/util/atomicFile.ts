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
 * Serialises writes per file and coalesces bursts: a write starts on the next turn of the event loop, so every change
 * made in the same turn (a step finishing, the phase moving, the next step starting) is one write; while a write runs,
 * later requests collapse into one more write of the newest content.
 */
export class CoalescingWriter {
  private readonly slots = new Map<string, Slot>();

  write(file: string, render: () => string): Promise<void> {
    let slot = this.slots.get(file);
    if (!slot) {
      const fresh: Slot = { running: Promise.resolve(), waiters: [] };
      this.slots.set(file, fresh);
      fresh.running = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain(file, fresh));
      slot = fresh;
    }
    slot.next = render;
    const waiting = slot;
    return new Promise<void>((resolve, reject) => waiting.waiters.push({ resolve, reject }));
  }

  /** Resolves when every pending write has reached the disk. */
  async flush(): Promise<void> {
    while (this.slots.size > 0) await Promise.all([...this.slots.values()].map((s) => s.running));
  }

  /** Writes the newest content until no request is left; each request settles with the write that covered it. */
  private async drain(file: string, slot: Slot): Promise<void> {
    try {
      for (let render = slot.next; render; render = slot.next) {
        slot.next = undefined;
        const waiters = slot.waiters.splice(0);
        try {
          await writeFileAtomic(file, render());
          for (const w of waiters) w.resolve();
        } catch (err) {
          for (const w of waiters) w.reject(err);
        }
      }
    } finally {
      this.slots.delete(file);
    }
  }
}

interface Slot {
  running: Promise<void>;
  next?: () => string;
  waiters: Array<{ resolve(): void; reject(err: unknown): void }>;
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
