/**
 * The gates of a promotion (issue 18), each checked and reported by name before anything changes: what the source
 * environment verified, whether the target accepts the spec, whether the target is free, whether the environment
 * branch can move without losing a commit, and the approval. Each gate answers `{name, ok, detail}`; none changes
 * anything (git reads and `propose` only).
 */
import { commitOf } from '../deploy/apps';
import type { PreparedSpec } from '../deploy/spec';
import type { AppPlatformClient } from '../do/client';
import type { App, AppSpec, Deployment } from '../do/schemas';
import type { EnvironmentDef } from '../environments';
import { deployedCommitMatches } from '../git/flows/merge';
import { tryGit } from '../git/git';
import type { GitRunner } from '../git/runner';
import type { SkillDeployment, SkillTestResult } from '../status/schema';

export const GATE_NAMES = [
  'source-active',
  'source-smoke-passed',
  'target-spec-lints',
  'target-propose',
  'target-not-pinned',
  'target-branch-fast-forward',
  'approval',
] as const;
export type GateName = (typeof GATE_NAMES)[number];

export interface Gate {
  name: GateName;
  ok: boolean;
  detail: string;
}

const short = (sha: string) => sha.slice(0, 12);
const gate = (name: GateName, ok: boolean, detail: string): Gate => ({ name, ok, detail });

/** What the source environment verified: the deployment its app serves and the status file records, and its commit. */
export interface Verified {
  deploymentId: string;
  commit: string;
  /** For image sources: the digest the source built from (promotion deploys the same one). */
  imageDigest?: string;
}

function imageDigestOf(d: Deployment | undefined, component?: string): string | undefined {
  const spec = d?.spec as Record<string, unknown> | undefined;
  const list = (k: string) => (Array.isArray(spec?.[k]) ? (spec[k] as Array<Record<string, unknown>>) : []);
  const all = ['services', 'workers', 'jobs'].flatMap(list);
  const c = all.find((x) => x.name === component) ?? all[0];
  const digest = (c?.image as { digest?: unknown } | undefined)?.digest;
  return typeof digest === 'string' ? digest : undefined;
}

/**
 * source-active: the source app's active deployment is ACTIVE, and it is the one the status file recorded for that env.
 * `serving` is the commit the source serves even when the gate fails, so that the other gates can still be checked.
 */
export function sourceActive(
  envName: string,
  app: App | undefined,
  recorded: SkillDeployment | undefined,
  component?: string,
): { gate: Gate; verified?: Verified; serving?: string } {
  const fail = (detail: string, serving?: string) => ({ gate: gate('source-active', false, detail), ...(serving ? { serving } : {}) });
  if (!app) return fail(`${envName} has no app to promote from: deploy to ${envName} first`);
  const active = app.active_deployment as Deployment | undefined;
  if (!active?.id) return fail(`app ${app.spec.name} (${envName}) has no active deployment`);
  if (active.phase && active.phase !== 'ACTIVE') {
    return fail(`app ${app.spec.name}'s deployment ${active.id} is ${active.phase}, not ACTIVE`);
  }
  const commit = commitOf(active, component);
  if (!commit) return fail(`deployment ${active.id} of ${app.spec.name} names no source commit`);
  if (!recorded) return fail(`the status file records no deployment in ${envName}: deploy to ${envName} with odoobo, then promote`, commit);
  if (recorded.deploymentId !== active.id || recorded.phase !== 'ACTIVE' || !deployedCommitMatches(recorded.commit, commit)) {
    return fail(
      `${envName} serves deployment ${active.id} (${short(commit)}) but the status file records ${recorded.deploymentId} ` +
        `(${recorded.phase}, ${short(recorded.commit)}): deploy to ${envName} again so that what is verified is what serves`,
      commit,
    );
  }
  const digest = imageDigestOf(active, component);
  const verified: Verified = { deploymentId: active.id, commit, ...(digest ? { imageDigest: digest } : {}) };
  return { gate: gate('source-active', true, `deployment ${active.id} of ${app.spec.name} is ACTIVE on ${short(commit)}`), verified };
}

