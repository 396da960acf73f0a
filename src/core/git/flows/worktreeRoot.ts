import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitFlowError } from './errors';

export interface WorktreeRootOptions {
  /** The configured root (`odoobo.worktreeRoot`); relative to the main worktree; `~/` is the home folder. Empty: default. */
  readonly worktreeRoot?: string;
  /** Allow a root inside the system temporary folder (tests; the system empties it, so users never should). */
  readonly allowTempRoot?: boolean;
}

/** Whether `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel));
}

/** The real path of `p`, resolving symlinks of the part that exists (the rest may not exist yet). */
async function realpathOfExisting(p: string): Promise<string> {
  const missing: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(await fs.realpath(cur), ...missing.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.resolve(p);
      missing.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** The default root: the sibling folder `<repo>-worktrees`. */
export function defaultWorktreeRoot(mainWorktree: string): string {
  return path.join(path.dirname(mainWorktree), `${path.basename(mainWorktree)}-worktrees`);
}

/**
 * The folder that holds skill worktrees (`<root>/<skill>`). Refuses a root inside the repository (or its git dir)
 * and, unless allowed, inside the system temporary folder.
 */
export async function resolveWorktreeRoot(mainWorktree: string, commonDir: string, options: WorktreeRootOptions = {}): Promise<string> {
  const configured = options.worktreeRoot?.trim();
  let root: string;
  if (configured) {
    const expanded = configured === '~' || configured.startsWith('~/') ? path.join(os.homedir(), configured.slice(1)) : configured;
    root = path.resolve(mainWorktree, expanded);
  } else {
    root = defaultWorktreeRoot(mainWorktree);
  }
  const real = await realpathOfExisting(root);
  for (const inside of [mainWorktree, commonDir]) {
    const realInside = await realpathOfExisting(inside);
    if (isInside(realInside, real) || isInside(inside, root)) {
      throw new GitFlowError('WORKTREE_ROOT_INSIDE_REPO', `The worktree folder ${root} is inside the repository ${inside}.`, {
        path: root,
      });
    }
  }
  if (!options.allowTempRoot) {
    const temps = new Set([os.tmpdir(), await realpathOfExisting(os.tmpdir())]);
    if (process.platform !== 'win32') temps.add('/tmp');
    for (const t of temps) {
      if (isInside(t, real) || isInside(t, root)) {
        throw new GitFlowError('WORKTREE_ROOT_IN_TEMP', `The worktree folder ${root} is inside the temporary folder ${t}.`, { path: root });
      }
    }
  }
  return root;
}
