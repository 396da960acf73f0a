import * as vscode from 'vscode';
import { settings, type Target } from '../../config';
import { TOKEN_SECRET_KEY } from '../../secrets';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { cancelled, type CommandRefusal } from '../support/refusal';

/** `odoobo.chooseTarget`: where skills deploy (the argument, or a pick); DigitalOcean without a token offers to set one. */
export async function chooseTarget(ctx: CommandContext, arg?: unknown): Promise<Target | CommandRefusal> {
  const target = arg === 'local' || arg === 'digitalocean' ? arg : undefined;
  const current = settings().target;
  type Item = vscode.QuickPickItem & { id: Target };
  const items: Item[] = [
    {
      id: 'local',
      label: 'Local App Platform',
      description: current === 'local' ? 'current' : undefined,
      detail: 'Runs skills as local processes behind a blue-green proxy. No account, no network.',
    },
    {
      id: 'digitalocean',
      label: 'DigitalOcean App Platform',
      description: current === 'digitalocean' ? 'current' : undefined,
      detail: 'Deploys to your DigitalOcean account (needs a token).',
    },
  ];
  const ask = { title: 'Deployment target', placeHolder: 'Where should skills be deployed?' };
  const picked = target ? undefined : await pickOne(ctx, items, ask);
  const chosen = target ?? picked?.id;
  if (!chosen) return cancelled('Choose target');
  const scope = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('odoobo').update('target', chosen, scope);
  if (chosen === 'digitalocean' && !(await ctx.extension.secrets.get(TOKEN_SECRET_KEY))) {
    void vscode.window
      .showInformationMessage('Deploying to DigitalOcean needs an API token with App Platform access.', 'Set Token')
      .then((a) => (a ? vscode.commands.executeCommand('odoobo.setToken') : undefined));
  }
  return chosen;
}
