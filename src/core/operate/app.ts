/** Which App Platform app an operate action acts on: a skill's app in an environment, found on the target. */
import type { AppPlatformClient } from '../do/client';
import type { App } from '../do/schemas';
import { appNameFor, loadEnvironments, resolveEnvironment, type EnvironmentDef } from '../environments';

export class OperateError extends Error {
  override readonly name = 'OperateError';
  constructor(
    readonly code: 'APP_NOT_DEPLOYED' | 'NO_RUNNING_INSTANCE' | 'UNKNOWN_COMPONENT' | 'UNKNOWN_INSTANCE' | 'RESTART_TIMEOUT'
      | 'INVALID_DESTINATION' | 'NO_ALERTS',
    message: string,
    readonly mitigation?: string,
  ) {
    super(message);
  }
}

export interface OperatedApp {
  readonly app: App;
  readonly appName: string;
  readonly environment: EnvironmentDef;
}

/**
 * The app of `skill` (its spec's name `specName`) in environment `envName` (default: the repository's default one);
 * throws APP_NOT_DEPLOYED naming the app when the target has none.
 */
export async function findSkillApp(
  client: AppPlatformClient,
  repoRoot: string,
  skill: string,
  specName: string,
  envName?: string,
  options: { signal?: AbortSignal } = {},
): Promise<OperatedApp> {
  const environment = resolveEnvironment(await loadEnvironments(repoRoot), envName);
  const appName = appNameFor(environment, specName, skill);
  const app = await client.findAppByName(appName, options);
  if (!app) {
    throw new OperateError('APP_NOT_DEPLOYED', `${skill} has no app "${appName}" (${environment.name}) on this target`,
      `deploy it first: odoobo deploy ${skill}${envName ? ` --env ${environment.name}` : ''}`);
  }
  return { app, appName, environment };
}
