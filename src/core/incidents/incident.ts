/**
 * A rollback opens an incident issue on the repository's GitHub project (SOP-DEPLOY-001): title
 * `[INCIDENT] Rollback executed for <environment>`, labels incident, rollback and the environment, and a body with the
 * failed deployment, its cause, the restored deployment and a link to the logs. Without a token nothing is opened
 * and the history says so; opening never throws.
 */
import { GitHubClient } from '../github/client';
import { gitOut } from '../git/git';

export interface IncidentConfig {
  /** A GitHub token (GITHUB_TOKEN, or SecretStorage in the extension); never logged. */
  readonly token: string;
  /** `owner/name` of the repository the issue is opened on. */
  readonly repository: string;
  /** GitHub's API (default https://api.github.com; GitHub Enterprise: https://<host>/api/v3). */
  readonly apiUrl?: string;
  /** Where the run's logs are (a CI run's page): linked from the issue. */
  readonly logsUrl?: string;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
}

export interface IncidentFacts {
  readonly skill: string;
  readonly environment: string;
  readonly target: string;
  readonly trigger: 'automatic' | 'manual';
  readonly at: string;
  readonly failed: { deploymentId?: string; commit?: string; code?: string; step?: string; message?: string };
  readonly restored: { status: string; toDeploymentId?: string; rollbackDeploymentId?: string; commit?: string };
  readonly liveUrl?: string;
  readonly who?: string;
}

/** What the history keeps of it. */
export interface IncidentRecord {
  issueUrl?: string;
  issueNumber?: number;
  note?: string;
}

export function incidentTitle(environment: string): string {
  return `[INCIDENT] Rollback executed for ${environment}`;
}

const cell = (v: string | undefined) => (v ? `\`${v.replace(/`/g, "'")}\`` : '—');

export function incidentBody(f: IncidentFacts, logsUrl?: string): string {
  const cause = [f.failed.code, f.failed.step && `at ${f.failed.step}`].filter(Boolean).join(' ');
  const as = f.restored.rollbackDeploymentId ? ` as ${cell(f.restored.rollbackDeploymentId)}` : '';
  return [
    `An ${f.trigger} rollback of **${f.skill}** ran in **${f.environment}** (${f.target}) at ${f.at}.`,
    '',
    '| | |',
    '|---|---|',
    `| Failed deployment | ${cell(f.failed.deploymentId)}${f.failed.commit ? ` (commit ${cell(f.failed.commit.slice(0, 12))})` : ''} |`,
    `| Cause | ${cause || '—'} |`,
    `| Restored deployment | ${cell(f.restored.toDeploymentId)}${as} |`,
    `| Rollback | ${f.restored.status} |`,
    ...(f.liveUrl ? [`| Live URL | ${f.liveUrl} |`] : []),
    ...(f.who ? [`| Deployed by | ${f.who.replace(/\|/g, '/')} |`] : []),
    `| Logs | ${logsUrl ?? `\`odoobo logs ${f.skill}\``} |`,
    '',
    ...(f.failed.message ? ['**Error**', '', '```', f.failed.message.slice(0, 4000), '```'] : []),
  ].join('\n');
}

export async function openIncident(config: IncidentConfig | undefined, facts: IncidentFacts): Promise<IncidentRecord> {
  if (!config) return { note: 'no GitHub token configured: no incident issue opened' };
  const [owner, repo] = config.repository.split('/');
  // Bounded: the issue is opened from a deploy's record step, which must not wait out a long rate limit.
  const timeoutMs = config.timeoutMs ?? 10_000;
  const limits = { timeoutMs, maxAttempts: 2, maxRateLimitWaitMs: 5_000 };
  const client = new GitHubClient({ token: config.token, baseUrl: config.apiUrl, env: {}, ...limits });
  try {
    const labels = ['incident', 'rollback', facts.environment];
    const title = incidentTitle(facts.environment);
    const issue = await client.createIssue(owner, repo, { title, body: incidentBody(facts, config.logsUrl), labels });
    return { issueNumber: issue.number, ...(issue.html_url ? { issueUrl: issue.html_url } : {}) };
  } catch (e) {
    return { note: `the incident issue could not be opened on ${config.repository}: ${(e as Error).message}` };
  } finally {
    await client.close().catch(() => undefined);
  }
}

const GITHUB_REMOTE = /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|(?:ssh:\/\/)?git@github\.com[:/])([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/;

/** `owner/name` of a GitHub remote URL (https or ssh), else undefined. */
export function githubRepositoryOf(remoteUrl: string): string | undefined {
  const m = GITHUB_REMOTE.exec(remoteUrl.trim());
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/**
 * The CLI's incident configuration: GITHUB_TOKEN, the repository from GITHUB_REPOSITORY or the `origin` remote,
 * GITHUB_API_URL, and the Actions run's page as the logs link. Undefined without a token or a GitHub repository.
 */
export async function incidentConfigFromEnv(env: NodeJS.ProcessEnv, repoRoot: string): Promise<IncidentConfig | undefined> {
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) return undefined;
  const repository = env.GITHUB_REPOSITORY?.trim() || githubRepositoryOf((await gitOut(repoRoot, ['remote', 'get-url', 'origin'])) ?? '');
  if (!repository) return undefined;
  const server = env.GITHUB_SERVER_URL?.trim() || 'https://github.com';
  const logsUrl = env.GITHUB_RUN_ID ? `${server}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return { token, repository, ...(env.GITHUB_API_URL ? { apiUrl: env.GITHUB_API_URL } : {}), ...(logsUrl ? { logsUrl } : {}) };
}
