import { wait } from '../../core/util/wait';

/** The error thrown when an operation stops because its AbortSignal fired. */
export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAborted(err: unknown): boolean {
  return err instanceof AbortedError || (err instanceof Error && err.name === 'AbortError');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError();
}

/** Waits `ms`, or rejects with AbortedError as soon as `signal` fires (core's `wait`, which resolves, made to throw). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return;
  await wait(ms, { signal });
  throwIfAborted(signal);
}

/** RFC 3339 timestamp of now (UTC, milliseconds). */
export function now(): string {
  return new Date().toISOString();
}

/** Waits for `p` to settle, at most `ms`; answers whether it settled. Leaves no timer behind. */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
