/**
 * Promotion of the verified build (issue 18): deploys to a target environment exactly what the source environment
 * verified, the commit whose deployment is ACTIVE there. Every gate (gates.ts) is checked and reported by name before
 * anything changes; then the target environment's branch on origin is fast-forwarded to that commit (never forced)
 * and the normal deploy runs, which keeps the target serving what it served when the new version fails, and rolls
 * back a version that fails after going live. The promotion is recorded in the status file under the target.
 */
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { lintAppSpec } from '../appspec';
import { deploySkill } from '../deploy';
import { prepareSpec } from '../deploy/spec';
import type { DeployCommonOptions, DeployResult } from '../deploy/types';
import type { App } from '../do/schemas';
import { appNameFor, branchFor, loadEnvironments, resolveEnvironment, type EnvironmentDef, type Environments } from '../environments';
import { simpleGitRunner, type GitRunner } from '../git/runner';
import { formatSkillProblem, loadSkill, type Skill } from '../skills/loadSkills';
import { skillEnvStatus, type SkillDeployment } from '../status/schema';
import { StatusStore } from '../status/statusStore';
import { preflight, sourceOf, type Preflight } from './diff';
import {
  approval,
  gitApprover,
  sourceActive,
  sourceSmokePassed,
  targetBranchFastForward,
  targetNotPinned,
  targetPropose,
  targetSpecLints,
  type Approver,
  type Gate,
  type Verified,
} from './gates';

/** What an approval is shown: the gates so far and the pre-flight diff. */
export interface PromotionPlan {
  skill: string;
  from: string;
  to: string;
  commit?: string;
  gates: readonly Gate[];
  preflight?: Preflight;
}

export interface PromoteOptions extends Omit<DeployCommonOptions, 'environment' | 'status'> {
  skills: readonly string[];
  /** The environment whose verified deployment is promoted (default: the one a plain deploy targets). */
  from?: string;
  to: string;
  /** Approval for environments that require it: given, or asked once every other gate passed (a terminal, a modal). */
  approve?: boolean | ((plan: PromotionPlan) => Promise<boolean>);
  /** Stop after the gates and the pre-flight diff. */
  dryRun?: boolean;
  /** Default: git's user.name and user.email in the repository. */
  approver?: Approver;
  git?: GitRunner;
}

export interface PromotionResult {
  skill: string;
  from: string;
  to: string;
  /** `refused`: a gate failed and nothing changed; `dry-run`: every gate passed, nothing changed. */
  status: 'promoted' | 'refused' | 'dry-run' | 'failed';
  gates: Gate[];
  /** The first gate that failed. */
  failedGate?: Gate;
  /** The verified commit promoted. */
  commit?: string;
  imageDigest?: string;
  preflight?: Preflight;
  /** The target environment's branch on origin, before and after (git sources). */
  branch?: { name: string; before?: string; after: string };
  deploy?: DeployResult;
  approver?: Approver;
  /** Problems that did not change the outcome (the status file could not be written, …). */
  warnings: string[];
  /** A failure outside the gates and the deploy (git push refused, …). */
  error?: string;
}

/** What the status file records under the target environment (`environments.<to>.promotion`); a type: it is JSON. */
export type PromotionRecord = {
  from: string;
  commit: string;
  status: 'promoted' | 'failed';
  deploymentId?: string;
  approver?: Approver;
  gates: Gate[];
  at: string;
};

const short = (sha: string) => sha.slice(0, 12);

async function specName(skill: Skill): Promise<string> {
  const spec = parseYaml(await fs.readFile(skill.appSpecPath, 'utf8')) as { name?: unknown } | null;
  return spec && typeof spec.name === 'string' && spec.name ? spec.name : skill.name;
}

function recordedIn(envStatus: { lastDeployment?: SkillDeployment; deployments?: Record<string, SkillDeployment> }, target: string) {
  const d = envStatus.deployments?.[target] ?? envStatus.lastDeployment;
  return d && d.target === target ? d : undefined;
}

interface Context {
  options: PromoteOptions;
  envs: Environments;
  from: EnvironmentDef;
  to: EnvironmentDef;
  store: StatusStore;
  run: GitRunner;
  apps: Map<string, App>;
}

/** Promotes each skill from one environment to another, one after the other; see the file's header. */
export async function promote(options: PromoteOptions): Promise<PromotionResult[]> {
  const envs = await loadEnvironments(options.repoRoot);
  const from = resolveEnvironment(envs, options.from ?? envs.defaultName);
  const to = resolveEnvironment(envs, options.to);
  if (from.name === to.name) throw new Error(`promote needs two environments: --from and --to are both ${to.name}`);
  const store = await StatusStore.forRepository(options.repoRoot);
  const run = options.git ?? simpleGitRunner;
  const results: PromotionResult[] = [];
  for (const name of options.skills) {
    const apps = new Map((await options.client.listApps({ signal: options.signal })).map((a) => [a.spec.name, a]));
    results.push(await promoteOne({ options, envs, from, to, store, run, apps }, name));
  }
  return results;
}

