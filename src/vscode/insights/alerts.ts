/**
 * The extension's alert configuration, the same as the CLI's: the four webhook variables and the GitHub token, kept
 * in SecretStorage under `odoobo.secret.<VARIABLE>` (set with "Odoobo: Set Notification Webhooks…"); an environment
 * variable of the same name counts when nothing is stored, so one configuration serves both.
 */
import type * as vscode from 'vscode';
import { gitOut } from '../../core/git/git';
import { historyOptionsFromEnv } from '../../core/history/store';
import { githubRepositoryOf } from '../../core/incidents/incident';
import type { AlertOptions } from '../../core/notify/alerts';
import { destinationsFrom, WEBHOOK_VARIABLES } from '../../core/notify/env';

/** The secrets the command sets: the webhooks, then the token incident issues are opened with. */
export const ALERT_SECRETS: ReadonlyArray<{ name: string; label: string }> = [
  ...WEBHOOK_VARIABLES.map((v) => ({ name: v.name, label: `${v.format === 'slack' ? 'Slack' : 'JSON'} webhook for ${v.channel}` })),
  { name: 'GITHUB_TOKEN', label: 'GitHub token for incident issues' },
];

export const secretKey = (name: string) => `odoobo.secret.${name}`;

export async function extensionAlerts(secrets: vscode.SecretStorage, repoRoot: string, env = process.env): Promise<AlertOptions> {
  const values = new Map<string, string>();
  for (const s of ALERT_SECRETS) {
    const v = (await secrets.get(secretKey(s.name))) ?? env[s.name];
    if (v) values.set(s.name, v);
  }
  const destinations = destinationsFrom((name) => values.get(name));
  const token = values.get('GITHUB_TOKEN');
  const repository = token ? githubRepositoryOf((await gitOut(repoRoot, ['remote', 'get-url', 'origin'])) ?? '') : undefined;
  return {
    history: historyOptionsFromEnv(env),
    ...(destinations.length ? { notify: { destinations } } : {}),
    ...(token && repository ? { incidents: { token, repository } } : {}),
  };
}
