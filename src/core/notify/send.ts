/**
 * Sends a notice to every destination of its channels. A deploy waits at most `waitMs` (one request timeout) for
 * them: a delivery that failed, or is still being retried then, is returned once as a problem (a warning of the
 * deploy); the retries go on in the background and say nothing more. Sending never throws.
 */
import { wait } from '../util/wait';
import { deliver, describeDestination } from './deliver';
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
  const waitMs = config.waitMs ?? requestTimeoutMs;
  const outcomes: Array<string | undefined | null> = targets.map(() => null);
  const all = Promise.all(
    targets.map(async (d, i) => {
      const body = d.format === 'slack' ? slackPayload(notice) : jsonPayload(notice, d.channel);
      const r = await deliver(d, body, options).catch(() => ({ ok: false, problem: `${describeDestination(d)}: delivery failed` }));
      outcomes[i] = r.ok ? undefined : r.problem;
    }),
  );
  await wait(waitMs, { until: all });
  // null: still being retried when the deploy stopped waiting
  const pending = (i: number) =>
    `${describeDestination(targets[i])}: not delivered within ${waitMs} ms (still retrying in the background)`;
  return outcomes.flatMap((o, i) => (o === null ? [pending(i)] : o ? [o] : []));
}
