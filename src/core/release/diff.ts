/**
 * The pre-flight diff (issue 18): before a deploy or a promotion, what will change. The live app's spec against the
 * spec that would be applied (both as YAML, secrets masked, as a unified diff), the commits that will go live (and
 * those that stop serving), and the monthly cost before and after. It reads and changes nothing on App Platform
 * (`propose` only prices).
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { findSecret, isEncryptedValue, looksLikeSecretName } from '../appspec/secrets';
import type { AppPlatformClient } from '../do/client';
import type { App, AppSpec, Deployment } from '../do/schemas';
import { commitOf } from '../deploy/apps';
import { tryGit } from '../git/git';
import { simpleGitRunner, type GitRunner } from '../git/runner';
import { costDelta, priceSpec, usd, type CostChange } from './cost';

/** What a masked value reads as: never the value, nor a hash of it. */
export const MASKED = '(masked)';
const GIT_SOURCES = ['git', 'github', 'gitlab', 'bitbucket'] as const;
const COMPONENT_KINDS = ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function maskString(value: string): string {
  const found = findSecret(value);
  return found ? value.split(found.text).join(found.masked) : value;
}

/** An env entry's value is masked when it is a SECRET, encrypted (`EV[…]`), or plaintext under a secret's name. */
function maskEnv(env: { [k: string]: Json }): { [k: string]: Json } {
  const value = env.value;
  if (typeof value !== 'string' || value === '') return env;
  const onlyRefs = /^(?:\$\{[^}]*\}\s*)+$/.test(value.trim());
  const secretName = typeof env.key === 'string' && looksLikeSecretName(env.key) && !onlyRefs;
  if (env.type === 'SECRET' || isEncryptedValue(value) || secretName) return { ...env, value: MASKED };
  return env;
}

/** Key order of the rendered YAML: a stable order, so that two specs differ only where their values do. */
function orderKeys(keys: string[]): string[] {
  const first = ['name', 'key'];
  const lead = keys.filter((k) => first.includes(k)).sort((a, b) => first.indexOf(a) - first.indexOf(b));
  return [...lead, ...keys.filter((k) => !first.includes(k)).sort()];
}

function canonical(value: unknown, parentKey?: string): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) {
    return value.map((v) => {
      const c = canonical(v) ?? null;
      return parentKey === 'envs' && c && typeof c === 'object' && !Array.isArray(c) ? maskEnv(c) : c;
    });
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const out: { [k: string]: Json } = {};
    for (const k of orderKeys(Object.keys(obj))) {
      const c = canonical(obj[k], k);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return String(value);
}

/** The spec as YAML with every secret masked (SECRET and encrypted env values, and whatever the linter flags as one). */
export function maskedSpecYaml(spec: AppSpec): string {
  return stringify(canonical(spec), { lineWidth: 0 });
}

export interface CommitLine {
  sha: string;
  author: string;
  subject: string;
}

export interface CommitRange {
  /** Commits that go live: in the new commit, not in the live one (newest first). */
  going: CommitLine[];
  /** Commits that stop serving: in the live commit, not in the new one (a step back). */
  leaving: CommitLine[];
  /** Why the range is empty or unknown (no live commit, a commit the local repository does not have, …). */
  note?: string;
}

const short = (sha: string) => sha.slice(0, 12);

async function log(run: GitRunner, repoRoot: string, range: string[]): Promise<CommitLine[]> {
  const out = await run(repoRoot, ['log', '--no-decorate', '--format=%H%x1f%an <%ae>%x1f%s', ...range, '--']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, author, subject] = line.split('\x1f');
      return { sha, author, subject };
    });
}

/** `git log live..next` (and `next..live`), through the repository's one git runner. */
export async function commitsBetween(
  repoRoot: string,
  live: string | undefined,
  next: string | undefined,
  run: GitRunner = simpleGitRunner,
): Promise<CommitRange> {
  const none = (note: string): CommitRange => ({ going: [], leaving: [], note });
  if (!next) return none('the commit that would go live is not known (an image source, or no branch on origin)');
  const has = async (sha: string) => (await tryGit(run, repoRoot, ['cat-file', '-e', `${sha}^{commit}`])) !== undefined;
  if (!(await has(next))) return none(`${short(next)} is not in the local repository: git fetch origin, then retry`);
  if (!live) return { going: await log(run, repoRoot, ['-n', '20', next]), leaving: [], note: 'no live deployment: the last 20 commits' };
  if (!(await has(live))) return none(`the live commit ${short(live)} is not in the local repository: git fetch origin`);
  const [going, leaving] = await Promise.all([log(run, repoRoot, [`${live}..${next}`]), log(run, repoRoot, [`${next}..${live}`])]);
  return { going, leaving, ...(going.length || leaving.length ? {} : { note: `the live commit ${short(live)} is the new one` }) };
}

