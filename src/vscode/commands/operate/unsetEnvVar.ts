import * as vscode from 'vscode';
import type { PlanResult } from '../../../core/deploy';
import { listEnvVars, unsetEnvVar as unsetInSpec } from '../../../core/operate/envVars';
import { editSpec } from '../../operate/envEdit';
import { operatedSkill } from '../../operate/operatedSkill';
import { specText } from '../../operate/specEdit';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';

/** `odoobo.unsetEnvVar`: an env var picked among the spec's, removed from it in its editor, then deployed. */
export async function unsetEnvVar(ctx: CommandContext, arg?: unknown): Promise<{ key: string; deploy: PlanResult } | CommandRefusal> {
  const op = await operatedSkill(ctx, arg, 'Unset an env var of which skill?');
  if ('refused' in op) return op;
  await op.close();
  const vars = listEnvVars(await specText(op.skill.appSpecPath), op.skill.appSpecPath);
  if (!vars.length) return refused(`${op.skill.name}'s app spec sets no env vars.`);
  const items = vars.map((v) => ({
    label: v.key,
    id: v.component === undefined ? v.key : `${v.component}.${v.key}`,
    description: `${v.type} · ${v.scope} · ${v.component ?? 'app level'}`,
    row: v,
  }));
  const picked = await pickOne(ctx, items, { title: `Unset which env var of ${op.skill.name}?` });
  if (!picked) return cancelled('unset env var');
  const { row } = picked;
  const done = await editSpec(op, (text, file) =>
    unsetInSpec(text, file, { key: row.key, ...(row.component === undefined ? { appLevel: true } : { component: row.component }) }),
  );
  if ('refused' in done) return done;
  const deploy = await withCancellableProgress(`Deploying ${op.skill.name} without ${row.key}`, (signal, report) =>
    ctx.deployments.deploy(op.store, [op.skill.name], { signal, report: (_s, m) => report(m) }),
  );
  const r = deploy.results[0];
  if (r?.status !== 'succeeded') {
    void vscode.window.showErrorMessage(`Deploy of ${op.skill.name} ${r?.status ?? 'failed'}: ${r?.error?.message ?? ''}`);
  }
  return { key: row.key, deploy };
}