async function promoteOne(ctx: Context, name: string): Promise<PromotionResult> {
  const { options, envs, from, to, store, run } = ctx;
  const loaded = await loadSkill(options.repoRoot, options.skillsLocation ?? 'skills', name);
  if (!loaded.skill) {
    const why = loaded.problems.map((p) => formatSkillProblem(p)).join('; ') || `skills/${name}/manifest.json is missing`;
    throw new Error(`unknown skill ${JSON.stringify(name)}: ${why}`);
  }
  const skill = loaded.skill;
  const base = await specName(skill);
  const sourceApp = ctx.apps.get(appNameFor(from, base, name));
  const targetApp = ctx.apps.get(appNameFor(to, base, name));
  const status = await store.skill(name, { signal: options.signal });
  const sourceStatus = skillEnvStatus(status, from.name, envs.defaultName);
  const recorded = recordedIn(sourceStatus, options.target);
  const warnings: string[] = [];

  const gates: Gate[] = [];
  const active = sourceActive(from.name, sourceApp, recorded, name);
  gates.push(active.gate);
  const verified: Verified | undefined = active.verified;
  gates.push(sourceSmokePassed(from.name, sourceStatus.lastTest, recorded));
  const source = verified?.imageDigest ? { imageDigest: verified.imageDigest } : undefined;
  const lints = await targetSpecLints(() =>
    prepareSpec(skill, { repoRoot: options.repoRoot, lint: options.lint ?? lintAppSpec, environment: to, ...(source ? { source } : {}) }),
  );
  gates.push(lints.gate);
  const spec = lints.prepared?.spec;
  gates.push(await targetPropose(options.client, spec, targetApp, options.signal));
  gates.push(targetNotPinned(to.name, targetApp));
  const gitSource = !verified?.imageDigest && (spec ? sourceOf(spec, name).branch !== undefined : true);
  const envBranch = branchFor(to, name);
  let branchBefore: string | undefined;
  if (gitSource) {
    const ff = await targetBranchFastForward(run, options.repoRoot, envBranch, verified?.commit ?? active.serving);
    gates.push(ff.gate);
    branchBefore = ff.before;
  }
  const commit = verified?.commit;
  const result = (status: PromotionResult['status'], extra: Partial<PromotionResult> = {}): PromotionResult => ({
    skill: name,
    from: from.name,
    to: to.name,
    status,
    gates,
    ...(gates.find((g) => !g.ok) ? { failedGate: gates.find((g) => !g.ok) } : {}),
    ...(commit ? { commit } : {}),
    ...(verified?.imageDigest ? { imageDigest: verified.imageDigest } : {}),
    warnings,
    ...extra,
  });

  let diff: Preflight | undefined;
  if (spec) {
    try {
      const { client, repoRoot, signal } = options;
      diff = await preflight({ client, repoRoot, spec, commit, component: name, app: targetApp ?? null, git: run, signal });
    } catch (e) {
      warnings.push(`the pre-flight diff could not be made: ${(e as Error).message}`);
    }
  }
  const approver = options.approver ?? (await gitApprover(run, options.repoRoot));
  let approved = options.approve === true;
  const ask = options.approve;
  // Asked only when it is the last thing missing, and never in a dry run (which changes nothing anyway).
  if (to.requiresApproval && !approved && typeof ask === 'function' && gates.every((g) => g.ok) && !options.dryRun) {
    approved = await ask({ skill: name, from: from.name, to: to.name, commit, gates: [...gates], preflight: diff });
  }
  gates.push(approval(to, approved, approver));
  const extra = { ...(diff ? { preflight: diff } : {}), ...(approved && approver ? { approver } : {}) };
  // A dry run reports the approval gate as it stands, but only the other gates decide whether it would be refused.
  if (options.dryRun) return result(gates.some((g) => !g.ok && g.name !== 'approval') ? 'refused' : 'dry-run', extra);
  if (gates.some((g) => !g.ok)) return result('refused', extra);

  let branch: PromotionResult['branch'];
  if (gitSource && commit) {
    if (branchBefore !== commit) {
      try {
        // No force: git refuses anything but a fast-forward, whatever happened on origin since the gate.
        await run(options.repoRoot, ['push', '--quiet', 'origin', `${commit}:refs/heads/${envBranch}`]);
      } catch (e) {
        return result('failed', { ...extra, error: `pushing ${short(commit)} to origin/${envBranch} failed: ${(e as Error).message}` });
      }
    }
    branch = { name: envBranch, ...(branchBefore ? { before: branchBefore } : {}), after: commit };
  }
  const { skills: _skills, from: _from, to: _to, approve: _approve, dryRun: _dryRun, approver: _approver, git: _git, ...common } = options;
  const deploy = await deploySkill({ ...common, skill: name, environment: to.name, ...(source ? { source } : {}) });
  const ok = deploy.status === 'succeeded';
  if (commit) {
    const record: PromotionRecord = {
      from: from.name,
      commit,
      status: ok ? 'promoted' : 'failed',
      ...(deploy.deploymentId ? { deploymentId: deploy.deploymentId } : {}),
      ...(extra.approver ? { approver: extra.approver } : {}),
      gates,
      at: new Date().toISOString(),
    };
    await store
      .updateSkill(name, (s) => {
        s.environments = { ...s.environments, [to.name]: { ...s.environments?.[to.name], promotion: record } };
      }, { signal: options.signal })
      .catch((e: Error) => warnings.push(`STATUS_FILE_FAILED: the promotion was not recorded: ${e.message}`));
  }
  return result(ok ? 'promoted' : 'failed', { ...extra, ...(branch ? { branch } : {}), deploy });
}
