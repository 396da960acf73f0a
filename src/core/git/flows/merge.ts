import { branchForSkill, skillForBranch } from '../../skills/names';
import { EnvironmentError, loadEnvironments } from '../../environments';
import { skillEnvStatus, type SkillDeployment, type SkillTestResult } from '../../status/schema';
import { StatusFileDeploymentSource, type DeploymentSource } from './deployments';
import { GitFlowError, type GitFlowErrorCode } from './errors';
import { tryGit } from '../git';
import { pushBranch, type PushOutcome } from './push';
import { removeLocked } from './remove';
import {
  assertSkillNames,
  checkpoint,
  conflictedFiles,
  dirExists,
  isAncestor,
  openRepo,
  operationInProgress,
  previewMerge,
  readRefs,
  readWorktreeEntries,
  restorePseudoRefs,
  snapshotPseudoRefs,
  toFlowError,
  withMainLock,
  withRepoMutex,
  withSkillLock,
  worktreeChanges,
  type RepoContext,
} from './repo';

import type { MergeCheck, MergeOptions, MergePreconditions, MergeResult } from './mergeTypes';

export type { MergeOptions, MergePreconditions, MergeResult } from './mergeTypes';

const short = (sha: string) => sha.slice(0, 12);

/** Whether a deployment's commit (full or abbreviated, ≥ 7 digits) is `head`. */
export function deployedCommitMatches(deployed: string, head: string): boolean {
  const d = deployed.toLowerCase();
  return d === head.toLowerCase() || (d.length >= 7 && head.toLowerCase().startsWith(d));
}

/**
 * Whether the skill's last recorded smoke-test run blocks merging `deployment`. Only a run of that deployment counts: on
 * its target, not older than it (a later deployment ran the suite again as its post-deploy step), and of its commit
 * when the run names one. Such a run blocks when it failed or could not complete; no run, or a passed one, does not.
 */
export function smokeTestVerdict(test: SkillTestResult | undefined, deployment: SkillDeployment): { blocks: boolean; message: string } {
  const d = deployment;
  if (!test) return { blocks: false, message: `No smoke-test run is recorded since deployment ${d.deploymentId}.` };
  const run = `The last smoke-test run (${test.status}, ${test.at}${test.target ? ` on ${test.target}` : ''})`;
  if (test.target && test.target !== d.target) return { blocks: false, message: `${run} was not against ${d.target}.` };
  if (Date.parse(test.at) < Date.parse(d.deployedAt))
    return { blocks: false, message: `${run} predates deployment ${d.deploymentId} (${d.deployedAt}).` };
  if (test.commit && !deployedCommitMatches(test.commit, d.commit))
    return { blocks: false, message: `${run} tested ${short(test.commit)}, not the deployed ${short(d.commit)}.` };
  const summary = test.summary ? `: ${test.summary}` : '';
  if (test.status === 'passed') return { blocks: false, message: `${run} passed${summary}.` };
  return {
    blocks: true,
    message: `${run} of deployment ${d.deploymentId} ${test.status === 'failed' ? 'failed' : 'could not complete'}${summary}.`,
  };
}

/** Reads every precondition of merging the skill, without changing anything. */
export async function checkMergePreconditions(repoDir: string, skill: string, options: MergeOptions = {}): Promise<MergePreconditions> {
  assertSkillNames([skill]);
  const ctx = await openRepo(repoDir, options);
  return evaluate(ctx, skill, options, deploymentSource(ctx, options));
}

function deploymentSource(ctx: RepoContext, options: MergeOptions): DeploymentSource {
  if (options.deployments) return options.deployments;
  if (ctx.status) return new StatusFileDeploymentSource(ctx.status);
  return { latest: async () => undefined };
}

/** The environment that gates a merge: options.environment, else infra/environments.yaml's mergeGate. */
async function mergeGate(ctx: RepoContext, options: MergeOptions): Promise<{ name: string; defaultName: string }> {
  const envs = await loadEnvironments(ctx.mainWorktree);
  return { name: envs.get(options.environment ?? envs.mergeGate).name, defaultName: envs.defaultName };
}

