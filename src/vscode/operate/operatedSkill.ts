/** The skill an operate command acts on, its app in the chosen environment on the target, and the confirmation it needs. */
import { promises as fs } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { AppPlatformClient } from '../../core/do/client';
import type { App } from '../../core/do/schemas';
import type { EnvironmentDef } from '../../core/environments';
import { findSkillApp } from '../../core/operate/app';
import type { Skill } from '../../core/skills/loadSkills';
import type { CommandContext } from '../commands/context';
import { confirm, pickOne } from '../commands/support/prompts';
import { cancelled, refused, type CommandRefusal } from '../commands/support/refusal';
import { allSkillRefs, skillRefs } from '../commands/support/skillRefs';
import type { SkillsStore } from '../skillsStore';

export interface OperatedSkill {
  readonly store: SkillsStore;
  readonly skill: Skill;
  readonly root: string;
  readonly client: AppPlatformClient;
  /** Closes the client (a local platform keeps running). */
  close(): Promise<void>;
}

export interface OperatedApp extends OperatedSkill {
  readonly app: App;
  readonly appName: string;
  readonly environment: EnvironmentDef;
}

/** The app spec's `name`, else the skill's (as `odoobo` names the app). */
export async function specNameOf(skill: Skill): Promise<string> {
  try {
    const spec = parseYaml(await fs.readFile(skill.appSpecPath, 'utf8')) as { name?: unknown } | null;
    if (spec && typeof spec.name === 'string' && spec.name) return spec.name;
  } catch {
    // a missing or broken spec: the skill's name (validation reports the spec)
  }
  return skill.name;
}

/** The skill the command was invoked on (a tree item, a name), else one picked; connected to the target. */
export async function operatedSkill(ctx: CommandContext, arg: unknown, title: string): Promise<OperatedSkill | CommandRefusal> {
  let ref = skillRefs(ctx, arg)[0];
  if (!ref) {
    const chosen = await pickOne(ctx, allSkillRefs(ctx).map((r) => ({ label: r.name, ref: r })), { title });
    if (!chosen) return cancelled(title.replace(/ which skill\?$/i, '').toLowerCase());
    ref = chosen.ref;
  }
  const model = ref.store.model;
  const view = model?.skills.find((v) => v.skill.name === ref.name);
  if (!model || !view) return refused(`no skill named ${ref.name}`);
  const connection = await ctx.deployments.connect();
  return { store: ref.store, skill: view.skill, root: model.root, client: connection.client, close: connection.close };
}

/** operatedSkill, and its app on the target in the default environment (APP_NOT_DEPLOYED names the app). */
export async function operatedApp(ctx: CommandContext, arg: unknown, title: string): Promise<OperatedApp | CommandRefusal> {
  const op = await operatedSkill(ctx, arg, title);
  if ('refused' in op) return op;
  try {
    const found = await findSkillApp(op.client, op.root, op.skill.name, await specNameOf(op.skill));
    return { ...op, ...found };
  } catch (e) {
    await op.close();
    throw e;
  }
}

/** A protected environment asks first (a modal naming the action and the environment); others go ahead. */
export async function confirmProtected(ctx: CommandContext, env: EnvironmentDef, action: string): Promise<boolean> {
  if (!env.protected) return true;
  return (await confirm(ctx, `${action} in ${env.name}? ${env.name} is a protected environment.`, 'Continue')) === 'Continue';
}
