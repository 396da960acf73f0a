/**
 * A repository's environments (`infra/environments.yaml`): which ones exist, which one a plain deploy targets, how
 * each one's app is named, which branch it builds from and whether changing it needs approval. Without the file the
 * defaults hold: `staging` (the default, app `<app>-staging`, built from the skill branch) and `production` (app
 * `<app>`, built from `env/production/<skill>`, which only promotion moves; approval required).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { locate } from '../appspec/positions';

export const ENVIRONMENTS_FILE = 'infra/environments.yaml';

/** DigitalOcean's app name: 2–32 characters, lowercase letters, digits and dashes, starting with a letter. */
const APP_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const ENV_NAME = /^[a-z][a-z0-9-]{0,20}$/;

export interface EnvironmentDef {
  readonly name: string;
  /** Template of the app's name: `{app}` is the app spec's name, `{env}` the environment, `{skill}` the skill. */
  readonly appName: string;
  /** Deploying or promoting to it needs an approval (a modal in VS Code, `--approve` in the CLI). */
  readonly requiresApproval: boolean;
  /** Operations that change what runs (restart, scale, secrets) ask for confirmation first. */
  readonly protected: boolean;
  /** Template of the branch its app builds from; undefined: the skill's own branch `skill/<name>`. */
  readonly branch?: string;
  /** Set on a pull request's preview environment (see previewEnvironment). */
  readonly preview?: { readonly pr: number };
}

export interface Environments {
  /** The file they came from, relative to the repository; undefined when the defaults hold. */
  readonly file?: string;
  /** The environment a plain deploy targets. */
  readonly defaultName: string;
  /** The environment whose verified deployment a merge to main requires. */
  readonly mergeGate: string;
  readonly list: readonly EnvironmentDef[];
  /** The environment called `name` (default: the default one); throws EnvironmentError when there is none. */
  get(name?: string): EnvironmentDef;
}

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  constructor(
    message: string,
    /** The file and line it is about, when it is about one. */
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

const EnvSchema = z.strictObject({
  app: z.string().min(1).optional(),
  approval: z.boolean().optional(),
  protected: z.boolean().optional(),
  branch: z.string().min(1).optional(),
});
const FileSchema = z.strictObject({
  default: z.string().regex(ENV_NAME).optional(),
  mergeGate: z.string().regex(ENV_NAME).optional(),
  environments: z.record(z.string().regex(ENV_NAME), EnvSchema.nullable()),
});
type FileShape = z.infer<typeof FileSchema>;

const DEFAULT_FILE: FileShape = {
  default: 'staging',
  environments: { staging: {}, production: {} },
};

/** What an environment is when the file says nothing more about it. */
function defaults(name: string, isDefault: boolean): Omit<EnvironmentDef, 'name'> {
  const production = name === 'production';
  return {
    appName: production ? '{app}' : '{app}-{env}',
    requiresApproval: production,
    protected: production,
    branch: isDefault ? undefined : 'env/{env}/{skill}',
  };
}

function fill(template: string, values: Record<'app' | 'env' | 'skill', string>): string {
  return template.replace(/\{(app|env|skill)\}/g, (_, k: keyof typeof values) => values[k]);
}

/** The app's name in an environment, e.g. `pr-review` + staging → `pr-review-staging`. */
export function appNameFor(env: EnvironmentDef, specName: string, skill = specName): string {
  return fill(env.appName, { app: specName, env: env.name, skill });
}

/** The branch an environment's app builds from. */
export function branchFor(env: EnvironmentDef, skill: string): string {
  return env.branch ? fill(env.branch, { app: skill, env: env.name, skill }) : `skill/${skill}`;
}

/**
 * The environment `name` (default: the default one) as deploys use it. Without infra/environments.yaml a repository
 * keeps its one app per skill: the default environment's app is the spec's own name, as before environments existed;
 * an environment whose app would then be that same app (production's `{app}`) needs the file.
 */
export function resolveEnvironment(envs: Environments, name?: string): EnvironmentDef {
  // A pull request's preview `pr-<n>` is never declared: every pull request has one (see previewEnvironment).
  const pr = name !== undefined && !envs.list.some((e) => e.name === name) ? /^pr-([1-9][0-9]{0,9})$/.exec(name) : null;
  const env = pr ? previewEnvironment(Number(pr[1])) : envs.get(name);
  if (envs.file !== undefined || env.preview) return env;
  if (env.name === envs.defaultName) return { ...env, appName: '{app}' };
  if (appNameFor(env, 'my-skill') === 'my-skill') {
    throw new EnvironmentError(
      `without ${ENVIRONMENTS_FILE} each skill has one app, named as its app spec, which ${envs.defaultName} deploys: declare the ` +
        `environments in ${ENVIRONMENTS_FILE} to give ${env.name} an app of its own`,
      ENVIRONMENTS_FILE,
    );
  }
  return env;
}

/** A pull request's preview: app `<app>-pr-<n>`, built from the PR's branch (default the skill branch), preview-safe. */
export function previewEnvironment(pr: number, branch?: string): EnvironmentDef {
  if (!Number.isInteger(pr) || pr <= 0) throw new EnvironmentError(`a pull request number is a positive integer, not ${pr}`);
  return { name: `pr-${pr}`, appName: `{app}-pr-${pr}`, requiresApproval: false, protected: false, branch, preview: { pr } };
}

/** The name of a preview app's pull request, or undefined for any other app name. */
export function previewOf(appName: string): { app: string; pr: number } | undefined {
  const m = /^(.+)-pr-([1-9][0-9]*)$/.exec(appName);
  return m ? { app: m[1], pr: Number(m[2]) } : undefined;
}

function build(shape: FileShape, file: string | undefined, lineOf: (p: (string | number)[]) => number | undefined): Environments {
  const names = Object.keys(shape.environments);
  const where = file ?? ENVIRONMENTS_FILE;
  const fail = (message: string, p: (string | number)[] = []): never => {
    const line = lineOf(p);
    throw new EnvironmentError(`${where}${line ? `:${line}` : ''}: ${message}`, where, line);
  };
  if (names.length === 0) fail('declares no environments; list at least one under `environments:`', ['environments']);
  const defaultName = shape.default ?? (names.includes('staging') ? 'staging' : names[0]);
  if (!names.includes(defaultName)) fail(`default: "${defaultName}" is not one of the environments (${names.join(', ')})`, ['default']);
  const mergeGate = shape.mergeGate ?? defaultName;
  if (!names.includes(mergeGate)) fail(`mergeGate: "${mergeGate}" is not one of the environments (${names.join(', ')})`, ['mergeGate']);
  const list: EnvironmentDef[] = names.map((name) => {
    const given = shape.environments[name] ?? {};
    const d = defaults(name, name === defaultName);
    const env: EnvironmentDef = {
      name,
      appName: given.app ?? d.appName,
      requiresApproval: given.approval ?? d.requiresApproval,
      protected: given.protected ?? given.approval ?? d.protected,
      branch: given.branch ?? d.branch,
    };
    for (const [field, template] of [['app', env.appName], ['branch', env.branch]] as const) {
      if (template === undefined) continue;
      const unknown = /\{(?!(?:app|env|skill)\})[^}]*\}/.exec(template);
      if (unknown) fail(`environments.${name}.${field}: unknown placeholder ${unknown[0]}; use {app}, {env} or {skill}`, ['environments', name, field]);
    }
    const sample = appNameFor(env, 'my-skill');
    if (!APP_NAME.test(sample)) {
      fail(`environments.${name}.app: "${env.appName}" gives "${sample}" for an app "my-skill", not a valid App Platform app name`, [
        'environments',
        name,
        'app',
      ]);
    }
    return env;
  });
  const seen = new Map<string, string>();
  for (const env of list) {
    const sample = appNameFor(env, 'my-skill');
    const other = seen.get(sample);
    if (other) fail(`environments ${other} and ${env.name} name their apps alike ("${sample}"); give each its own app template`, ['environments', env.name]);
    seen.set(sample, env.name);
  }
  return {
    file,
    defaultName,
    mergeGate,
    list,
    get(name = defaultName) {
      const env = list.find((e) => e.name === name);
      if (env) return env;
      throw new EnvironmentError(`unknown environment "${name}": ${where} declares ${names.join(', ')}`, where);
    },
  };
}

