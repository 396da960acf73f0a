import * as vscode from 'vscode';
import type { PlanResult } from '../../../core/deploy';
import type { SkillsStore } from '../../skillsStore';
import type { CommandContext } from '../context';
import { isRefusal, refused, type CommandRefusal } from '../support/refusal';
import { withCancellableProgress } from '../support/progress';
import { walkthrough } from '../support/walkthroughContext';
import { settleUnpublished } from './unpublished';

/** Deploys each store's skills (a plan per workspace folder) under one cancellable notification, then says how it went. */
export async function runPlans(
  ctx: CommandContext,
  groups: { store: SkillsStore; names: string[] }[],
): Promise<PlanResult[] | CommandRefusal> {
  if (groups.length === 0) return refused('no skill to deploy', 'cancelled');
  const settled = await settleUnpublished(ctx, groups);
  if (isRefusal(settled)) return settled;
  if (settled.length === 0) return refused('no skill left to deploy: every push failed');
  groups = settled;
  const total = groups.reduce((n, g) => n + g.names.length, 0);
  const title = `Deploying ${total === 1 ? groups[0].names[0] : `${total} skills`}`;
  const results = await withCancellableProgress(title, async (signal, report) => {
    const out: PlanResult[] = [];
    for (const g of groups) {
      out.push(await ctx.deployments.deploy(g.store, g.names, { signal, report: (skill, message) => report(`${skill}: ${message}`) }));
    }
    return out;
  });
  for (const plan of results) {
    for (const r of plan.results) if (r.status !== 'succeeded') showFailure(ctx, r);
    const ok = plan.results.filter((r) => r.status === 'succeeded');
    const deployed = ok.map((r) => `${r.skill}${r.liveUrl ? ` (${r.liveUrl})` : ''}`).join(', ');
    if (ok.length) walkthrough.mark('deployed');
    if (ok.length) void vscode.window.showInformationMessage(`Deployed ${deployed}.`);
  }
  return results;
}

function showFailure(ctx: CommandContext, r: PlanResult['results'][number]): void {
  const what = r.status === 'canceled' ? 'was canceled' : r.status === 'rolled-back' ? 'failed and was rolled back' : 'failed';
  const serving = r.previousStillServing ? ' The previous deployment still serves.' : '';
  const why = r.error ? `: ${r.error.code} at ${r.error.step} — ${r.error.message} ${r.error.mitigation}` : '.';
  void vscode.window.showErrorMessage(`${r.skill} ${what}${why}${serving}`, 'Show Logs', 'Open Spec', 'Retry').then((a) => {
    // Without a type, Show Logs opens what explains this failure: the spec's findings, the build or the deploy log.
    if (a === 'Show Logs') void vscode.commands.executeCommand('odoobo.showLogs', r.skill); else if (a === 'Open Spec') {
      const spec = ctx.stores().flatMap((s) => s.model?.skills ?? []).find((v) => v.skill.name === r.skill)?.skill.appSpecPath;
      if (spec) void vscode.window.showTextDocument(vscode.Uri.file(spec));
    } else if (a === 'Retry') void vscode.commands.executeCommand('odoobo.deploy', r.skill);
  });
}
