import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { isGitRepository } from './git/git';
import { isWorktreeMetadataRace } from './git/runner';
import { listWorktreeEntries, listWorktreeEntriesSync, readWorktreeState, type Worktree } from './git/worktrees';
import { loadSkills, type Skill, type SkillProblem } from './skills/loadSkills';

/** A skill with what the tree shows about it. */
export interface SkillView {
  readonly skill: Skill;
  /** The worktree checked out on `skill/<name>`, if any. */
  readonly worktree?: Worktree;
}

export interface SkillsModel {
  readonly root: string;
  readonly isGitRepository: boolean;
  readonly skills: SkillView[];
  /** Manifests that could not be loaded, each with its file and field. */
  readonly problems: SkillProblem[];
  /** Every worktree git lists (the main one first). */
  readonly worktrees: Worktree[];
  /** Worktrees on a `skill/<name>` branch whose skill has no manifest here. */
  readonly orphanWorktrees: Worktree[];
  /** Set when git failed; skills still load. */
  readonly gitError?: string;
  /** False in the first paint: worktrees are listed but their dirty and ahead/behind state is still being read. */
  readonly complete: boolean;
}

export interface BuildModelOptions {
  readonly skillsLocation?: string;
  readonly statusConcurrency?: number;
  /** Called once with the skills and the worktrees from `git worktree list` (no dirty, ahead/behind yet). */
  readonly onFirstPaint?: (model: SkillsModel) => void;
}

/**
 * Loads skills and worktrees and matches them by branch `skill/<name>`: one `git worktree list` for the first paint,
 * then one `git for-each-ref` and a bounded number of parallel `git status` for the complete model.
 */
export async function buildSkillsModel(root: string, options: BuildModelOptions = {}): Promise<SkillsModel> {
  const absRoot = path.resolve(root);
  // One git process for the first paint: a listing that shows the folder inside one of its worktrees answers "is this
  // a repository" too; git is asked that separately only when it does not (it failed, a bare repository, a .git dir).
  const listing = listForFirstPaint(absRoot, options.onFirstPaint !== undefined).then(
    (worktrees) => ({ worktrees, error: undefined }),
    (e: unknown) => ({ worktrees: [] as Worktree[], error: e as Error }),
  );
  const loaded = await loadSkills(absRoot, options.skillsLocation ?? 'skills');
  const listed = await listing;
  const isRepo = insideWorktree(absRoot, listed.worktrees) || (await isGitRepository(absRoot));
  let worktrees: Worktree[] = [];
  let gitError: string | undefined;
  if (isRepo) {
    worktrees = listed.worktrees;
    gitError = listed.error?.message;
  }
  if (!isRepo || gitError) return assemble(absRoot, isRepo, loaded, worktrees, gitError, true);
  options.onFirstPaint?.(assemble(absRoot, isRepo, loaded, worktrees, undefined, false));
  try {
    worktrees = await readWorktreeState(absRoot, worktrees, { concurrency: options.statusConcurrency });
  } catch (e) {
    gitError = (e as Error).message;
    worktrees = worktrees.map((w) => ({ ...w, pending: undefined }));
  }
  return assemble(absRoot, isRepo, loaded, worktrees, gitError, true);
}

/** A first paint waits no longer than this for its synchronous `git worktree list` (then it lists asynchronously). */
const FIRST_PAINT_GIT_TIMEOUT_MS = 2_000;

/**
 * The worktree listing. For a first paint, one synchronous git call (~5–10 ms): it does not wait for turns of a busy
 * event loop (the extension host's, while every extension starts). On a timeout or a worktree being added or removed
 * at that moment, the asynchronous listing (which waits such races out); any other failure is the listing's.
 */
async function listForFirstPaint(dir: string, firstPaint: boolean): Promise<Worktree[]> {
  if (!firstPaint) return listWorktreeEntries(dir);
  try {
    return listWorktreeEntriesSync(dir, FIRST_PAINT_GIT_TIMEOUT_MS);
  } catch (e) {
    if ((e as { timedOut?: boolean }).timedOut || isWorktreeMetadataRace(e)) return listWorktreeEntries(dir);
    throw e;
  }
}

/** Whether `dir` is inside one of the (non-bare) worktrees listed, symbolic links resolved as git resolves them. */
function insideWorktree(dir: string, worktrees: readonly Worktree[]): boolean {
  let real: string;
  try {
    real = realpathSync.native(dir);
  } catch {
    return false;
  }
  return worktrees.some((w) => {
    if (w.bare || !w.exists) return false;
    const rel = path.relative(w.path, real);
    // inside, and not inside its .git (where git says "not inside a work tree")
    return !rel.startsWith('..') && !path.isAbsolute(rel) && rel.split(path.sep)[0] !== '.git';
  });
}

function assemble(
  absRoot: string,
  isRepo: boolean,
  loaded: Awaited<ReturnType<typeof loadSkills>>,
  worktrees: Worktree[],
  gitError: string | undefined,
  complete: boolean,
): SkillsModel {
  const bySkill = new Map<string, Worktree>();
  for (const w of worktrees) if (w.skill && !w.isMain && !bySkill.has(w.skill)) bySkill.set(w.skill, w);
  // A main worktree checked out on skill/<name> (e.g. a worktree opened in its own window) counts too.
  for (const w of worktrees) if (w.skill && !bySkill.has(w.skill)) bySkill.set(w.skill, w);
  const names = new Set(loaded.skills.map((s) => s.name));
  return {
    root: absRoot,
    isGitRepository: isRepo,
    skills: loaded.skills.map((skill) => ({ skill, worktree: bySkill.get(skill.name) })),
    problems: loaded.problems,
    worktrees,
    orphanWorktrees: worktrees.filter((w) => w.skill && !names.has(w.skill)),
    gitError,
    complete,
  };
}