async function evaluate(ctx: RepoContext, skill: string, options: MergeOptions, source: DeploymentSource): Promise<MergePreconditions> {
  const branch = branchForSkill(skill);
  const ref = `refs/heads/${branch}`;
  const mainName = ctx.mainBranch.name;
  const mainRef = `refs/heads/${mainName}`;
  const checks: MergeCheck[] = [];
  const ok = (code: GitFlowErrorCode, message: string) => checks.push({ code, status: 'ok', message });
  const unmet = (code: GitFlowErrorCode, message: string, files?: string[]) => checks.push({ code, status: 'unmet', message, files });
  const notChecked = (code: GitFlowErrorCode, message: string) => checks.push({ code, status: 'not-checked', message });

  const [refs, entries] = await Promise.all([readRefs(ctx, [ref]), readWorktreeEntries(ctx)]);
  const head = refs.get(ref)?.sha;
  if (head) ok('BRANCH_NOT_FOUND', `${branch} is at ${short(head)}.`);
  else unmet('BRANCH_NOT_FOUND', `${branch} does not exist.`);

  let gate: { name: string; defaultName: string } | undefined;
  try {
    gate = await mergeGate(ctx, options);
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    unmet('DEPLOYMENT_UNREADABLE', `The environment that gates merges could not be read: ${e.message}`);
  }
  // The default environment's messages read as before environments existed.
  const inEnv = gate && gate.name !== gate.defaultName ? ` in ${gate.name}` : '';
  const onTarget = `${options.target ? ` on ${options.target}` : ''}${inEnv}`;
  let deployment: SkillDeployment | undefined;
  let readable = !!gate;
  try {
    if (gate) deployment = await source.latest(skill, { target: options.target, signal: ctx.signal, environment: gate });
    if (deployment && options.target && deployment.target !== options.target) deployment = undefined;
  } catch (e) {
    readable = false;
    unmet('DEPLOYMENT_UNREADABLE', `The latest deployment of ${skill} could not be read: ${toFlowError(e, skill).message}`);
  }
  if (readable && !deployment) unmet('NO_DEPLOYMENT', `${skill} has no recorded deployment${onTarget}.`);
  else if (deployment)
    ok('NO_DEPLOYMENT', `Latest deployment${onTarget}: ${deployment.deploymentId} of app ${deployment.appId} (${deployment.target}).`);
  if (!deployment) {
    notChecked('DEPLOYMENT_NOT_ACTIVE', 'No deployment to check.');
    notChecked('DEPLOYMENT_STALE', 'No deployment to check.');
  } else {
    if (deployment.phase === 'ACTIVE') ok('DEPLOYMENT_NOT_ACTIVE', `Deployment ${deployment.deploymentId} is ACTIVE.`);
    else unmet('DEPLOYMENT_NOT_ACTIVE', `Deployment ${deployment.deploymentId} is ${deployment.phase}, not ACTIVE.`);
    if (!head) notChecked('DEPLOYMENT_STALE', `${branch} does not exist.`);
    else if (deployedCommitMatches(deployment.commit, head))
      ok('DEPLOYMENT_STALE', `Deployment ${deployment.deploymentId} was built from ${branch}'s HEAD ${short(head)}.`);
    else
      unmet(
        'DEPLOYMENT_STALE',
        `Deployment ${deployment.deploymentId} was built from ${short(deployment.commit)}, but ${branch} is at ${short(head)}.`,
      );
  }
  if (!deployment) notChecked('SMOKE_TESTS_FAILED', 'No deployment whose smoke tests to check.');
  else if (!ctx.status) notChecked('SMOKE_TESTS_FAILED', 'No status file to read the last smoke-test run from.');
  else {
    try {
      const status = await ctx.status.skill(skill, { signal: ctx.signal });
      const verdict = smokeTestVerdict(gate ? skillEnvStatus(status, gate.name, gate.defaultName).lastTest : status?.lastTest, deployment);
      (verdict.blocks ? unmet : ok)('SMOKE_TESTS_FAILED', verdict.message);
    } catch (e) {
      notChecked('SMOKE_TESTS_FAILED', `The last smoke-test run could not be read: ${toFlowError(e, skill).message}`);
    }
  }

  const main = entries[0];
  const wt = entries.find((e, i) => i > 0 && e.branchRef === ref);
  const ops: string[] = [];
  if (wt && (await dirExists(wt.path))) {
    const [changes, op] = await Promise.all([worktreeChanges(ctx, wt.path), operationInProgress(ctx, wt.path)]);
    if (changes.length)
      unmet(
        'DIRTY_WORKTREE',
        `The worktree ${wt.path} has ${changes.length} uncommitted change${changes.length === 1 ? '' : 's'}.`,
        changes,
      );
    else ok('DIRTY_WORKTREE', `The worktree ${wt.path} is clean.`);
    if (op) ops.push(`${op} in ${wt.path}`);
  } else {
    ok('DIRTY_WORKTREE', `${skill} has no worktree${wt ? ' folder' : ''}; nothing uncommitted.`);
  }
  const [mainChanges, mainOp] = await Promise.all([worktreeChanges(ctx, main.path), operationInProgress(ctx, main.path)]);
  if (mainChanges.length)
    unmet(
      'MAIN_WORKTREE_DIRTY',
      `The main worktree ${main.path} has ${mainChanges.length} uncommitted change${mainChanges.length === 1 ? '' : 's'}.`,
      mainChanges,
    );
  else ok('MAIN_WORKTREE_DIRTY', `The main worktree ${main.path} is clean.`);
  if (main.branchRef === mainRef) ok('NOT_ON_MAIN', `The main worktree is on ${mainName}.`);
  else
    unmet(
      'NOT_ON_MAIN',
      `The main worktree ${main.path} is on ${main.branchRef?.replace('refs/heads/', '') ?? 'a detached HEAD'}, not on ${mainName}.`,
    );
  if (mainOp) ops.push(`${mainOp} in ${main.path}`);
  if (ops.length) unmet('OPERATION_IN_PROGRESS', `${ops.join('; ')} is in progress.`);
  else ok('OPERATION_IN_PROGRESS', 'No rebase, merge or cherry-pick in progress.');

  return {
    skill,
    branch,
    head,
    deployment,
    ...(gate ? { environment: gate.name } : {}),
    checks,
    unmet: checks.filter((c) => c.status === 'unmet').map((c) => ({ code: c.code, message: c.message, files: c.files })),
  };
}

