import * as vscode from 'vscode';
import type { CommandContext } from '../context';
import { refused, type CommandRefusal } from '../shared/refusal';
import { skillRefs } from '../shared/skillRefs';

/** `odoobo.openLiveUrl`: the skill's live URL (a skill or app item, or a name) in the browser. */
export async function openLiveUrl(ctx: CommandContext, arg?: unknown): Promise<string | CommandRefusal> {
  const skill = skillRefs(ctx, arg)[0]?.name;
  if (!skill) return refused('no skill named');
  const url = ctx.deployments.state(skill)?.liveUrl ?? ctx.apps.peek(skill)?.app?.live_url;
  if (!url) {
    void vscode.window
      .showInformationMessage(`${skill} has no live URL on this target yet: deploy it first.`, 'Deploy')
      .then((a) => (a ? vscode.commands.executeCommand('odoobo.deploy', skill) : undefined));
    return refused(`${skill} has no live URL`);
  }
  await vscode.env.openExternal(vscode.Uri.parse(url));
  return url;
}
