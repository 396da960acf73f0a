import type * as vscode from 'vscode';
import type { ShowLogsResult, SkillLogType } from '../../logs/skillLogs';
import type { CommandContext } from '../context';
import { pickOne } from '../shared/prompts';
import { cancelled, refused, type CommandRefusal } from '../shared/refusal';
import { skillRefs } from '../shared/skillRefs';

const LOG_TYPES: readonly (vscode.QuickPickItem & { id: SkillLogType })[] = [
  { id: 'RUN', label: 'Run', detail: 'What the running skill prints, live.' },
  { id: 'BUILD', label: 'Build', detail: 'The latest deployment\'s build.' },
  { id: 'DEPLOY', label: 'Deploy', detail: 'The latest deployment\'s rollout and health checks.' },
];

const isLogType = (v: unknown): v is SkillLogType => LOG_TYPES.some((t) => t.id === v);

/**
 * `odoobo.showLogs`: a skill's logs in its "Odoobo: <skill>" channel: the skill named by a tree item or a name (run
 * logs, or the type given as second argument), or, from the palette, a skill and a log type chosen in quick picks.
 */
export async function showLogs(ctx: CommandContext, arg?: unknown, type?: unknown): Promise<ShowLogsResult | CommandRefusal> {
  const named = skillRefs(ctx, arg)[0]?.name;
  if (named) return ctx.logs.show(named, isLogType(type) ? type : 'RUN');
  if (typeof arg === 'string') return refused(`There is no skill named "${arg}" in this workspace.`);
  const skills = ctx
    .stores()
    .flatMap((s) => (s.model?.skills ?? []).map((v) => ({ label: v.skill.name, description: v.skill.manifest.description })));
  if (skills.length === 0) return refused('There are no skills in this workspace.');
  const chosen = await pickOne(ctx, skills, { title: 'Show logs of which skill?' });
  if (!chosen) return cancelled('Show logs');
  const kind = await pickOne(ctx, [...LOG_TYPES], { title: `Logs of ${chosen.label}` });
  if (!kind) return cancelled('Show logs');
  return ctx.logs.show(chosen.label, kind.id);
}
