import * as vscode from 'vscode';
import type { PlanResult } from '../../../core/deploy';
import { setEnvVar as setInSpec } from '../../../core/operate/envVars';
import { askKey, editSpec } from '../../operate/envEdit';
import { operatedSkill } from '../../operate/operatedSkill';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { input } from '../support/prompts';
import { cancelled, type CommandRefusal } from '../support/refusal';

/** `odoobo.setEnvVar`: a setting (GENERAL) written into the app spec in its editor, then deployed. */
export async function setEnvVar(ctx: CommandContext, arg?: unknown): Promise<{ key: string; deploy: PlanResult } | CommandRefusal> {
  const op = await operatedSkill(ctx, arg, 'Set an env var of which skill?');
  if ('refused' in op) return op;
  await op.close();
  const key = await askKey(ctx, `Set an env var of ${op.skill.name}`);
  if (key === undefined) return cancelled('set env var');
  const prompt = 'Value (written into the app spec; use Set Secret for credentials)';
  const value = await input(ctx, { title: `${key} of ${op.skill.name}`, prompt });
  if (value === undefined) return cancelled('set env var');
  const done = await editSpec(op, (text, file) => setInSpec(text, file, { key, secret: false, value }));
  if ('refused' in done) return done;
  const deploy = await withCancellableProgress(`Deploying ${op.skill.name} with ${key}`, (signal, report) =>
    ctx.deployments.deploy(op.store, [op.skill.name], { signal, report: (_s, m) => report(m) }),
  );
  const r = deploy.results[0];
  if (r?.status !== 'succeeded') {
    void vscode.window.showErrorMessage(`Deploy of ${op.skill.name} ${r?.status ?? 'failed'}: ${r?.error?.message ?? ''}`);
  }
  return { key, deploy };
}
