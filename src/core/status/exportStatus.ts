import * as path from 'node:path';
import { z } from 'zod';
import { detectMainBranch } from '../git/flows/mainBranch';
import { simpleGitRunner } from '../git/runner';
import { listWorktrees, readBranchTracking, type Worktree } from '../git/worktrees';
import { loadSkills } from '../skills/loadSkills';
import { branchForSkill, skillForBranch } from '../skills/names';
import { writeFileAtomic } from './atomicFile';
import { StatusError } from './errors';
import type { SkillDeployment, SkillMerge, SkillTestResult, StatusFile } from './schema';
import { StatusStore } from './statusStore';

/**
 * `WORKTREE_STATUS.json`, the summary older deploy scripts read. snake_case; every field is present (null when
 * unknown), so scripts can index without guards:
 *
 * ```json
 * { "format": "odoobo-worktree-status", "version": 1, "generated_at": "2025-01-01T00:00:00.000Z",
 *   "repository": "/abs/repo", "main_branch": "main",
 *   "skills": { "<name>": {
 *     "branch": "skill/<name>", "branch_exists": true, "worktree": "/abs/repo-worktrees/<name>", "worktree_exists": true,
 *     "head": "<sha>", "dirty": false, "changed_files": 0, "upstream": "origin/skill/<name>", "ahead": 0, "behind": 0,
 *     "locked": false, "prunable": false,
 *     "last_deployment": { "target", "app_id", "deployment_id", "phase", "commit", "live_url", "deployed_at" } | null,
 *     "last_test": { "status", "commit", "target", "passed", "failed", "summary", "at" } | null,
 *     "last_merge": { "merge_commit", "skill_head", "main_branch", "deployment_id", "target", "pushed", "at" } | null,
 *     "environments": { "<env>": { "last_deployment": {…} | null, "last_test": {…} | null } } } } }
 * ```
 */
const nullableStr = z.string().nullable();
const nullableInt = z.number().int().nonnegative().nullable();

export const ExportedDeploymentSchema = z.object({
  target: z.string(),
  app_id: z.string(),
  deployment_id: z.string(),
  phase: z.string(),
  commit: z.string(),
  live_url: nullableStr,
  deployed_at: z.string(),
});
export const ExportedTestSchema = z.object({
  status: z.string(),
  commit: nullableStr,
  target: nullableStr,
  passed: nullableInt,
  failed: nullableInt,
  summary: nullableStr,
  at: z.string(),
});
export const ExportedMergeSchema = z.object({
  merge_commit: z.string(),
  skill_head: z.string(),
  main_branch: z.string(),
  deployment_id: nullableStr,
  target: nullableStr,
  pushed: z.boolean(),
  at: z.string(),
});
export const ExportedSkillSchema = z.object({
  branch: z.string(),
  branch_exists: z.boolean(),
  worktree: nullableStr,
  worktree_exists: z.boolean(),
  head: nullableStr,
  dirty: z.boolean().nullable(),
  changed_files: nullableInt,
  upstream: nullableStr,
  ahead: nullableInt,
  behind: nullableInt,
  locked: z.boolean(),
  prunable: z.boolean(),
  last_deployment: ExportedDeploymentSchema.nullable(),
  last_test: ExportedTestSchema.nullable(),
  last_merge: ExportedMergeSchema.nullable(),
  /** Per environment recorded in the status file (the top-level fields are the default environment's). */
  environments: z.record(
    z.string(),
    z.object({ last_deployment: ExportedDeploymentSchema.nullable(), last_test: ExportedTestSchema.nullable() }),
  ),
});
export const WorktreeStatusExportSchema = z.object({
  format: z.literal('odoobo-worktree-status'),
  version: z.literal(1),
  generated_at: z.string(),
  repository: z.string(),
  main_branch: z.string(),
  skills: z.record(z.string(), ExportedSkillSchema),
});
export type WorktreeStatusExport = z.infer<typeof WorktreeStatusExportSchema>;
export type ExportedSkill = z.infer<typeof ExportedSkillSchema>;

export interface ExportOptions {
  /** Default: the repository's status file. */
  readonly store?: StatusStore;
  readonly mainBranch?: string;
  readonly skillsLocation?: string;
}

export interface ExportResult {
  readonly file: string;
  readonly data: WorktreeStatusExport;
  /** E.g. a corrupt status file (moved aside): the git part was still exported. */
  readonly warnings: string[];
}

const deploymentOut = (d: SkillDeployment | undefined) =>
  d
    ? {
        target: d.target,
        app_id: d.appId,
        deployment_id: d.deploymentId,
        phase: d.phase,
        commit: d.commit,
        live_url: d.liveUrl ?? null,
        deployed_at: d.deployedAt,
      }
    : null;