/** The head of `branch` on origin (`git ls-remote`, as App Platform would build it); undefined when origin lacks it. */
export async function originBranchHead(repoRoot: string, branch: string, run: GitRunner = simpleGitRunner): Promise<string | undefined> {
  const out = await tryGit(run, repoRoot, ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
  return out?.split(/\s+/)[0] || undefined;
}

/** The git branch the skill's component builds from, or its image reference (the first component when none is named). */
export function sourceOf(spec: AppSpec, component?: string): { branch?: string; image?: string } {
  const record = spec as Record<string, unknown>;
  const all = COMPONENT_KINDS.flatMap((k) => (Array.isArray(record[k]) ? (record[k] as Array<Record<string, unknown>>) : []));
  const c = all.find((x) => x.name === component) ?? all[0];
  if (!c) return {};
  for (const kind of GIT_SOURCES) {
    const src = c[kind] as { branch?: unknown } | undefined;
    if (src && typeof src.branch === 'string') return { branch: src.branch };
  }
  const image = c.image as { registry?: unknown; repository?: unknown; tag?: unknown; digest?: unknown } | undefined;
  if (image && typeof image.repository === 'string') {
    const ref = typeof image.digest === 'string' ? `@${image.digest}` : `:${typeof image.tag === 'string' ? image.tag : 'latest'}`;
    return { image: `${typeof image.registry === 'string' ? `${image.registry}/` : ''}${image.repository}${ref}` };
  }
  return {};
}

export interface PreflightInput {
  client: AppPlatformClient;
  repoRoot: string;
  /** The spec that would be applied (prepared for the environment: overlay merged, source set). */
  spec: AppSpec;
  /** The commit that goes live with it; undefined when not known. */
  commit?: string;
  /** The skill's component, whose live deployment's commit counts (default: the first with one). */
  component?: string;
  /** The live app when the caller has read it already; else it is looked up by the spec's name. */
  app?: App | null;
  git?: GitRunner;
  signal?: AbortSignal;
}

export interface Preflight {
  appName: string;
  /** The live app; undefined when the deploy would create it. */
  appId?: string;
  activeDeploymentId?: string;
  liveCommit?: string;
  nextCommit?: string;
  /** The live spec and the one to apply, as masked YAML (the live one empty when there is no app). */
  liveYaml: string;
  nextYaml: string;
  specChanged: boolean;
  /** Unified diff of the two YAML texts (`diff` package). */
  patch: string;
  commits: CommitRange;
  cost: CostChange;
}

/** Reads the live app, renders both specs, lists the commits and prices both: changes nothing. */
export async function preflight(input: PreflightInput): Promise<Preflight> {
  const { client, spec, signal } = input;
  const appName = spec.name;
  const app = input.app === null ? undefined : (input.app ?? (await client.findAppByName(appName, { signal })));
  const liveCommit = commitOf(app?.active_deployment as Deployment | undefined, input.component);
  const liveYaml = app ? maskedSpecYaml(app.spec) : '';
  const nextYaml = maskedSpecYaml(spec);
  const label = (side: string) => `${side}/${appName}.yaml`;
  const [oldSide, oldHeader] = app ? ['live', 'live'] : ['none', 'no app yet'];
  const patch = createTwoFilesPatch(label(oldSide), label('new'), liveYaml, nextYaml, oldHeader, 'to apply');
  const sizes = await client.listInstanceSizes({ signal });
  const [before, after, commits] = await Promise.all([
    app ? priceSpec(client, app.spec, sizes, app.id) : Promise.resolve(undefined),
    priceSpec(client, spec, sizes, app?.id),
    commitsBetween(input.repoRoot, liveCommit, input.commit, input.git),
  ]);
  return {
    appName,
    ...(app ? { appId: app.id } : {}),
    ...(app?.active_deployment?.id ? { activeDeploymentId: app.active_deployment.id } : {}),
    ...(liveCommit ? { liveCommit } : {}),
    ...(input.commit ? { nextCommit: input.commit } : {}),
    liveYaml,
    nextYaml,
    specChanged: liveYaml !== nextYaml,
    patch,
    commits,
    cost: { ...(before ? { before } : {}), after, ...(before ? { delta: costDelta(before, after) } : {}) },
  };
}

/** The pre-flight diff as text lines (what the CLI prints, and what an approval shows). */
export function formatPreflight(p: Preflight): string[] {
  const out: string[] = [];
  const app = p.appId ? `app ${p.appName} (${p.appId})` : `app ${p.appName} (does not exist yet: it would be created)`;
  out.push(`${app}: ${p.liveCommit ? short(p.liveCommit) : 'nothing live'} → ${p.nextCommit ? short(p.nextCommit) : '?'}`);
  out.push('', p.specChanged ? 'Spec (secrets masked):' : 'Spec: no change.');
  if (p.specChanged) out.push(...p.patch.trimEnd().split('\n').filter((l) => !l.startsWith('====')));
  const { going, leaving, note } = p.commits;
  out.push('', `Commits going live: ${going.length}${note ? ` (${note})` : ''}`);
  for (const c of going) out.push(`  + ${short(c.sha)} ${c.subject} (${c.author})`);
  if (leaving.length) out.push(`Commits no longer live: ${leaving.length}`);
  for (const c of leaving) out.push(`  - ${short(c.sha)} ${c.subject} (${c.author})`);
  const { before, after, delta } = p.cost;
  const figure = (c: typeof after | undefined) => (c ? usd(c.appCost ?? c.instancesTotal) : 'nothing');
  const sign = delta === undefined ? '' : ` (${delta >= 0 ? '+' : '−'}${usd(Math.abs(delta))})`;
  out.push('', `Monthly cost: ${figure(before)} → ${figure(after)}${sign}`);
  for (const l of after.lines) out.push(`  ${l.kind}/${l.component}: ${l.count} × ${l.size} = ${usd(l.usdPerMonth)}`);
  if (after.proposeError) out.push(`  propose refused the new spec: ${after.proposeError}`);
  return out;
}
