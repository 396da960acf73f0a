/** What the env var commands share: the key prompt, and an edit of the spec made in its editor. */
import * as path from 'node:path';
import { ENV_KEY, EnvVarError, type SpecEdit } from '../../core/operate/envVars';
import type { CommandContext } from '../commands/context';
import { input } from '../commands/support/prompts';
import { refused, type CommandRefusal } from '../commands/support/refusal';
import type { OperatedSkill } from './operatedSkill';
import { editSpecVisibly, specText } from './specEdit';

export function checkKeyInput(v: string): string | undefined {
  return ENV_KEY.test(v) ? undefined : 'an env var name: a letter or _ first, then letters, digits or _ (e.g. API_TOKEN)';
}

export function askKey(ctx: CommandContext, title: string): Promise<string | undefined> {
  return input(ctx, { title, prompt: 'Env var name', placeHolder: 'API_TOKEN', validateInput: checkKeyInput });
}

/** Runs `change` on the spec's text and makes the edit in its editor; EnvVarError becomes a refusal. */
export async function editSpec(
  op: OperatedSkill,
  change: (text: string, file: string) => SpecEdit,
): Promise<{ edit: SpecEdit; file: string } | CommandRefusal> {
  const file = path.relative(op.root, op.skill.appSpecPath).split(path.sep).join('/');
  const original = await specText(op.skill.appSpecPath);
  let edit: SpecEdit;
  try {
    edit = change(original, file);
  } catch (e) {
    if (e instanceof EnvVarError) return refused(e.message);
    throw e;
  }
  if (edit.changed && !(await editSpecVisibly(op.skill.appSpecPath, original, edit.text))) {
    return refused(`${file} changed meanwhile: nothing edited; try again.`);
  }
  return { edit, file };
}
