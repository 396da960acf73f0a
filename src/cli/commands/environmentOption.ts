/** `--env <name>`, shared by the commands that read or change apps: which environment, and each skill's app in it. */
import {
  appNameFor,
  EnvironmentError,
  ENVIRONMENTS_FILE,
  loadEnvironments,
  resolveEnvironment,
  type EnvironmentDef,
  type Environments,
} from '../../core/environments';
import type { Skill } from '../../core/skills/loadSkills';
import type { EnvironmentScope } from '../../core/status/schema';
import { UsageError } from '../command';
import { appNameOf } from './common';

export const ENV_OPTION = { env: { type: 'string' } } as const;
export const ENV_HELP =
  `  --env <name>                   the environment (${ENVIRONMENTS_FILE}; default: its default one, else staging)`;

export interface CliEnvironment {
  readonly envs: Environments;
  /** As deploys use it (resolveEnvironment): without the file, the default one's app is the spec's own name. */
  readonly env: EnvironmentDef;
  readonly scope: EnvironmentScope;
}

/** Resolves --env: an unknown name or a broken environments file is a usage error naming the file and the known names. */
export async function resolveEnvOption(root: string, name: string | undefined): Promise<CliEnvironment> {
  let envs: Environments;
  try {
    envs = await loadEnvironments(root);
  } catch (e) {
    if (e instanceof EnvironmentError) throw new UsageError(e.message);
    throw e;
  }
  if (name !== undefined && !envs.list.some((e) => e.name === name)) {
    const known = envs.list.map((e) => e.name).join(', ');
    const where = envs.file ? `${envs.file} declares ${known}` : `there is no ${ENVIRONMENTS_FILE}, so the environments are ${known}`;
    throw new UsageError(`unknown environment "${name}" (--env): ${where}`);
  }
  try {
    const env = resolveEnvironment(envs, name);
    return { envs, env, scope: { name: env.name, isDefault: env.name === envs.defaultName } };
  } catch (e) {
    if (e instanceof EnvironmentError) throw new UsageError(e.message);
    throw e;
  }
}

/** The skill's app in the environment, e.g. `pr-review-staging`. */
export async function appNameInEnv(skill: Skill, env: CliEnvironment): Promise<string> {
  return appNameFor(env.env, await appNameOf(skill), skill.name);
}
