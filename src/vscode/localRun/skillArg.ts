import type { CommandContext } from '../commands/context';
import { pickOne } from '../commands/support/prompts';
import { skillRefs, type SkillRef } from '../commands/support/skillRefs';

/** The one skill a local-run command acts on: the tree item or name it was given, else the one picked. */
export async function oneSkill(
  ctx: CommandContext, arg: unknown, title: string, filter: (ref: SkillRef) => Promise<boolean> = () => Promise.resolve(true),
): Promise<SkillRef | undefined> {
  const [given] = skillRefs(ctx, arg);
  if (given) return given;
  const refs = ctx.stores().flatMap((store) => (store.model?.skills ?? []).map((v) => ({ store, name: v.skill.name })));
  const ok = await Promise.all(refs.map((r) => filter(r)));
  const items = refs.filter((_, i) => ok[i]).map((ref) => ({ label: ref.name, ref }));
  if (items.length === 0) return undefined;
  return (await pickOne(ctx, items, { title, placeHolder: 'Choose a skill' }))?.ref;
}
