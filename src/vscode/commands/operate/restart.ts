import * as vscode from 'vscode';
import { restartComponents, type RestartResult } from '../../../core/operate/restart';
import { confirmProtected, operatedApp } from '../../operate/operatedSkill';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { cancelled, type CommandRefusal } from '../support/refusal';

/** `odoobo.restart`: a rolling restart of the skill's components (the app keeps serving), with progress. */
export async function restart(ctx: CommandContext, arg?: unknown): Promise<RestartResult | CommandRefusal> {
  const op = await operatedApp(ctx, arg, 'Restart which skill?');
  if ('refused' in op) return op;
  try {
    if (!(await confirmProtected(ctx, op.environment, `Restart ${op.appName}`))) return cancelled('restart');
    const title = `Restarting ${op.appName} (${op.environment.name})`;
    const result = await withCancellableProgress(title, (signal, report) =>
      restartComponents(op.client, op.app.id, { signal, onProgress: (line) => line && report(line) }),
    );
    ctx.log.info(`${op.skill.name}: restarted ${result.components.join(', ')}: ${result.before.join(', ')} → ${result.after.join(', ')}`);
    const what = `${result.components.join(', ')} (${result.after.length} instance(s))`;
    void vscode.window.showInformationMessage(`${op.appName} restarted: ${what}.`);
    return result;
  } finally {
    await op.close();
  }
}
