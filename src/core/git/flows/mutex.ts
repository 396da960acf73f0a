/** An in-process mutex per key: `run` calls with the same key run one after another, in call order. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/**
 * Serialises the git commands that change a repository's shared metadata (`worktree add/remove/prune`, branch and
 * config writes, merges, rebases, fetches): concurrent ones collide on `.git/worktrees`, `packed-refs` and `config`
 * locks. Keyed by the git common dir. Pushes stay outside it and run in parallel.
 */
export const repositoryMutex = new KeyedMutex();