/** Parses the text of `infra/environments.yaml`; errors name the file, the line and the field. */
export function parseEnvironments(text: string, file = ENVIRONMENTS_FILE): Environments {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const lineOf = (p: (string | number)[]): number | undefined => {
    const at = locate(doc, p);
    const node = at.node ?? at.deepest;
    return node?.range ? lc.linePos(node.range[0]).line : undefined;
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lc.linePos(e.pos[0]).line;
    throw new EnvironmentError(`${file}:${line}: ${e.message.split('\n')[0]}`, file, line);
  }
  const parsed = FileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const p = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    const line = lineOf(p);
    const field = p.length ? p.join('.') : '(top level)';
    // zod reports a record key that fails its pattern as "invalid_key" with the pattern's message one level down
    const message = issue.code === 'invalid_key' ? 'an environment name is lowercase letters, digits and dashes, starting with a letter' : issue.message;
    throw new EnvironmentError(`${file}${line ? `:${line}` : ''}: ${field}: ${message}`, file, line);
  }
  return build(parsed.data, file, lineOf);
}

/** The default environments (no file). */
export function defaultEnvironments(): Environments {
  return build(DEFAULT_FILE, undefined, () => undefined);
}

/** The repository's environments: `infra/environments.yaml` when it exists, else the defaults. */
export async function loadEnvironments(repoRoot: string): Promise<Environments> {
  let text: string;
  try {
    text = await fs.readFile(path.join(repoRoot, ENVIRONMENTS_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return defaultEnvironments();
    throw new EnvironmentError(`${ENVIRONMENTS_FILE}: cannot read it: ${(e as Error).message}`, ENVIRONMENTS_FILE);
  }
  return parseEnvironments(text);
}
