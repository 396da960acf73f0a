/**
 * Webhook destinations from environment variables (the CLI's and CI's configuration; the extension keeps the same
 * four in SecretStorage): ODOOBO_WEBHOOK_DEPLOYMENTS / ODOOBO_WEBHOOK_INCIDENTS (generic JSON) and
 * ODOOBO_SLACK_WEBHOOK_DEPLOYMENTS / ODOOBO_SLACK_WEBHOOK_INCIDENTS (Slack incoming webhooks).
 */
import type { Channel, WebhookDestination, WebhookFormat } from './types';

export const WEBHOOK_VARIABLES: ReadonlyArray<{ name: string; channel: Channel; format: WebhookFormat }> = [
  { name: 'ODOOBO_SLACK_WEBHOOK_DEPLOYMENTS', channel: 'deployments', format: 'slack' },
  { name: 'ODOOBO_SLACK_WEBHOOK_INCIDENTS', channel: 'incidents', format: 'slack' },
  { name: 'ODOOBO_WEBHOOK_DEPLOYMENTS', channel: 'deployments', format: 'json' },
  { name: 'ODOOBO_WEBHOOK_INCIDENTS', channel: 'incidents', format: 'json' },
];

/** Throws naming the variable (never its value) when it holds no http(s) URL. */
export function checkWebhookUrl(name: string, value: string): string {
  let u: URL | undefined;
  try {
    u = new URL(value.trim());
  } catch {
    // reported below
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
    throw new Error(`${name} is not an http(s) URL (its value is not shown: it is a secret).`);
  }
  return u.toString();
}

/** The destinations whose variables are set (in `read`: env, or SecretStorage in the extension). */
export function destinationsFrom(read: (name: string) => string | undefined): WebhookDestination[] {
  return WEBHOOK_VARIABLES.flatMap((v) => {
    const value = read(v.name)?.trim();
    return value ? [{ channel: v.channel, format: v.format, url: checkWebhookUrl(v.name, value) }] : [];
  });
}
