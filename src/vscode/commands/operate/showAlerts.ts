import { listAlertViews, type AlertView } from '../../../core/operate/alerts';
import { operatedApp } from '../../operate/operatedSkill';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { refused, type CommandRefusal } from '../support/refusal';

/** `odoobo.showAlerts`: the app's alerts (rule, component, state) and their destinations, webhooks redacted. */
export async function showAlerts(ctx: CommandContext, arg?: unknown): Promise<AlertView[] | CommandRefusal> {
  const op = await operatedApp(ctx, arg, 'Show the alerts of which skill?');
  if ('refused' in op) return op;
  try {
    const alerts = await listAlertViews(op.client, op.app.id);
    if (!alerts.length) return refused(`${op.appName} has no alerts: add \`alerts:\` to its app spec (e.g. rule: DEPLOYMENT_FAILED).`);
    const items = alerts.map((a) => ({
      label: `${a.disabled ? '$(circle-slash)' : '$(bell)'} ${a.rule}`,
      description: [a.component ?? 'app', a.phase?.toLowerCase()].filter(Boolean).join(' · '),
      detail: [...a.emails, ...a.slack.map((s) => `slack ${s.webhook}${s.channel ? ` ${s.channel}` : ''}`)].join(', ') || 'no destination',
    }));
    void pickOne(ctx, items, { title: `Alerts of ${op.appName} (${op.environment.name})` });
    return alerts;
  } finally {
    await op.close();
  }
}
