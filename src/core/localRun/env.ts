import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The same variables the local platform reads secrets from (`odoobo platform start`, src/platform/config.ts). */
export const SECRET_ENV_PREFIX = 'ODOOBO_SECRET_';

/** What a local run inherits from the editor's or the shell's environment: no tokens or credentials. */
const INHERITED = new Set(['HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'VIRTUAL_ENV', 'PYTHONPATH']);

interface SpecEnv {
  key?: unknown;
  value?: unknown;
  type?: unknown;
  scope?: unknown;
}

interface SpecComponent {
  name?: unknown;
  source_dir?: unknown;
  envs?: unknown;
}

export interface LocalRunEnv {
  /** The spec's run-time envs, secrets resolved from ODOOBO_SECRET_<KEY> (never logged). */
  readonly values: Record<string, string>;
  /** Notes for the user: secrets left unset, bindable values bound or left as they are. */
  readonly notes: string[];
}

function envList(value: unknown): SpecEnv[] {
  return Array.isArray(value) ? value.filter((e): e is SpecEnv => !!e && typeof e === 'object') : [];
}

/** The component of the spec that runs the skill: the service whose source_dir is the skill's folder, else its name. */
function componentOf(spec: Record<string, unknown>, skill: string, skillDir: string): SpecComponent | undefined {
  const all = ['services', 'workers']
    .flatMap((k) => (Array.isArray(spec[k]) ? (spec[k] as unknown[]) : []))
    .filter((c): c is SpecComponent => !!c && typeof c === 'object');
  const norm = (p: unknown) => (typeof p === 'string' ? path.posix.normalize(p.replace(/^\/+/, '')).replace(/\/+$/, '') : '');
  return all.find((c) => norm(c.source_dir) === skillDir) ?? all.find((c) => c.name === skill) ?? all[0];
}

/**
 * The environment App Platform would give the skill at run time from its app spec (app-level envs, then the
 * component's): GENERAL values as written, SECRET values from ODOOBO_SECRET_<KEY> in `parent`, else unset with a note.
 * `${APP_URL}` and `${_self.URL}` are bound to the local URL.
 */
export function specRunEnv(
  specText: string, options: { skill: string; skillDir: string; url: string; parent: NodeJS.ProcessEnv },
): LocalRunEnv {
  const spec = (parseYaml(specText) ?? {}) as Record<string, unknown>;
  const component = componentOf(spec, options.skill, options.skillDir);
  const values: Record<string, string> = {};
  const notes: string[] = [];
  for (const env of [...envList(spec.envs), ...envList(component?.envs)]) {
    if (typeof env.key !== 'string') continue;
    const scope = typeof env.scope === 'string' ? env.scope : 'RUN_AND_BUILD_TIME';
    if (scope === 'BUILD_TIME') continue;
    if (env.type === 'SECRET') {
      const secret = options.parent[`${SECRET_ENV_PREFIX}${env.key}`];
      if (secret !== undefined) values[env.key] = secret;
      else {
        delete values[env.key];
        notes.push(`secret ${env.key} is not set: export ${SECRET_ENV_PREFIX}${env.key} to give it a value`);
      }
      continue;
    }
    const raw = typeof env.value === 'string' ? env.value : env.value === undefined || env.value === null ? '' : String(env.value);
    values[env.key] = raw.replace(/\$\{(APP_URL|_self\.URL)\}/g, options.url);
    if (/\$\{[^}]+\}/.test(values[env.key])) {
      notes.push(`${env.key} keeps its bindable variable ${values[env.key]}: App Platform binds it, a local run does not`);
    }
  }
  return { values, notes };
}

/** The allow-listed part of the parent's environment (home, locale, Python's path, virtualenv) plus PATH. */
export function inheritedEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && (INHERITED.has(k) || k.startsWith('LC_'))) out[k] = v;
  return out;
}