/** source-smoke-passed: the source environment's last smoke run passed, on that commit, after that deployment. */
export function sourceSmokePassed(envName: string, test: SkillTestResult | undefined, recorded: SkillDeployment | undefined): Gate {
  const fail = (detail: string) => gate('source-smoke-passed', false, detail);
  if (!recorded) return fail(`no verified deployment in ${envName} whose smoke run to check`);
  if (!test) return fail(`no smoke-test run is recorded in ${envName}: run odoobo test <skill> --env ${envName}`);
  const run = `the last smoke run in ${envName} (${test.status}, ${test.at})`;
  if (!test.commit || !deployedCommitMatches(test.commit, recorded.commit))
    return fail(`${run} tested ${test.commit ? short(test.commit) : 'no named commit'}, not the verified ${short(recorded.commit)}`);
  if (test.target && test.target !== recorded.target) return fail(`${run} ran against ${test.target}, not ${recorded.target}`);
  if (Date.parse(test.at) < Date.parse(recorded.deployedAt)) return fail(`${run} predates deployment ${recorded.deploymentId}`);
  const summary = test.summary ? `: ${test.summary}` : '';
  if (test.status !== 'passed') return fail(`${run} ${test.status === 'failed' ? 'failed' : 'could not complete'}${summary}`);
  return gate('source-smoke-passed', true, `${run} passed on ${short(recorded.commit)}${summary}`);
}

/** target-spec-lints: the target environment's spec (base + overlay, source set) lints without errors. */
export async function targetSpecLints(prepare: () => Promise<PreparedSpec>): Promise<{ gate: Gate; prepared?: PreparedSpec }> {
  try {
    const prepared = await prepare();
    const warnings = prepared.warnings.length ? ` (${prepared.warnings.length} warning${prepared.warnings.length > 1 ? 's' : ''})` : '';
    return { gate: gate('target-spec-lints', true, `${prepared.file} lints clean for ${prepared.spec.name}${warnings}`), prepared };
  } catch (e) {
    return { gate: gate('target-spec-lints', false, (e as Error).message) };
  }
}

/** target-propose: App Platform's propose accepts the target spec (and the name is the target app's, or free). */
export async function targetPropose(
  client: AppPlatformClient,
  spec: AppSpec | undefined,
  target: App | undefined,
  signal?: AbortSignal,
): Promise<Gate> {
  if (!spec) return gate('target-propose', false, 'no target spec to propose (it does not lint)');
  try {
    const r = await client.proposeApp({ spec, ...(target ? { app_id: target.id } : {}) }, { signal });
    if (r.app_name_available === false) {
      const free = r.app_name_suggestion ? ` (free: ${r.app_name_suggestion})` : '';
      return gate('target-propose', false, `the app name ${spec.name} is taken by another app${free}`);
    }
    const cost = r.app_cost !== undefined ? ` at $${r.app_cost}/month` : '';
    return gate('target-propose', true, `propose accepts ${spec.name}${cost}`);
  } catch (e) {
    if (signal?.aborted) throw e;
    return gate('target-propose', false, `propose refused ${spec.name}: ${(e as Error).message}`);
  }
}

/** target-not-pinned: no rollback pins the target app (it would refuse the new deployment). */
export function targetNotPinned(envName: string, target: App | undefined): Gate {
  if (!target) return gate('target-not-pinned', true, `${envName} has no app yet: it will be created`);
  const pinned = target.pinned_deployment as Deployment | undefined;
  if (pinned?.id) {
    return gate(
      'target-not-pinned',
      false,
      `app ${target.spec.name} is pinned to rollback deployment ${pinned.id}: finish it first (odoobo rollback <skill> --env ${envName} ` +
        '--unpin to keep it, --revert to undo it)',
    );
  }
  return gate('target-not-pinned', true, `app ${target.spec.name} is not pinned by a rollback`);
}

