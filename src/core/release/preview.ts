/**
 * Preview apps per pull request (issue 18): `<app>-pr-<n>`, built from the pull request's branch with preview-safe
 * settings (smallest instance size, one instance, no domains, no alerts: the preview environment's overlay, see
 * previewEnvironment), deployed through the same procedure as any deploy with the skill's smoke suite; deleted (with
 * its status records) when the pull request closes; listed with their age.
 */
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { deploySkill, type DeployCommonOptions, type DeployErrorInfo, type DeployResult, type DeployStatus } from '../deploy';
import { AppPlatformError } from '../do/errors';
import type { App } from '../do/schemas';
import { appNameFor, previewEnvironment, previewOf } from '../environments';
import { loadSkill } from '../skills/loadSkills';
import { runSmokeSuite, SmokeAbortedError, summarizeSmoke, type SmokeResult } from '../smoke';
import { StatusStore } from '../status/statusStore';
import type { PreviewCommentRow } from './previewComment';

/** DigitalOcean's limit on an app's name. */
const MAX_APP_NAME = 32;

export type PreviewOptions = Omit<DeployCommonOptions, 'environment' | 'postDeploy' | 'writeSpec'> & {
  /** Run the skill's smoke suite once the preview is live (default true); a failing suite fails the preview. */
  smoke?: boolean;
};

export interface PreviewUpResult {
  skill: string;
  pr: number;
  /** The preview app's name, `<app>-pr-<n>`. */
  app: string;
  /** The preview environment, `pr-<n>`. */
  environment: string;
  /** The branch the preview builds from. */
  branch: string;
  status: DeployStatus;
  liveUrl?: string;
  commit?: string;
  smoke?: SmokeResult;
  error?: DeployErrorInfo;
  warnings: string[];
  deploy: DeployResult;
}

export interface PreviewDownResult {
  skill: string;
  pr: number;
  app: string;
  /** False when there was no such app (deleting is idempotent, as app_action's `ignore_not_found`). */
  deleted: boolean;
  appId?: string;
}

export interface PreviewInfo {
  app: string;
  /** The app spec name the preview was made from (the skill's, for the skills of this repository). */
  base: string;
  pr: number;
  appId: string;
  liveUrl?: string;
  createdAt?: string;
  /** Milliseconds since the app was created; undefined when App Platform did not say. */
  ageMs?: number;
}

/** The preview app's name for a skill: its app spec's `name` + `-pr-<n>`; errors name the spec file and field. */
export async function previewAppName(repoRoot: string, skill: string, pr: number, skillsLocation = 'skills'): Promise<string> {
  const env = previewEnvironment(pr);
  const { skill: loaded, problems } = await loadSkill(repoRoot, skillsLocation, skill);
  if (!loaded) throw new Error(`skill ${skill}: ${problems.map((p) => `${p.file}: ${p.message}`).join('; ') || 'not found'}`);
  let name: unknown;
  try {
    name = (parseYaml(await fs.readFile(loaded.appSpecPath, 'utf8')) as { name?: unknown } | null)?.name;
  } catch (e) {
    throw new Error(`${loaded.appSpecPath}: cannot read the app spec: ${(e as Error).message}`, { cause: e });
  }
  if (typeof name !== 'string' || !name) {
    throw new Error(`${loaded.appSpecPath}: name: the app spec has no name to derive the preview's from`);
  }
  const app = appNameFor(env, name, skill);
  if (app.length > MAX_APP_NAME) {
    throw new Error(
      `${loaded.appSpecPath}: name: the preview app "${app}" is longer than App Platform's ${MAX_APP_NAME} characters; ` +
        `shorten the app spec's name to ${MAX_APP_NAME - (app.length - name.length)} characters or fewer`,
    );
  }
  return app;
}

/** The smoke suite as the deploy's post-deploy check, keeping its result for the comment. */
function smokeCheck(results: Map<string, SmokeResult>): NonNullable<DeployCommonOptions['postDeploy']> {
  return async (ctx) => {
    let r: SmokeResult;
    try {
      r = await runSmokeSuite({ skill: ctx.skill, manifest: ctx.manifest, baseUrl: ctx.liveUrl, signal: ctx.signal });
    } catch (e) {
      if (e instanceof SmokeAbortedError) return { ok: false, message: 'canceled' };
      throw e;
    }
    results.set(ctx.skill, r);
    const bad = r.checks.filter((c) => c.status !== 'passed');
    return {
      ok: r.passed,
      code: bad[0]?.code,
      message: r.passed
        ? `smoke tests: ${summarizeSmoke(r)}`
        : `smoke tests failed: ${bad.map((c) => `${c.code}: ${c.message}`).join('; ')}`,
      checks: r.checks,
    };
  };
}