/** Promotions of `commit` the status file records (release/promote.ts writes them): where to, by whom, which gates. */
async function promotionTrailers(ctx: RepoContext, branch: string, commit: string): Promise<Array<[string, string]>> {
  const skill = skillForBranch(branch);
  const status = skill && ctx.status ? await ctx.status.skill(skill).catch(() => undefined) : undefined;
  type Promotion = {
    commit?: unknown;
    status?: unknown;
    approver?: { name?: string; email?: string };
    gates?: Array<{ name?: string; ok?: boolean }>;
  };
  const out: Array<[string, string]> = [];
  for (const [env, records] of Object.entries(status?.environments ?? {})) {
    const p = records.promotion as Promotion | undefined;
    if (p?.status !== 'promoted' || typeof p.commit !== 'string' || !deployedCommitMatches(p.commit, commit)) continue;
    out.push(['Promoted-To', env]);
    if (p.approver?.name) out.push(['Promoted-By', `${p.approver.name} <${p.approver.email ?? ''}>`]);
    if (p.gates?.length) out.push(['Promotion-Gates', p.gates.map((g) => `${g.name} ${g.ok ? 'ok' : 'failed'}`).join(', ')]);
  }
  return out;
}

/** The merge message: a subject, one line of context and the deployment's metadata as git trailers. */
export async function mergeMessage(ctx: RepoContext, branch: string, deployment: SkillDeployment, environment?: string): Promise<string> {
  const clean = (v: string) => v.replace(/\s+/g, ' ').trim();
  const d = deployment;
  const subject = `Merge ${branch} into ${ctx.mainBranch.name}`;
  const body =
    `${branch} is live on ${clean(d.target)}: deployment ${clean(d.deploymentId)} of app ${clean(d.appId)} is ${clean(d.phase)} since ` +
    `${clean(d.deployedAt)}.`;
  const trailers: Array<[string, string | undefined]> = [
    ['Deployment-Id', d.deploymentId],
    ['App-Id', d.appId],
    ['Deployed-Commit', d.commit],
    ['Live-URL', d.liveUrl],
    ['Phase', d.phase],
    ['Deployed-At', d.deployedAt],
    ['Target', d.target],
    ['Environment', environment],
    ...(await promotionTrailers(ctx, branch, d.commit)),
  ];
  const args = ['interpret-trailers', '--where', 'end', '--if-exists', 'addIfDifferent', '--if-missing', 'add'];
  for (const [key, value] of trailers) if (value !== undefined && clean(value)) args.push('--trailer', `${key}: ${clean(value)}`);
  return ctx.run(ctx.mainWorktree, args, { input: `${subject}\n\n${body}\n` });
}

