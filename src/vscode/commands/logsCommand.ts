import * as vscode from 'vscode';
import type { ShowLogsResult, SkillLogs, SkillLogType } from '../logs/skillLogs';
import type { CommandRefusal } from './commandIds';
import { namedSkills } from './deployCommands';
import { pick, type CommandContext } from './handlers';

export interface LogsContext extends CommandContext {
  readonly logs: SkillLogs;
}

const LOG_TYPES: readonly (vscode.QuickPickItem & { id: SkillLogType })[] = [
  { id: 'RUN', label: 'Run', detail: 'What the running skill prints, live.' },
  { id: 'BUILD', label: 'Build', detail: 'The latest deployment\'s build.' },
  { id: 'DEPLOY', label: 'Deploy', detail: 'The latest deployment\'s rollout and health checks.' },
];

const isLogType = (v: unknown): v is SkillLogType => LOG_TYPES.some((t) => t.id === v);

/**
 * Shows a skill's logs in its "Odoobo: <skill>" channel: the skill named by a tree item or a name (run logs, or the
 * type given as second argument), or, from the palette, a skill and a log type chosen in quick picks.
 */
export async function showLogs(ctx: LogsContext, arg?: unknown, type?: unknown): Promise<ShowLogsResult | CommandRefusal> {
  const named = namedSkills(ctx, arg, undefined)[0]?.names[0];
  if (named) return ctx.logs.show(named, isLogType(type) ? type : 'RUN');
  if (typeof arg === 'string') return { refused: 'invalid-input', message: `There is no skill named "${arg}" in this workspace.` };
  const skills = ctx.stores().flatMap((s) => (s.model?.skills ?? []).map((v) => ({ label: v.skill.name, description: v.skill.manifest.description })));
  if (skills.length === 0) return { refused: 'invalid-input', message: 'There are no skills in this workspace.' };
  const skill = await pick(ctx, skills, { title: 'Show logs of which skill?' });
  const chosen = Array.isArray(skill) ? skill[0] : skill;
  if (!chosen) return { refused: 'cancelled', message: 'Show logs cancelled' };
  const kind = await pick(ctx, [...LOG_TYPES], { title: `Logs of ${chosen.label}` });
  const t = Array.isArray(kind) ? kind[0] : kind;
  if (!t) return { refused: 'cancelled', message: 'Show logs cancelled' };
  return ctx.logs.show(chosen.label, t.id);
}
