/** Who deploys: git's `user.name <user.email>` where the deploy runs (asked once per folder and process). */
import { gitOut } from '../git/git';

const cache = new Map<string, Promise<string | undefined>>();

export function gitUser(cwd: string): Promise<string | undefined> {
  let p = cache.get(cwd);
  if (!p) {
    p = (async () => {
      const [name, email] = await Promise.all([
        gitOut(cwd, ['config', 'user.name']).catch(() => undefined),
        gitOut(cwd, ['config', 'user.email']).catch(() => undefined),
      ]);
      const n = name?.trim();
      const e = email?.trim();
      if (!n && !e) return undefined;
      return n && e ? `${n} <${e}>` : (n ?? e);
    })();
    cache.set(cwd, p);
  }
  return p;
}