/**
 * Merges each skill's branch into the main branch, one skill after another, in the main worktree: every precondition
 * first (a refusal lists each unmet one), a conflict check in memory, then `git merge --no-ff` with the deployment's
 * metadata as trailers; optionally a push of main and the removal of the skill's worktree. A conflict leaves the
 * repository exactly as it was.
 */
export async function mergeSkills(repoDir: string, skills: readonly string[], options: MergeOptions = {}): Promise<MergeResult[]> {
  const names = assertSkillNames(skills);
  const ctx = await openRepo(repoDir, options);
  const source = deploymentSource(ctx, options);
  const results: MergeResult[] = [];
  for (const skill of names) {
    try {
      results.push(await withSkillLock(ctx, skill, 'merge', (skillLock) =>
        withMainLock(ctx, `merge ${skill} into ${ctx.mainBranch.name}`, skill, async (mainLock) => {
          const result = await mergeOne(ctx, skill, options, source, () => {
            checkpoint(ctx, skill, skillLock);
            checkpoint(ctx, skill, mainLock);
          });
          if (result.status === 'merged' && options.cleanup) {
            try {
              return {
                ...result,
                cleanup: await removeLocked(ctx, skill, { force: false, deleteBranch: options.deleteBranch }, skillLock),
              };
            } catch (e) {
              return { ...result, cleanupError: toFlowError(e, skill, 'clean up after the merge') };
            }
          }
          return result;
        })));
    } catch (e) {
      const error = toFlowError(e, skill, 'merge');
      ctx.progress(skill, 'failed', error.message);
      results.push({ skill, status: 'failed', error });
    }
  }
  return results;
}

