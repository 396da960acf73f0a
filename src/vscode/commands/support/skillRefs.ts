import * as vscode from 'vscode';
import type { SkillsStore } from '../../skillsStore';
import { SkillItem } from '../../tree/items';
import type { CommandContext } from '../context';
import { pickMany } from './prompts';

/** A skill and the workspace folder's store that holds it. */
export interface SkillRef {
  readonly store: SkillsStore;
  readonly name: string;
}

/** The skill a tree item stands for: a skill item, or any item under a skill (they carry `skillName`). */
function nameOf(a: unknown): string[] {
  if (a instanceof SkillItem) return [a.view.skill.name];
  const skillName = a instanceof vscode.TreeItem ? (a as { skillName?: unknown }).skillName : undefined;
  if (typeof skillName === 'string') return [skillName];
  return typeof a === 'string' ? [a] : [];
}

/**
 * The skills a command was invoked on: a tree item, the tree's multi-selection (VS Code's second argument), a name or
 * an array of names; each once, in order, and only those some store holds.
 */
export function skillRefs(ctx: Pick<CommandContext, 'stores'>, arg: unknown, selection?: unknown): SkillRef[] {
  const given = Array.isArray(selection) && selection.length > 1 ? selection : arg;
  const named = Array.isArray(given) ? given.flatMap(nameOf) : nameOf(given);
  const stores = ctx.stores();
  return [...new Set(named)].flatMap((name) => {
    const store = stores.find((s) => s.model?.skills.some((v) => v.skill.name === name));
    return store ? [{ store, name }] : [];
  });
}

/** Refs grouped by store, in order of first appearance (one deploy plan per workspace folder). */
export function byStore(refs: readonly SkillRef[]): { store: SkillsStore; names: string[] }[] {
  const groups = new Map<SkillsStore, string[]>();
  for (const r of refs) groups.set(r.store, [...(groups.get(r.store) ?? []), r.name]);
  return [...groups].map(([store, names]) => ({ store, names }));
}

/** Every skill of every store. */
export function allSkillRefs(ctx: Pick<CommandContext, 'stores'>): SkillRef[] {
  return ctx.stores().flatMap((store) => (store.model?.skills ?? []).map((v) => ({ store, name: v.skill.name })));
}

/** Asks for skills among those `filter` accepts; none when there are none or the pick is dismissed. */
export async function chooseSkills(ctx: CommandContext, title: string, filter: (ref: SkillRef) => boolean): Promise<SkillRef[]> {
  type Item = vscode.QuickPickItem & { ref: SkillRef };
  const items: Item[] = ctx.stores().flatMap((store) =>
    (store.model?.skills ?? [])
      .filter((v) => filter({ store, name: v.skill.name }))
      .map((v) => ({ label: v.skill.name, description: v.skill.manifest.description, ref: { store, name: v.skill.name } })),
  );
  if (items.length === 0) return [];
  const chosen = await pickMany(ctx, items, { title, placeHolder: 'Choose skills' });
  return (chosen ?? []).map((i) => i.ref);
}

/** The skill's worktree in its store's model. */
export function worktreeOfRef(ref: SkillRef): NonNullable<SkillsStore['model']>['skills'][number]['worktree'] {
  return ref.store.model?.skills.find((v) => v.skill.name === ref.name)?.worktree;
}
