/**
 * Sends a notice to every destination of its channels. A deploy waits at most `waitMs` (one request timeout) for
 * them: what fails before is returned (a warning of the deploy), what fails later goes to `onLateProblem`, once per
 * destination. Sending never throws.
 */
import { wait } from '../util/wait';
import { deliver } from './deliver';
import { jsonPayload, slackPayload } from './payload';
import type { Channel, DeployNotice, NotifyConfig } from './types';

const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_TOTAL_MS = 60_000;

/** `deployments` hears of every deploy; `incidents` of failures and rollbacks (SOP-DEPLOY-001). */
export function channelsFor(n: DeployNotice): Channel[] {
  const rolledBack = n.rollback !== undefined && n.rollback.status !== 'skipped';
  const incident = n.outcome === 'failed' || n.outcome === 'rolled-back' || n.kind !== 'deploy' || rolledBack;
  return incident ? ['deployments', 'incidents'] : ['deployments'];
}

export async function sendNotice(config: NotifyConfig | undefined, notice: DeployNotice): Promise<string[]> {
  const channels = channelsFor(notice);
  const targets = (config?.destinations ?? []).filter((d) => channels.includes(d.channel));
  if (!config || !targets.length) return [];
  const requestTimeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const options = { requestTimeoutMs, maxTotalMs: config.maxTotalMs ?? DEFAULT_MAX_TOTAL_MS };
  const problems: string[] = [];
  let waiting = true;
  const all = Promise.all(
    targets.map(async (d) => {
      const body = d.format === 'slack' ? slackPayload(notice) : jsonPayload(notice, d.channel);
      const r = await deliver(d, body, options).catch(() => ({ ok: false, problem: `${d.channel}: delivery failed` }));
      if (r.ok || !r.problem) return;
      if (waiting) problems.push(r.problem);
      else config.onLateProblem?.(r.problem);
    }),
  );
  await wait(config.waitMs ?? requestTimeoutMs, { until: all });
  waiting = false;
  return problems;
}
