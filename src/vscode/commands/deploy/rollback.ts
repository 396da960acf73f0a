import * as vscode from 'vscode';
import { commitOf, type RollbackResult } from '../../../core/deploy';
import { formatAgoIso } from '../../../core/util/timeText';
import type { SkillsStore } from '../../skillsStore';
import { DeploymentItem } from '../../tree/items';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { describeDeployment, shortenIds, shortId, type DeploymentFacts } from '../support/deploymentText';
import { confirm, pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { allSkillRefs, skillRefs } from '../support/skillRefs';

/** `odoobo.rollback`: to a deployment item's deployment, or to one chosen among the skill's earlier ones. */
export async function rollback(ctx: CommandContext, arg?: unknown): Promise<RollbackResult | CommandRefusal> {
  // From a deployment in the tree: roll back to that one (App Platform's validation still comes first).
  if (arg instanceof DeploymentItem) {
    const store = skillRefs(ctx, arg)[0]?.store;
    if (!store) return refused(`no skill named ${arg.skillName}`);
    const d = arg.deployment;
    const facts = { id: d.id, cause: d.cause, phase: d.phase, createdAt: d.created_at, commit: commitOf(d, arg.skillName) };
    return confirmAndRollback(ctx, store, arg.skillName, facts);
  }
  let ref = skillRefs(ctx, arg)[0];
  if (!ref) {
    const chosen = await pickOne(ctx, allSkillRefs(ctx).map((r) => ({ label: r.name, ref: r })), { title: 'Roll back which skill?' });
    if (!chosen) return cancelled('rollback');
    ref = chosen.ref;
  }
  const { store, name: skill } = ref;
  const targets = await ctx.deployments.rollbackTargets(store, skill);
  if (targets.length === 0) return refused(`${skill} has no earlier deployment to roll back to.`);
  // Several deployments may share a commit: the short id and the cause tell them apart.
  const items = targets.map((t) => ({
    id: t.id,
    label: `${shortId(t.id)}${t.cause ? ` · ${shortenIds(t.cause)}` : ''}`,
    description: [t.phase?.toLowerCase(), formatAgoIso(t.createdAt)].filter(Boolean).join(' · '),
    detail: t.commit ? `commit ${t.commit.slice(0, 12)}` : 'commit unknown',
    target: t,
  }));
  const picked = await pickOne(ctx, items, { title: `Roll back ${skill} to…` });
  if (!picked) return cancelled('rollback');
  return confirmAndRollback(ctx, store, skill, picked.target);
}

/** Validate (warnings shown before confirming), then roll back with progress and a cancel button. */
async function confirmAndRollback(
  ctx: CommandContext,
  store: SkillsStore,
  skill: string,
  target: DeploymentFacts,
): Promise<RollbackResult | CommandRefusal> {
  const check = await ctx.deployments.checkRollback(store, skill, target.id);
  if (!check.valid) {
    return refused(`App Platform refuses this rollback: ${check.error?.code ?? 'invalid'} ${check.error?.message ?? ''}`.trim());
  }
  const warnings = check.warnings.map((w) => `• ${w.code}: ${w.message ?? ''}`).join('\n');
  const question = `Roll back ${skill} to ${describeDeployment(target)}?${warnings ? `\n\nApp Platform warns:\n${warnings}` : ''}`;
  const ok = await confirm(ctx, question, 'Roll Back');
  if (ok !== 'Roll Back') return cancelled('rollback');
  const result = await withCancellableProgress(`Rolling back ${skill}`, (signal) =>
    ctx.deployments.rollback(store, skill, target.id, signal),
  );
  const to = `deployment ${shortId(target.id)}`;
  if (result.status === 'succeeded') void vscode.window.showInformationMessage(`${skill} rolled back to ${to}.`);
  else void vscode.window.showErrorMessage(`Rollback of ${skill} ${result.status}: ${result.error?.message ?? result.reason ?? ''}`);
  return result;
}
