/** Everything a deploy tells beyond its result: the history's bounds, the webhooks, the incident issues. */
import { historyOptionsFromEnv, type HistoryOptions } from '../history/store';
import { incidentConfigFromEnv, type IncidentConfig } from '../incidents/incident';
import { destinationsFrom } from './env';
import type { NotifyConfig } from './types';

export interface AlertOptions {
  readonly history?: HistoryOptions;
  readonly notify?: NotifyConfig;
  /** Without it (no GitHub token) a rollback is recorded in the history but opens no issue. */
  readonly incidents?: IncidentConfig;
}

/** The CLI's configuration, all from environment variables (secrets never on the command line). */
export async function alertsFromEnv(env: NodeJS.ProcessEnv, repoRoot: string): Promise<AlertOptions> {
  const destinations = destinationsFrom((name) => env[name]);
  const incidents = await incidentConfigFromEnv(env, repoRoot);
  return {
    history: historyOptionsFromEnv(env),
    ...(destinations.length ? { notify: { destinations } } : {}),
    ...(incidents ? { incidents } : {}),
  };
}
