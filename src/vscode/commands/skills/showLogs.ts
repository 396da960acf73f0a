import * as vscode from 'vscode';
import { explainFailure } from '../../logs/failureLogs';
import type { ShowLogsResult, SkillLogType } from '../../logs/skillLogs';
import { showSpecFindings, type SpecShown } from '../../logs/specFindings';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { skillRefs } from '../support/skillRefs';

const LOG_TYPES: readonly (vscode.QuickPickItem & { id: SkillLogType })[] = [
  { id: 'RUN', label: 'Run', detail: 'What the running skill prints, live.' },
  { id: 'BUILD', label: 'Build', detail: 'The latest deployment\'s build.' },
  { id: 'DEPLOY', label: 'Deploy', detail: 'The latest deployment\'s rollout and health checks.' },
];

const isLogType = (v: unknown): v is SkillLogType => LOG_TYPES.some((t) => t.id === v);

/** The extension's own log, when nothing of the skill's explains its last failure (an unreachable target, …). */
type ExtensionLogShown = { readonly skill: string; readonly type: 'EXTENSION'; readonly status: 'shown' };

/**
 * What explains the skill's last deploy when it failed: the spec's findings for a spec error, the build log for a
 * build failure, the deploy log for a rollout failure, the run log when the new version ran. Undefined: it did not fail.
 */
type Shown = ShowLogsResult | SpecShown | ExtensionLogShown;
async function explainLastFailure(ctx: CommandContext, skill: string): Promise<Shown | undefined> {
  const result = ctx.deployments.state(skill)?.result;
  if (!result?.error || result.status === 'succeeded') return undefined;
  const why = explainFailure(result.error);
  if (why.kind === 'log') return ctx.logs.show(skill, why.type);
  if (why.kind === 'spec') {
    const spec = ctx.stores().flatMap((s) => s.model?.skills ?? []).find((v) => v.skill.name === skill)?.skill.appSpecPath;
    return showSpecFindings(ctx.diagnostics, skill, spec, why);
  }
  ctx.log.show(true);
  return { skill, type: 'EXTENSION', status: 'shown' };
}

/**
 * `odoobo.showLogs`: a skill's logs in its "Odoobo: <skill>" channel: the skill named by a tree item or a name (the type
 * given as second argument; without one, what explains its last deploy when that failed, else its run log), or, from
 * the palette, a skill and a log type chosen in quick picks.
 */
export async function showLogs(
  ctx: CommandContext,
  arg?: unknown,
  type?: unknown,
): Promise<Shown | CommandRefusal> {
  const named = skillRefs(ctx, arg)[0]?.name;
  if (named && isLogType(type)) return ctx.logs.show(named, type);
  if (named) return (await explainLastFailure(ctx, named)) ?? ctx.logs.show(named, 'RUN');
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
