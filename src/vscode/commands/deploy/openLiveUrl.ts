import * as vscode from 'vscode';
import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs } from '../support/skillRefs';

/** `odoobo.openLiveUrl`: the skill's live URL (a skill or app item, a name, or one chosen) in the browser. */
export async function openLiveUrl(ctx: CommandContext, arg?: unknown): Promise<string | CommandRefusal> {
  const urlOf = (skill: string) => ctx.deployments.state(skill)?.liveUrl ?? ctx.apps.peek(skill, ctx.deployments.appName(skill))?.app?.live_url;
  if (arg === undefined) {
    const [chosen] = await chooseSkills(ctx, 'Open the live URL of which skill?', (r) => !!urlOf(r.name));
    if (!chosen) return refused('no skill with a live URL chosen', 'cancelled');
    arg = chosen.name;
  }
  const skill = skillRefs(ctx, arg)[0]?.name;
  if (!skill) return refused('no skill named');
  const url = urlOf(skill);
  if (!url) {
    void vscode.window
      .showInformationMessage(`${skill} has no live URL on this target yet: deploy it first.`, 'Deploy')
      .then((a) => (a ? vscode.commands.executeCommand('odoobo.deploy', skill) : undefined));
    return refused(`${skill} has no live URL`);
  }
  await vscode.env.openExternal(vscode.Uri.parse(url));
  return url;
}
