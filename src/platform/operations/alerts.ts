import type { PlatformContext } from '../context';
import type { AlertRecord, AppRecord } from '../state/model';

/** The rules the local platform evaluates; the others (CPU_UTILIZATION, DOMAIN_FAILED, …) are kept but never fire. */
type EvaluatedRule = 'DEPLOYMENT_FAILED' | 'DEPLOYMENT_LIVE' | 'RESTART_COUNT';

const WINDOW_MS: Record<string, number> = {
  FIVE_MINUTES: 5 * 60_000, TEN_MINUTES: 10 * 60_000, THIRTY_MINUTES: 30 * 60_000, ONE_HOUR: 60 * 60_000,
};
const DELIVERY_TIMEOUT_MS = 10_000;

export interface AlertEvent {
  readonly rule: EvaluatedRule;
  readonly componentName?: string;
  /** One line: what happened, for the message. */
  readonly text: string;
  readonly deploymentId?: string;
}

/**
 * Evaluates an app's alerts (DEPLOYMENT_FAILED, DEPLOYMENT_LIVE, RESTART_COUNT) and delivers each firing to the alert's
 * Slack webhooks as a Slack message (`text` plus one mrkdwn section block). Emails are kept as destinations but not
 * sent: a local platform has no mail relay. Webhook URLs are secrets: logs name the host only.
 */
export class AlertNotifier {
  /** `<app id>/<component>` → crash-restart times, for RESTART_COUNT. */
  private readonly restarts = new Map<string, number[]>();

  constructor(private readonly ctx: PlatformContext) {}

  /** A crash restart of a component: RESTART_COUNT fires when the restarts within its window exceed its value. */
  restarted(app: AppRecord, componentName: string, deploymentId: string): void {
    const key = `${app.id}/${componentName}`;
    const times = [...(this.restarts.get(key) ?? []), Date.now()].slice(-1000);
    this.restarts.set(key, times);
    for (const alert of this.matching(app, 'RESTART_COUNT', componentName)) {
      const windowMs = WINDOW_MS[alert.spec.window ?? ''] ?? WINDOW_MS.FIVE_MINUTES;
      const count = times.filter((t) => t >= Date.now() - windowMs).length;
      const threshold = alert.spec.value ?? 0;
      const fires = alert.spec.operator === 'LESS_THAN' ? count < threshold : count > threshold;
      if (!fires) continue;
      const text = `${componentName} restarted ${count} time(s) in the last ${Math.round(windowMs / 60_000)} minutes`;
      this.deliver(app, alert, { rule: 'RESTART_COUNT', componentName, text, deploymentId });
    }
  }

  /** A deployment ended: DEPLOYMENT_LIVE or DEPLOYMENT_FAILED. */
  fire(app: AppRecord, event: AlertEvent): void {
    for (const alert of this.matching(app, event.rule, event.componentName)) this.deliver(app, alert, event);
  }

  private matching(app: AppRecord, rule: EvaluatedRule, componentName: string | undefined): AlertRecord[] {
    // App-level alerts fire for every component; component alerts only for their own.
    return app.alerts.filter((a) => a.spec.rule === rule && !a.spec.disabled && (!a.componentName || a.componentName === componentName));
  }

  private deliver(app: AppRecord, alert: AlertRecord, event: AlertEvent): void {
    const where = alert.componentName ?? event.componentName;
    const title = `${event.rule} · ${app.spec.name}${where ? ` / ${where}` : ''}`;
    const lines = [`*${title}*`, event.text];
    if (event.deploymentId) lines.push(`deployment \`${event.deploymentId}\` · ${this.ctx.liveUrl(app)}`);
    for (const [i, hook] of alert.slackWebhooks.entries()) {
      if (!hook.url) continue;
      const message = {
        text: `${title}: ${event.text}`,
        ...(hook.channel ? { channel: hook.channel } : {}),
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }],
      };
      const which = `alert ${event.rule} of ${app.spec.name}: ${hostOf(hook.url)} (#${i + 1})`;
      const p = this.post(hook.url, message).then(
        (status) => {
          if (status < 200 || status >= 300) this.ctx.log(`${which} answered ${status}`);
        },
        (err: Error) => this.ctx.log(`${which} could not be reached: ${err.name}`),
      );
      // Shutdown waits a little for deliveries still on their way.
      void this.ctx.track(p);
    }
  }

  private async post(url: string, body: unknown): Promise<number> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }
}

/** A webhook URL's host, the only part of it that may be logged (the path is the secret). */
function hostOf(url: string | undefined): string {
  try {
    return new URL(url ?? '').host || 'webhook';
  } catch {
    return 'an invalid webhook URL';
  }
}
