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
 * Serialises writes per file and coalesces bursts. An eager write starts on the next turn of the event loop, so every
 * change made in the same turn (a step finishing, the phase moving, the next step starting) is one write. A lazy write
 * (`lazyMs`) waits that long for more changes to join it, unless an eager write of the same file comes first and takes
 * it along. While a write runs, later requests collapse into one more write of the newest content.
 */
export class CoalescingWriter {
  private readonly slots = new Map<string, Slot>();

  write(file: string, render: () => string, lazyMs = 0): Promise<void> {
    let slot = this.slots.get(file);
    if (!slot) {
      let begin!: () => void;
      const begun = new Promise<void>((resolve) => (begin = resolve));
      const fresh: Slot = { running: Promise.resolve(), waiters: [], begin, started: false };
      fresh.running = begun.then(() => this.drain(file, fresh));
      this.slots.set(file, fresh);
      slot = fresh;
    }
    slot.next = render;
    if (!slot.started) {
      const s = slot;
      if (lazyMs <= 0) {
        clearTimeout(s.timer);
        s.timer = undefined;
        s.immediate ??= setImmediate(() => this.start(s));
      } else if (!s.immediate && !s.timer) {
        s.timer = setTimeout(() => this.start(s), lazyMs);
      }
    }
    const waiting = slot;
    return new Promise<void>((resolve, reject) => waiting.waiters.push({ resolve, reject }));
  }

  /** Writes what is pending now, lazy writes included; resolves when every write has reached the disk. */
  async flush(): Promise<void> {
    while (this.slots.size > 0) {
      for (const slot of this.slots.values()) this.start(slot);
      await Promise.all([...this.slots.values()].map((s) => s.running));
    }
  }

  private start(slot: Slot): void {
    if (slot.started) return;
    slot.started = true;
    clearTimeout(slot.timer);
    if (slot.immediate) clearImmediate(slot.immediate);
    slot.begin();
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
  begin: () => void;
  started: boolean;
  timer?: NodeJS.Timeout;
  immediate?: NodeJS.Immediate;
}
