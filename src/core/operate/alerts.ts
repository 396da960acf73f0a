/**
 * An app's alerts and their destinations (emails, Slack webhooks). A webhook URL is a credential (whoever has it posts
 * to the channel): it is read from a prompt or stdin, never from argv, and shown only as its host and a hint.
 */
import { z } from 'zod';
import type { AppPlatformClient } from '../do/client';
import type { Alert, AlertDestinations } from '../do/schemas';
import { OperateError } from './app';

export interface AlertView {
  readonly id: string;
  readonly rule: string;
  readonly component?: string;
  readonly disabled: boolean;
  readonly phase?: string;
  readonly emails: string[];
  /** Redacted: host and the last 4 characters only. */
  readonly slack: Array<{ webhook: string; channel?: string }>;
}

/** `hooks.slack.com/…wxyz`: enough to tell two webhooks apart, not enough to post with. */
export function redactWebhook(url: string | undefined): string {
  try {
    const u = new URL(url ?? '');
    const tail = `${u.pathname}${u.search}`.slice(-4);
    return `${u.host}/…${tail}`;
  } catch {
    return '(invalid URL)';
  }
}

export function alertView(a: Alert): AlertView {
  return {
    id: a.id ?? '',
    rule: a.spec?.rule ?? 'UNSPECIFIED_RULE',
    ...(a.component_name ? { component: a.component_name } : {}),
    disabled: a.spec?.disabled === true,
    ...(a.phase ? { phase: a.phase } : {}),
    emails: a.emails ?? [],
    slack: (a.slack_webhooks ?? []).map((w) => ({ webhook: redactWebhook(w.url), ...(w.channel ? { channel: w.channel } : {}) })),
  };
}

export async function listAlertViews(
  client: AppPlatformClient,
  appId: string,
  options: { signal?: AbortSignal } = {},
): Promise<AlertView[]> {
  return (await client.listAlerts(appId, options)).map(alertView);
}

const Email = z.email();
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Destinations from text, one a line: an email address, or a Slack webhook URL optionally followed by its channel
 * (`https://hooks.slack.com/services/… #ops`). Blank lines and `#` comments are skipped. A wrong line throws
 * INVALID_DESTINATION naming its number, never its text (it may be a webhook URL).
 */
export function parseDestinations(text: string, source = 'stdin'): Required<AlertDestinations> {
  const out: Required<AlertDestinations> = { emails: [], slack_webhooks: [] };
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [first, ...rest] = line.split(/\s+/);
    const where = `${source} line ${i + 1}`;
    if (Email.safeParse(first).success && !rest.length) {
      out.emails.push(first);
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(first);
    } catch {
      url = undefined;
    }
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))) {
      throw new OperateError('INVALID_DESTINATION', `${where}: neither an email address nor an https:// Slack webhook URL`,
        'one destination a line: name@example.com, or https://hooks.slack.com/services/… [#channel]');
    }
    if (rest.length > 1) throw new OperateError('INVALID_DESTINATION', `${where}: a webhook URL is followed by at most one channel`);
    out.slack_webhooks.push({ url: url.toString(), ...(rest[0] ? { channel: rest[0] } : {}) });
  }
  return out;
}

/** Sets the destinations of the app's alerts (those of `rules` when given); answers them as they are now. */
export async function setAlertDestinations(
  client: AppPlatformClient,
  appId: string,
  destinations: AlertDestinations,
  options: { rules?: readonly string[]; signal?: AbortSignal } = {},
): Promise<AlertView[]> {
  const alerts = await client.listAlerts(appId, { signal: options.signal });
  const chosen = alerts.filter((a) => !options.rules?.length || options.rules.includes(a.spec?.rule ?? ''));
  if (!chosen.length) {
    const rules = alerts.map((a) => a.spec?.rule).join(', ');
    throw new OperateError('NO_ALERTS', options.rules?.length
      ? `the app has no alert with rule ${options.rules.join(', ')}${rules ? ` (it has ${rules})` : ''}`
      : 'the app has no alerts', 'add them to the app spec (alerts: [{rule: DEPLOYMENT_FAILED}, …]) and deploy');
  }
  const out: AlertView[] = [];
  for (const a of chosen) {
    out.push(alertView(await client.assignAlertDestinations(appId, a.id ?? '', destinations, { signal: options.signal })));
  }
  return out;
}
