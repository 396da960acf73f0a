import * as vscode from 'vscode';
import { promote as promoteSkills, type PromotionPlan, type PromotionResult } from '../../../core/release/promote';
import type { Gate } from '../../../core/release/gates';
import { settings } from '../../config';
import { editorEnvironments } from '../../environments';
import { preflightSummary, showPreflightDiff } from '../../release/preflightView';
import { EnvironmentItem } from '../../tree/releaseItems';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { confirm, pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { allSkillRefs, skillRefs } from '../support/skillRefs';

export const APPROVE = 'Approve and Promote';

const gateLine = (g: Gate) => `${g.ok ? '✓' : '✗'} ${g.name}${g.detail ? `: ${g.detail}` : ''}`;

/** The approval modal: what will change (the diff editor opens beside it), the gates, and who approves. */
async function approve(ctx: CommandContext, plan: PromotionPlan): Promise<boolean> {
  if (plan.preflight) await showPreflightDiff(plan.preflight, plan.to);
  const lines = [
    `Promote ${plan.skill} from ${plan.from} to ${plan.to}${plan.commit ? ` at ${plan.commit.slice(0, 7)}` : ''}?`,
    '',
    ...(plan.preflight ? preflightSummary(plan.preflight) : ['(the pre-flight diff could not be made)']),
    '',
    'Gates:',
    ...plan.gates.map(gateLine),
  ];
  return (await confirm(ctx, lines.join('\n'), APPROVE)) === APPROVE;
}

/**
 * `odoobo.promote`: "Promote to …" — deploys to the target environment exactly the build verified in the source one,
 * after every gate passed (approval through a modal showing the diff, the commits and the cost).
 */
export async function promote(ctx: CommandContext, arg?: unknown, toArg?: unknown): Promise<PromotionResult[] | CommandRefusal> {
  let ref = skillRefs(ctx, arg)[0];
  if (!ref) {
    const chosen = await pickOne(ctx, allSkillRefs(ctx).map((r) => ({ label: r.name, ref: r })), { title: 'Promote which skill?' });
    if (!chosen) return cancelled('promote');
    ref = chosen.ref;
  }
  const root = ref.store.model?.root;
  if (!root) return refused(`no skill named ${ref.name}`);
  const { envs, usable } = await editorEnvironments(root, ctx.log);
  const from = envs.defaultName;
  let to = arg instanceof EnvironmentItem ? arg.environment.name : typeof toArg === 'string' ? toArg : undefined;
  if (!to) {
    const targets = usable.filter((e) => e.name !== from);
    if (targets.length === 0) return refused(`${root} has one environment: declare another in infra/environments.yaml to promote to it`);
    const picked = targets.length === 1 ? targets[0] : (await pickOne(ctx, targets.map((e) => ({ label: e.name, env: e })), { title: `Promote ${ref.name} from ${from} to…` }))?.env;
    if (!picked) return cancelled('promote');
    to = picked.name;
  }
  if (to === from) return refused(`${ref.name}: promotion goes from ${from} to another environment, not to ${from} itself`);
  const name = ref.name;
  const connection = await ctx.deployments.connect();
  try {
    const results = await withCancellableProgress(`Promoting ${name} from ${from} to ${to}`, (signal, report) =>
      promoteSkills({
        repoRoot: root,
        client: connection.client,
        target: connection.target,
        skillsLocation: settings(ref.store.folder).skillsLocation,
        skills: [name],
        from,
        to,
        approve: (plan) => approve(ctx, plan),
        signal,
        onEvent: (e) => (e.type === 'step-started' ? report(e.step) : undefined),
      }),
    );
    for (const r of results) {
      ctx.log.info(`promote ${r.skill} ${r.from} → ${r.to}: ${r.status}\n${r.gates.map(gateLine).join('\n')}${r.error ? `\n${r.error}` : ''}`);
      if (r.status === 'promoted') {
        void vscode.window.showInformationMessage(`${r.skill} promoted to ${r.to} at ${r.commit?.slice(0, 7) ?? '?'}${r.deploy?.liveUrl ? `: ${r.deploy.liveUrl}` : ''}.`);
      } else {
        const why = r.failedGate ? `gate ${r.failedGate.name} failed: ${r.failedGate.detail ?? ''}` : (r.error ?? r.deploy?.error?.message ?? r.status);
        const serving = r.status === 'failed' ? ` ${r.to} still serves what it served.` : ' Nothing changed.';
        void vscode.window.showWarningMessage(`${r.skill} was not promoted to ${r.to}: ${why}.${serving}`, 'Show Log').then((a) => (a ? ctx.log.show() : undefined));
      }
    }
    ctx.apps.forget(name);
    await ctx.deployments.load(ref.store);
    return results;
  } finally {
    await connection.close();
  }
}
