import * as vscode from 'vscode';
import { COMMAND_IDS, TRUST_REQUIRED, type CommandId, type CommandRefusal } from './commandIds';
import * as h from './handlers';
import * as wt from './worktreeCommands';
import * as dc from './deployCommands';
import { replacePlaceholder } from '../appSpecQuickFixes';
import { showLogs, type LogsContext } from './logsCommand';
import type { DashboardController } from '../dashboard/dashboardPanel';

// VS Code passes a command's arguments untyped; each handler declares the ones it takes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => unknown;

function title(id: CommandId): string {
  const contributed = (vscode.extensions.getExtension('odoobo.odoobo-skills')?.packageJSON?.contributes?.commands ?? []) as { command: string; title: string }[];
  return contributed.find((c) => c.command === id)?.title ?? id;
}

function untrusted(id: CommandId): CommandRefusal {
  const message = `"${title(id)}" is disabled in an untrusted workspace: it runs code or changes remote state. Trust this folder to use it.`;
  void vscode.window.showWarningMessage(message, 'Manage Workspace Trust').then((a) => (a ? vscode.commands.executeCommand('workbench.trust.manage') : undefined));
  return { refused: 'untrusted', message };
}

/** Registers every command in COMMAND_IDS; the record type makes a missing handler a compile error. */
export function registerCommands(ctx: dc.DeployContext & LogsContext & { readonly dashboard: DashboardController }): void {
  const handlers: Record<CommandId, Handler> = {
    'odoobo.deploy': (arg?: unknown, selection?: unknown) => dc.deploy(ctx, arg, selection),
    'odoobo.deployChosen': () => dc.deployChosen(ctx),
    'odoobo.deployAll': () => dc.deployAll(ctx),
    'odoobo.cancelDeploy': (arg?: unknown) => dc.cancelDeploy(ctx, arg),
    'odoobo.test': (arg?: unknown, selection?: unknown) => dc.test(ctx, arg, selection),
    'odoobo.merge': (arg?: unknown, selection?: unknown) => wt.mergeCommand(ctx, arg, selection),
    'odoobo.rollback': (arg?: unknown) => dc.rollback(ctx, arg),
    'odoobo.openLiveUrl': (arg?: unknown) => dc.openLiveUrl(ctx, arg),
    'odoobo.showDashboard': () => void ctx.dashboard.show(),
    'odoobo.showLogs': (arg?: unknown, type?: unknown) => showLogs(ctx, arg, type),
    'odoobo.setupWorktrees': (arg?: unknown, selection?: unknown) => wt.setupWorktreesCommand(ctx, arg, selection),
    'odoobo.removeWorktree': (arg?: unknown) => wt.removeWorktreeCommand(ctx, arg),
    'odoobo.revealWorktree': (arg?: unknown) => wt.revealWorktreeCommand(ctx, arg as never),
    'odoobo.openWorktreeTerminal': (arg?: unknown) => wt.openWorktreeTerminalCommand(ctx, arg as never),
    'odoobo.syncWorktree': (arg?: unknown) => wt.syncWorktreeCommand(ctx, arg),
    'odoobo.validateAppSpec': (arg?: unknown) => h.validateAppSpec(ctx, arg),
    'odoobo.replacePlaceholder': (uri: vscode.Uri, range: vscode.Range, value?: string) => replacePlaceholder(uri, range, value),
    'odoobo.openWorktreeInNewWindow': (arg?: unknown) => h.openWorktreeInNewWindow(ctx, arg as never),
    'odoobo.setToken': () => h.setToken(ctx),
    'odoobo.chooseTarget': (target?: unknown) => h.chooseTarget(ctx, target === 'local' || target === 'digitalocean' ? target : undefined),
    'odoobo.refresh': () => h.refresh(ctx),
    'odoobo.scaffoldSkill': () => h.scaffold(ctx),
  };
  for (const id of COMMAND_IDS) {
    const handler = handlers[id];
    ctx.extension.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (TRUST_REQUIRED.has(id) && !vscode.workspace.isTrusted) return untrusted(id);
        try {
          return await handler(...args);
        } catch (e) {
          const message = (e as Error).message;
          ctx.log.error(`${id} failed: ${message}`);
          void vscode.window.showErrorMessage(`${title(id)} failed: ${message}`, 'Show Log').then((a) => (a ? ctx.log.show() : undefined));
          return { refused: 'invalid-input', message } satisfies CommandRefusal;
        }
      }),
    );
  }
}
