import * as vscode from 'vscode';
import { editorEnvironments, environmentSetting } from '../../environments';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';

/**
 * `odoobo.chooseEnvironment`: the environment the editor deploys to and shows first (the `odoobo.environment` workspace
 * setting); the tree, the status bar and the dashboard follow it.
 */
export async function chooseEnvironment(ctx: CommandContext, arg?: unknown): Promise<{ environment: string } | CommandRefusal> {
  const store = ctx.stores().find((s) => s.model?.root);
  if (!store?.model) return refused('no repository with skills is open');
  const { usable, current } = await editorEnvironments(store.model.root, ctx.log);
  let name = typeof arg === 'string' ? arg : undefined;
  if (name && !usable.some((e) => e.name === name)) return refused(`unknown environment "${name}": ${usable.map((e) => e.name).join(', ')}`);
  if (!name) {
    const items = usable.map((e) => ({ label: e.name, description: e.name === current.name ? 'current' : e.requiresApproval ? 'approval required' : undefined }));
    name = (await pickOne(ctx, items, { title: 'Deploy to and show which environment?' }))?.label;
    if (!name) return cancelled('choose environment');
  }
  if (environmentSetting(store.folder.uri) !== name) {
    await vscode.workspace.getConfiguration('odoobo', store.folder.uri).update('environment', name, vscode.ConfigurationTarget.Workspace);
  }
  for (const s of ctx.stores()) {
    for (const v of s.model?.skills ?? []) ctx.apps.forget(v.skill.name);
    await ctx.deployments.load(s);
  }
  return { environment: name };
}
