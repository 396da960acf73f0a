import * as vscode from 'vscode';
import { consoleTarget } from '../../../core/operate/console';
import { ConsolePty } from '../../operate/consoleTerminal';
import { confirmProtected, operatedApp } from '../../operate/operatedSkill';
import type { CommandContext } from '../context';
import { cancelled, type CommandRefusal } from '../support/refusal';

/** `odoobo.openConsole`: a terminal with a shell in the skill's running instance (its folder and runtime environment). */
export async function openConsole(
  ctx: CommandContext,
  arg?: unknown,
): Promise<{ terminal: vscode.Terminal; pty: ConsolePty } | CommandRefusal> {
  const op = await operatedApp(ctx, arg, 'Open a console in which skill?');
  if ('refused' in op) return op;
  try {
    if (!(await confirmProtected(ctx, op.environment, `Open a console in ${op.appName}`))) return cancelled('console');
    const t = await consoleTarget(op.client, op.app.id, op.appName, {});
    const label = `${op.appName}/${t.component} (${t.instance.instance_alias ?? t.instance.instance_name ?? 'instance'})`;
    const pty = new ConsolePty(t.url, label);
    const terminal = vscode.window.createTerminal({ name: `Console: ${label}`, pty, iconPath: new vscode.ThemeIcon('terminal') });
    terminal.show();
    return { terminal, pty };
  } finally {
    await op.close();
  }
}
