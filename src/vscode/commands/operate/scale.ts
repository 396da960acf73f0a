import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PlanResult } from '../../../core/deploy';
import type { InstanceSize } from '../../../core/do/schemas';
import { formatCostChange, formatUsd, proposedCost } from '../../../core/operate/cost';
import { countRange, describeScale, planScale, ScaleError, type ScalePlan } from '../../../core/operate/scale';
import { operatedSkill, specNameOf } from '../../operate/operatedSkill';
import { editSpecVisibly, specText } from '../../operate/specEdit';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { confirm, input, pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';

export interface ScaleOutcome {
  plan: ScalePlan;
  /** What the confirmation said about the cost. */
  costText: string;
  deploy: PlanResult;
}

const GIB = 1024 ** 3;

function sizeItem(s: InstanceSize, current: string): vscode.QuickPickItem & { id: string; size: InstanceSize } {
  const mem = Number(s.memory_bytes) / GIB;
  const limits = s.single_instance_only ? 'single instance' : s.scalable ? 'autoscales' : 'up to 250 instances';
  return {
    id: s.slug ?? '',
    label: s.slug ?? '?',
    description: `${formatUsd(Number(s.usd_per_month))}/month per instance${s.slug === current ? ' · current' : ''}`,
    detail: `${s.cpus ?? '?'} ${s.cpu_type === 'DEDICATED' ? 'dedicated' : 'shared'} vCPU · ` +
      `${mem < 1 ? `${mem * 1024} MiB` : `${mem} GiB`} · ${limits}`,
    size: s,
  };
}

/**
 * `odoobo.scale`: a size (with prices) and an instance count picked, the cost before → after and the edit shown for
 * confirmation, the edit made in the spec's editor (saved, left for the user to commit), then a deploy.
 */
export async function scale(ctx: CommandContext, arg?: unknown): Promise<ScaleOutcome | CommandRefusal> {
  const op = await operatedSkill(ctx, arg, 'Scale which skill?');
  if ('refused' in op) return op;
  let plan: ScalePlan;
  let costText: string;
  try {
    const file = path.relative(op.root, op.skill.appSpecPath).split(path.sep).join('/');
    const original = await specText(op.skill.appSpecPath);
    const sizes = await op.client.listInstanceSizes();
    const current = planScale({ text: original, file, change: {}, sizes }).before;
    const items = sizes.filter((s) => s.slug).map((s) => sizeItem(s, current.size));
    const picked = await pickOne(ctx, items, { title: `Instance size for ${op.skill.name} (now ${describeScale(current)})` });
    if (!picked) return cancelled('scale');
    const range = countRange(picked.size);
    const now = current.count ?? current.autoscaling?.min ?? 1;
    const countText = await input(ctx, {
      title: `Instances of ${picked.id}`,
      prompt: `How many instances (${range.min}–${range.max})?`,
      value: String(Math.min(Math.max(now, range.min), range.max)),
      validateInput: (v) => {
        const n = Number(v);
        return /^\d+$/.test(v.trim()) && n >= range.min && n <= range.max ? undefined : `a whole number from ${range.min} to ${range.max}`;
      },
    });
    if (countText === undefined) return cancelled('scale');
    try {
      plan = planScale({ text: original, file, change: { size: picked.id, count: Number(countText) }, sizes });
    } catch (e) {
      if (e instanceof ScaleError) return refused(e.message);
      throw e;
    }
    if (!plan.changed) return refused(`${op.skill.name} already runs ${describeScale(plan.after)}: nothing to change.`);
    const app = await op.client.findAppByName(await specNameOf(op.skill)).catch(() => undefined);
    const [b, a] = await Promise.all([proposedCost(op.client, plan.specBefore, app?.id), proposedCost(op.client, plan.specAfter, app?.id)]);
    const priced = b.cost !== undefined && a.cost !== undefined;
    const proposed = priced ? ` App Platform's price: ${formatUsd(b.cost!)} → ${formatUsd(a.cost!)}.` : '';
    costText = `Monthly cost ${formatCostChange(plan.cost.before, plan.cost.after)}.${proposed}`;
    const edit = plan.diff.split('\n').filter((l) => /^[+-](?![+-]{2} )/.test(l)).join('\n');
    const question = `Scale ${op.skill.name}: ${describeScale(plan.before)} → ${describeScale(plan.after)}?\n\n${costText}\n\n` +
      `${file} will change:\n${edit}\n\nThe edit is saved for you to commit, then ${op.skill.name} is deployed.`;
    if ((await confirm(ctx, question, 'Scale and Deploy')) !== 'Scale and Deploy') return cancelled('scale');
    if (!(await editSpecVisibly(op.skill.appSpecPath, original, plan.text))) {
      return refused(`${file} changed meanwhile: nothing edited; try again.`);
    }
  } finally {
    await op.close();
  }
  const deploy = await withCancellableProgress(`Deploying ${op.skill.name} at its new scale`, (signal, report) =>
    ctx.deployments.deploy(op.store, [op.skill.name], { signal, report: (_s, m) => report(m) }),
  );
  const r = deploy.results[0];
  const now = `${op.skill.name} now runs ${describeScale(plan.after)}. ${costText}`;
  if (r?.status === 'succeeded') void vscode.window.showInformationMessage(now);
  else void vscode.window.showErrorMessage(`Deploy of ${op.skill.name} ${r?.status ?? 'failed'}: ${r?.error?.message ?? ''}`);
  return { plan, costText, deploy };
}
