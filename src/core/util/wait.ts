/**
 * Waits `ms`, or less: as soon as `signal` aborts or `until` settles. Never rejects and leaves no timer or listener
 * behind, so a loop can sleep between attempts and then look at the signal itself.
 */
export function wait(ms: number, options: { signal?: AbortSignal; until?: Promise<unknown> } = {}): Promise<void> {
  const { signal, until } = options;
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    void until?.then(done, done);
  });
}
