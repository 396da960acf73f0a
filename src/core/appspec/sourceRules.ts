/** Rules that look outside the spec: source directories on disk and branches in git. */
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { type RuleContext, isObj, code, COMPONENT_KINDS, SOURCE_KEYS, componentsOf } from './ruleContext';
import { didYouMean, suggest } from './suggest';
import type { SpecPath } from './types';

// ---------------------------------------------------------------------------------------------------------------
// SOURCE_DIR_MISSING and BRANCH_MISSING: the filesystem and git, through the lint context.

export async function sourceDirs(ctx: RuleContext): Promise<void> {
  const root = ctx.options.repoRoot;
  if (!root) return;
  const checks = componentsOf(ctx.spec, COMPONENT_KINDS)
    .filter((c) => typeof c.value.source_dir === 'string' && !isObj(c.value.image))
    .map(async (c) => {
      const dir = c.value.source_dir as string;
      const p = [...c.path, 'source_dir'];
      const rel = dir.replace(/^\/+/, '') || '.';
      const abs = path.resolve(root, rel);
      const inside = abs === path.resolve(root) || abs.startsWith(path.resolve(root) + path.sep);
      // A stat, synchronously: microseconds, where an fs promise waits for a turn of a busy event loop (spec.ts).
      const isDir = inside && isDirectory(abs);
      if (!isDir) {
        const s = inside ? await nearbyDirs(root, dir) : [];
        const msg = inside
          ? `source_dir ${code(dir)} does not exist in the repository (${abs})${didYouMean(s)}`
          : `source_dir ${code(dir)} points outside the repository; it must be relative to the repository root`;
        ctx.report('SOURCE_DIR_MISSING', 'error', ctx.valueRange(p), msg, p, s.length ? { kind: 'set-value', values: s } : undefined);
      }
    });
  await Promise.all(checks);
}

function isDirectory(abs: string): boolean {
  try {
    return statSync(abs, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // ENOTDIR, EACCES…: not a folder the build can use either
  }
}

/** Folders next to where `dir` points whose names are a typo away from its last segment, spelled as `dir` is. */
async function nearbyDirs(root: string, dir: string): Promise<string[]> {
  const trimmed = dir.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const parent = slash >= 0 ? trimmed.slice(0, slash + 1) : '';
  const parentAbs = path.resolve(root, parent.replace(/^\/+/, '') || '.');
  if (parentAbs !== path.resolve(root) && !parentAbs.startsWith(path.resolve(root) + path.sep)) return [];
  const entries = await fs.readdir(parentAbs, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  return suggest(trimmed.slice(slash + 1), names).map((n) => parent + n);
}

export async function branches(ctx: RuleContext): Promise<void> {
  const exists = ctx.options.branchExists;
  if (!exists) return;
  const uses: { branch: string; path: SpecPath }[] = [];
  for (const c of componentsOf(ctx.spec, COMPONENT_KINDS)) {
    for (const key of SOURCE_KEYS) {
      const src = c.value[key];
      if (isObj(src) && typeof src.branch === 'string' && src.branch) uses.push({ branch: src.branch, path: [...c.path, key, 'branch'] });
    }
  }
  const answers = new Map<string, Promise<boolean>>();
  for (const u of uses) if (!answers.has(u.branch)) answers.set(u.branch, exists(u.branch).catch(() => true));
  for (const u of uses) {
    if (await answers.get(u.branch)) continue;
    ctx.report(
      'BRANCH_MISSING',
      'warning',
      ctx.valueRange(u.path),
      `branch ${code(u.branch)} does not exist in this repository (neither locally nor on a remote): App Platform cannot build from it ` +
      `until it is pushed`,
      u.path,
    );
  }
}