/**
 * Creates or updates the preview of `skill` for pull request `pr`, built from `branch` (default: the skill's branch
 * `skill/<name>`), and runs its smoke suite. A preview has nothing earlier to roll back to on its first deploy; on
 * later pushes a failing version is rolled back like any deploy's.
 */
export async function previewUp(skill: string, pr: number, branch: string | undefined, options: PreviewOptions): Promise<PreviewUpResult> {
  const env = previewEnvironment(pr, branch);
  const app = await previewAppName(options.repoRoot, skill, pr, options.skillsLocation);
  const source = { branch: branch ?? `skill/${skill}` };
  const smoke = new Map<string, SmokeResult>();
  const { smoke: runSmoke, ...common } = options;
  const deployOptions: Parameters<typeof deploySkill>[0] = {
    ...common,
    skill,
    source,
    environment: env.name,
    // The preview's spec lives only in memory: the skill's own infra/<skill>.yaml is never rewritten for it.
    writeSpec: false,
    postDeploy: runSmoke === false ? undefined : smokeCheck(smoke),
  };
  const result = await deploySkill(deployOptions);
  return {
    skill,
    pr,
    app,
    environment: env.name,
    branch: source.branch,
    status: result.status,
    liveUrl: result.liveUrl,
    commit: result.commit,
    smoke: smoke.get(skill),
    error: result.error,
    warnings: result.warnings,
    deploy: result,
  };
}

/** Deletes the preview app of `skill` for `pr` (nothing to do when it does not exist) and its status records. */
export async function previewDown(
  skill: string,
  pr: number,
  options: Pick<DeployCommonOptions, 'repoRoot' | 'client' | 'skillsLocation' | 'status' | 'signal'>,
): Promise<PreviewDownResult> {
  const app = await previewAppName(options.repoRoot, skill, pr, options.skillsLocation);
  const found = await options.client.findAppByName(app, { signal: options.signal });
  if (found) {
    try {
      await options.client.deleteApp(found.id, { signal: options.signal });
    } catch (e) {
      // Deleted meanwhile (another run of the workflow): what was asked is done.
      if (!(e instanceof AppPlatformError && (e.code === 'APP_NOT_FOUND' || e.code === 'NOT_FOUND'))) throw e;
    }
  }
  await forgetPreview(skill, previewEnvironment(pr).name, options);
  return { skill, pr, app, deleted: found !== undefined, appId: found?.id };
}

async function forgetPreview(skill: string, envName: string, options: Pick<DeployCommonOptions, 'repoRoot' | 'status'>): Promise<void> {
  if (options.status === false) return;
  const store = options.status ?? (await StatusStore.forRepository(options.repoRoot));
  const current = await store.skill(skill);
  if (!current?.environments?.[envName]) return;
  await store.updateSkill(skill, (s) => {
    if (!s.environments) return;
    const { [envName]: _gone, ...rest } = s.environments;
    s.environments = rest;
  });
}

/** Every preview app (named `<app>-pr-<n>`) the target has, oldest first, with its age. */
export async function previewList(
  options: Pick<DeployCommonOptions, 'client' | 'signal'> & { now?: number; pr?: number },
): Promise<PreviewInfo[]> {
  const now = options.now ?? Date.now();
  const apps: App[] = await options.client.listApps({ signal: options.signal });
  const out: PreviewInfo[] = [];
  for (const a of apps) {
    const name = a.spec?.name;
    const p = name ? previewOf(name) : undefined;
    if (!name || !p || (options.pr !== undefined && p.pr !== options.pr)) continue;
    const created = a.created_at ? Date.parse(a.created_at) : NaN;
    out.push({
      app: name,
      base: p.app,
      pr: p.pr,
      appId: a.id,
      liveUrl: a.live_url || undefined,
      createdAt: a.created_at,
      ageMs: Number.isNaN(created) ? undefined : Math.max(0, now - created),
    });
  }
  return out.sort((x, y) => (x.createdAt ?? '').localeCompare(y.createdAt ?? '') || x.app.localeCompare(y.app));
}

/** A preview's row in the pull request's comment. */
export function previewCommentRow(r: PreviewUpResult): PreviewCommentRow {
  return {
    skill: r.skill,
    app: r.app,
    status: r.status === 'succeeded' ? 'live' : 'failed',
    url: r.liveUrl,
    smoke: r.smoke ? { passed: r.smoke.checks.filter((c) => c.status === 'passed').length, total: r.smoke.checks.length } : undefined,
    commit: r.commit,
    problem: r.error ? `${r.error.code}: ${r.error.message}` : r.status === 'succeeded' ? undefined : r.status,
  };
}
