import * as path from 'node:path';
import { isGitRepository } from './git/git';
import { listWorktreeEntries, readWorktreeState, type Worktree } from './git/worktrees';
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
  // Started together with the repository check: outside a repository its failure is ignored.
  const listing = listWorktreeEntries(absRoot);
  listing.catch(() => undefined);
  const [loaded, isRepo] = await Promise.all([loadSkills(absRoot, options.skillsLocation ?? 'skills'), isGitRepository(absRoot)]);
  let worktrees: Worktree[] = [];
  let gitError: string | undefined;
  if (isRepo) {
    try {
      worktrees = await listing;
    } catch (e) {
      gitError = (e as Error).message;
    }
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