async function mergeOne(
  ctx: RepoContext,
  skill: string,
  options: MergeOptions,
  source: DeploymentSource,
  cp: () => void,
): Promise<MergeResult> {
  const branch = branchForSkill(skill);
  const ref = `refs/heads/${branch}`;
  const mainName = ctx.mainBranch.name;
  const mainRef = `refs/heads/${mainName}`;
  const originMainRef = `refs/remotes/origin/${mainName}`;
  cp();
  const refs = await readRefs(ctx, [ref, mainRef, originMainRef]);
  const head = refs.get(ref)?.sha;
  const mainBefore = refs.get(mainRef)?.sha;
  const pushMain = async (sha: string): Promise<{ push?: PushOutcome; pushError?: GitFlowError }> => {
    if (!options.push) return {};
    cp();
    try {
      return { push: await pushBranch(ctx, skill, mainName, sha, refs.get(originMainRef)?.sha) };
    } catch (e) {
      return { pushError: toFlowError(e, skill, `push ${mainName}`) };
    }
  };
  if (head && mainBefore && (await isAncestor(ctx, head, mainBefore))) {
    ctx.progress(skill, 'done', `${branch} is already merged into ${mainName}`);
    return { skill, status: 'already-merged', skillHead: head, mainBranch: mainName, ...(await pushMain(mainBefore)) };
  }

  const pre = await evaluate(ctx, skill, options, source);
  if (pre.unmet.length) {
    ctx.progress(skill, 'refused', pre.unmet.map((p) => `${p.code}: ${p.message}`).join(' '));
    return { skill, status: 'refused', unmet: pre.unmet, checks: pre.checks };
  }
  const deployment = pre.deployment!;
  const skillHead = pre.head!;
  if (!mainBefore) throw new GitFlowError('BRANCH_NOT_FOUND', `The main branch ${mainName} does not exist.`, { skill });
  cp();
  if (options.preflight !== false) {
    const preview = await previewMerge(ctx, mainBefore, skillHead);
    if (preview && !preview.clean) {
      throw new GitFlowError(
        'MERGE_CONFLICT',
        `Merging ${branch} into ${mainName} would conflict in ${preview.files.length} file${preview.files.length === 1 ? '' : 's'}; ` +
        `nothing was changed.`,
        { skill, path: ctx.mainWorktree, files: preview.files },
      );
    }
  }
  const message = await mergeMessage(ctx, branch, deployment, pre.environment);
  const pseudo = await snapshotPseudoRefs(ctx, ctx.mainWorktree);
  cp();
  ctx.progress(skill, 'merge', `merging ${branch} into ${mainName}`);
  await withRepoMutex(ctx, async () => {
    try {
      // The commit that was checked (deployed), not the ref: a commit made meanwhile is not merged unchecked.
      await ctx.run(ctx.mainWorktree, ['merge', '--no-ff', '--no-edit', '--no-log', '--no-autostash', '-m', message, skillHead]);
    } catch (e) {
      const files = await conflictedFiles(ctx, ctx.mainWorktree).catch(() => []);
      if (await operationInProgress(ctx, ctx.mainWorktree)) await ctx.run(ctx.mainWorktree, ['merge', '--abort']);
      await restorePseudoRefs(ctx, ctx.mainWorktree, pseudo);
      const now = await tryGit(ctx.run, ctx.mainWorktree, ['rev-parse', 'HEAD']);
      if (now !== mainBefore) {
        throw new GitFlowError(
          'GIT_FAILED',
          `After aborting, ${mainName} is at ${now} instead of ${mainBefore}: check ${ctx.mainWorktree} (git reflog).`,
          { skill, path: ctx.mainWorktree, cause: e },
        );
      }
      if (files.length) {
        throw new GitFlowError(
          'MERGE_CONFLICT',
          `Merging ${branch} into ${mainName} conflicts in ${files.length} file${files.length === 1 ? '' : 's'}; it was aborted and the ` +
          `repository is as before.`,
          { skill, path: ctx.mainWorktree, files, cause: e },
        );
      }
      throw toFlowError(e, skill, `merge ${branch}`);
    }
  });
  const [mergeCommit, ...parents] = (await ctx.run(ctx.mainWorktree, ['rev-list', '--parents', '-n', '1', 'HEAD'])).trim().split(' ');
  if (parents.length !== 2 || parents[1] !== skillHead) {
    throw new GitFlowError(
      'GIT_FAILED',
      `The merge produced ${mergeCommit} with parents ${parents.join(', ')}; expected a merge of ${short(skillHead)}.`,
      { skill, path: ctx.mainWorktree },
    );
  }
  const pushed = await pushMain(mergeCommit);
  let statusWarning: string | undefined;
  if (ctx.status) {
    try {
      await ctx.status.recordMerge(skill, {
        mergeCommit,
        skillHead,
        mainBranch: mainName,
        deploymentId: deployment.deploymentId,
        target: deployment.target,
        pushed: pushed.push === 'pushed' || pushed.push === 'up-to-date',
        at: new Date().toISOString(),
      });
    } catch (e) {
      statusWarning = toFlowError(e, skill).message;
    }
  }
  ctx.progress(skill, 'done', `merged ${branch} into ${mainName} as ${short(mergeCommit)}`);
  return {
    skill,
    status: 'merged',
    mergeCommit,
    skillHead,
    mainBranch: mainName,
    deployment,
    checks: pre.checks,
    ...pushed,
    statusWarning,
  };
}