const testOut = (t: SkillTestResult | undefined) =>
  t
    ? {
        status: t.status,
        commit: t.commit ?? null,
        target: t.target ?? null,
        passed: t.passed ?? null,
        failed: t.failed ?? null,
        summary: t.summary ?? null,
        at: t.at,
      }
    : null;
const mergeOut = (m: SkillMerge | undefined) =>
  m
    ? {
        merge_commit: m.mergeCommit,
        skill_head: m.skillHead,
        main_branch: m.mainBranch,
        deployment_id: m.deploymentId ?? null,
        target: m.target ?? null,
        pushed: m.pushed,
        at: m.at,
      }
    : null;

/** Builds the WORKTREE_STATUS.json summary of every skill (manifests, branches, worktrees and the status file). */
export async function buildWorktreeStatus(
  repoDir: string,
  options: ExportOptions = {},
): Promise<{ data: WorktreeStatusExport; warnings: string[] }> {
  const warnings: string[] = [];
  const worktrees = await listWorktrees(repoDir);
  const main = worktrees[0];
  const root = main?.path ?? path.resolve(repoDir);
  const store = options.store ?? (await StatusStore.forRepository(root));
  const [loaded, tracking, mainBranch, status] = await Promise.all([
    loadSkills(root, options.skillsLocation),
    readBranchTracking(root),
    detectMainBranch(root, { override: options.mainBranch }),
    store.read().catch((e): StatusFile | undefined => {
      if (e instanceof StatusError) {
        warnings.push(e.message);
        return undefined;
      }
      throw e;
    }),
  ]);
  const heads = new Map<string, string>();
  const refs = await simpleGitRunner(root, ['for-each-ref', '--format=%(refname)%00%(objectname)', 'refs/heads/skill/']);
  for (const line of refs.split('\n')) {
    const [ref, sha] = line.split('\0');
    const skill = skillForBranch(ref);
    if (skill && sha) heads.set(skill, sha);
  }
  const byskill = new Map<string, Worktree>();
  for (const w of worktrees) if (w.skill && !w.isMain && !byskill.has(w.skill)) byskill.set(w.skill, w);
  for (const w of worktrees) if (w.skill && !byskill.has(w.skill)) byskill.set(w.skill, w);
  const names = [
    ...new Set([...loaded.skills.map((s) => s.name), ...heads.keys(), ...byskill.keys(), ...Object.keys(status?.skills ?? {})]),
  ].sort();
  const skills: Record<string, ExportedSkill> = {};
  for (const name of names) {
    const branch = branchForSkill(name);
    const w = byskill.get(name);
    const t = tracking.get(`refs/heads/${branch}`);
    const s = status?.skills[name];
    const trackOk = t?.upstream !== undefined && !t.gone;
    skills[name] = {
      branch,
      branch_exists: heads.has(name),
      worktree: w?.path ?? null,
      worktree_exists: w?.exists ?? false,
      head: w?.head ?? heads.get(name) ?? null,
      dirty: w?.dirty ?? null,
      changed_files: w?.changedFiles ?? null,
      upstream: t?.upstream ?? null,
      ahead: trackOk ? t.ahead : null,
      behind: trackOk ? t.behind : null,
      locked: w?.locked ?? false,
      prunable: w?.prunable ?? false,
      last_deployment: deploymentOut(s?.lastDeployment),
      last_test: testOut(s?.lastTest),
      last_merge: mergeOut(s?.lastMerge),
      environments: Object.fromEntries(
        Object.entries(s?.environments ?? {}).map(([env, e]) => [
          env,
          { last_deployment: deploymentOut(e.lastDeployment), last_test: testOut(e.lastTest) },
        ]),
      ),
    };
  }
  const data = WorktreeStatusExportSchema.parse({
    format: 'odoobo-worktree-status',
    version: 1,
    generated_at: new Date().toISOString(),
    repository: root,
    main_branch: mainBranch.name,
    skills,
  });
  return { data, warnings };
}

/** Writes the WORKTREE_STATUS.json summary atomically to `file` (a path the caller chooses). */
export async function exportWorktreeStatus(repoDir: string, file: string, options: ExportOptions = {}): Promise<ExportResult> {
  const { data, warnings } = await buildWorktreeStatus(repoDir, options);
  const target = path.resolve(file);
  await writeFileAtomic(target, JSON.stringify(data, null, 2) + '\n');
  return { file: target, data, warnings };
}