/** The environment branch's head on origin, fetched so that its ancestry can be checked; undefined when it does not exist. */
async function fetchBranchHead(run: GitRunner, repoRoot: string, branch: string): Promise<string | undefined> {
  const out = await tryGit(run, repoRoot, ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
  const head = out?.split(/\s+/)[0];
  if (!head) return undefined;
  if ((await tryGit(run, repoRoot, ['cat-file', '-e', `${head}^{commit}`])) === undefined) {
    await run(repoRoot, ['fetch', '--quiet', '--no-tags', 'origin', `refs/heads/${branch}`]);
  }
  return head;
}

/**
 * target-branch-fast-forward: the environment branch on origin may move to the verified commit without losing one: it
 * does not exist yet, or every commit on it is an ancestor of the verified commit (`merge-base --is-ancestor`).
 */
export async function targetBranchFastForward(
  run: GitRunner,
  repoRoot: string,
  branch: string,
  commit: string | undefined,
): Promise<{ gate: Gate; before?: string }> {
  const name = 'target-branch-fast-forward';
  if (!commit) return { gate: gate(name, false, `no verified commit to move origin/${branch} to`) };
  if ((await tryGit(run, repoRoot, ['cat-file', '-e', `${commit}^{commit}`])) === undefined) {
    await tryGit(run, repoRoot, ['fetch', '--quiet', '--no-tags', 'origin']);
    if ((await tryGit(run, repoRoot, ['cat-file', '-e', `${commit}^{commit}`])) === undefined)
      return { gate: gate(name, false, `the verified commit ${short(commit)} is not in this repository nor on origin`) };
  }
  let before: string | undefined;
  try {
    before = await fetchBranchHead(run, repoRoot, branch);
  } catch (e) {
    return { gate: gate(name, false, `origin/${branch} could not be read: ${(e as Error).message}`) };
  }
  if (!before) return { gate: gate(name, true, `origin/${branch} does not exist yet: it will be created at ${short(commit)}`) };
  if (before === commit) return { gate: gate(name, true, `origin/${branch} is at ${short(commit)} already`), before };
  const ancestor = (await tryGit(run, repoRoot, ['merge-base', '--is-ancestor', before, commit])) !== undefined;
  if (!ancestor) {
    return {
      gate: gate(
        name,
        false,
        `origin/${branch} is at ${short(before)}, which is not an ancestor of the verified ${short(commit)}: moving it would drop ` +
          'commits (never forced); merge them into the skill branch, deploy and verify again',
      ),
      before,
    };
  }
  return { gate: gate(name, true, `origin/${branch} fast-forwards ${short(before)} → ${short(commit)}`), before };
}

export interface Approver {
  name: string;
  email: string;
}

/** The approver: git's user.name and user.email in the repository; undefined when either is unset. */
export async function gitApprover(run: GitRunner, repoRoot: string): Promise<Approver | undefined> {
  const [name, email] = await Promise.all([
    tryGit(run, repoRoot, ['config', 'user.name']),
    tryGit(run, repoRoot, ['config', 'user.email']),
  ]);
  return name && email ? { name, email } : undefined;
}

/** approval: an environment that requires it needs an explicit approval and a known approver. */
export function approval(env: EnvironmentDef, approved: boolean, approver: Approver | undefined): Gate {
  if (!env.requiresApproval) return gate('approval', true, `${env.name} does not require approval`);
  if (!approved) return gate('approval', false, `${env.name} requires approval: pass --approve (or confirm in a terminal)`);
  if (!approver) return gate('approval', false, `${env.name} requires a known approver: set git config user.name and user.email`);
  return gate('approval', true, `approved by ${approver.name} <${approver.email}>`);
}
