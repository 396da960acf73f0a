/**
 * The bodies sent: Slack's incoming-webhook message (`text` as the fallback, Block Kit `header` and `section` blocks
 * with mrkdwn fields, https://api.slack.com/reference/block-kit/blocks) and a generic JSON document.
 */
import { formatDuration } from '../util/timeText';
import type { DeployNotice } from './types';

const EMOJI: Record<string, string> = {
  succeeded: ':white_check_mark:',
  failed: ':x:',
  'rolled-back': ':rewind:',
  canceled: ':no_entry_sign:',
  'succeeded-but-canceled': ':warning:',
};

/** Slack's mrkdwn treats &, < and > as markup: escaped as its docs say. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function headline(n: DeployNotice): string {
  const what = n.kind === 'deploy' ? 'Deploy' : n.kind === 'revert' ? 'Revert of rollback' : 'Rollback';
  return `${what} of ${n.skill} to ${n.environment}: ${n.outcome}`;
}

function rollbackText(n: DeployNotice): string | undefined {
  const r = n.rollback;
  return r ? `${r.trigger}: ${r.status}${r.toDeploymentId ? ` → ${r.toDeploymentId}` : ''}` : undefined;
}

/** Slack's section fields: at most 10, each at most 2000 characters. */
function fields(n: DeployNotice): Array<{ type: 'mrkdwn'; text: string }> {
  const f: Array<[string, string | undefined]> = [
    ['Skill', n.skill],
    ['Environment', `${n.environment} (${n.target})`],
    ['Commit', n.commit ? `\`${n.commit.slice(0, 12)}\`` : undefined],
    ['Outcome', `${EMOJI[n.outcome] ?? ''} ${n.outcome}`.trim()],
    ['Duration', n.durationMs !== undefined ? formatDuration(n.durationMs) : undefined],
    ['URL', n.liveUrl ? `<${n.liveUrl}>` : undefined],
    ['Error code', n.code ? `\`${n.code}\`` : undefined],
    ['Rollback', rollbackText(n)],
    ['Incident', n.incidentUrl ? `<${n.incidentUrl}>` : undefined],
    ['By', n.who],
  ];
  // Links are Slack's <url> markup already; everything else is text.
  const text = (k: string, v: string) => `*${k}*\n${k === 'URL' || k === 'Incident' ? v : esc(v)}`.slice(0, 2000);
  return f.flatMap(([k, v]) => (v ? [{ type: 'mrkdwn' as const, text: text(k, v) }] : []));
}

export function slackPayload(n: DeployNotice): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: headline(n).slice(0, 150), emoji: true } },
    { type: 'section', fields: fields(n) },
  ];
  if (n.message) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Error*\n${esc(n.message)}`.slice(0, 3000) } });
  if (n.mitigation) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Mitigation*\n${esc(n.mitigation)}`.slice(0, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `odoobo · ${n.at}` }] });
  return { text: headline(n), blocks };
}

/** The generic webhook's body: the notice as it is, under a versioned event name. */
export function jsonPayload(n: DeployNotice, channel: string): Record<string, unknown> {
  return { event: `odoobo.${n.kind}`, version: 1, channel, ...n };
}
