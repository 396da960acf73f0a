import * as vscode from 'vscode';
import { replacePlaceholder } from './appSpec/replacePlaceholder';
import { validateAppSpec } from './appSpec/validateAppSpec';
import { COMMAND_IDS, TRUST_REQUIRED, type CommandId } from './commandIds';
import type { CommandContext } from './context';
import { cancelDeploy } from './deploy/cancelDeploy';
import { deploy } from './deploy/deploy';
import { deployAll } from './deploy/deployAll';
import { deployChosen } from './deploy/deployChosen';
import { openLiveUrl } from './deploy/openLiveUrl';
import { rollback } from './deploy/rollback';
import { rollbackToDeployment } from './deploy/rollbackToDeployment';
import { testSkills } from './deploy/test';
import { refused, type CommandRefusal } from './support/refusal';
import { walkthrough, type WalkthroughProgress } from './support/walkthroughContext';
import { refresh } from './skills/refresh';
import { scaffoldSkill } from './skills/scaffoldSkill';
import { showDashboard } from './skills/showDashboard';
import { showLogs } from './skills/showLogs';
import { chooseTarget } from './target/chooseTarget';
import { setToken } from './target/setToken';
import { stopLocalPlatform } from './target/stopLocalPlatform';
import { merge } from './worktrees/merge';
import { openWorktreeInNewWindow } from './worktrees/openWorktreeInNewWindow';
import { openWorktreeTerminal } from './worktrees/openWorktreeTerminal';
import { removeWorktree } from './worktrees/removeWorktree';
import { revealWorktree } from './worktrees/revealWorktree';
import { setupWorktrees } from './worktrees/setupWorktrees';
import { syncWorktree } from './worktrees/syncWorktree';

// VS Code passes a command's arguments untyped; each handler declares the ones it takes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (ctx: CommandContext, ...args: any[]) => unknown;

/** One entry per command, each in its own file; the record type makes a missing or unknown id a compile error. */
const HANDLERS: Record<CommandId, Handler> = {
  'odoobo.deploy': deploy,
  'odoobo.deployChosen': deployChosen,
  'odoobo.deployAll': deployAll,
  'odoobo.cancelDeploy': cancelDeploy,
  'odoobo.test': testSkills,
  'odoobo.rollback': rollback,
  'odoobo.rollbackToDeployment': rollbackToDeployment,
  'odoobo.openLiveUrl': openLiveUrl,
  'odoobo.merge': merge,
  'odoobo.setupWorktrees': setupWorktrees,
  'odoobo.removeWorktree': removeWorktree,
  'odoobo.openWorktreeInNewWindow': openWorktreeInNewWindow,
  'odoobo.revealWorktree': revealWorktree,
  'odoobo.openWorktreeTerminal': openWorktreeTerminal,
  'odoobo.syncWorktree': syncWorktree,
  'odoobo.validateAppSpec': validateAppSpec,
  'odoobo.replacePlaceholder': replacePlaceholder,
  'odoobo.setToken': setToken,
  'odoobo.chooseTarget': chooseTarget,
  'odoobo.stopLocalPlatform': stopLocalPlatform,
  'odoobo.showDashboard': showDashboard,
  'odoobo.showLogs': showLogs,
  'odoobo.refresh': refresh,
  'odoobo.scaffoldSkill': scaffoldSkill,
};

function title(id: CommandId): string {
  const ext = vscode.extensions.getExtension('odoobo.odoobo-skills');
  const contributed = (ext?.packageJSON?.contributes?.commands ?? []) as { command: string; title: string }[];
  return contributed.find((c) => c.command === id)?.title ?? id;
}

function untrusted(id: CommandId): CommandRefusal {
  const why = 'it runs code or changes remote state. Trust this folder to use it.';
  const message = `"${title(id)}" is disabled in an untrusted workspace: ${why}`;
  void vscode.window
    .showWarningMessage(message, 'Manage Workspace Trust')
    .then((a) => (a ? vscode.commands.executeCommand('workbench.trust.manage') : undefined));
  return refused(message, 'untrusted');
}

/**
 * Registers every command in COMMAND_IDS: refused when untrusted and it needs trust; a throw is logged and shown.
 * Answers the walkthrough's progress, which it starts following.
 */
export function registerCommands(ctx: CommandContext): WalkthroughProgress {
  ctx.extension.subscriptions.push(walkthrough.track(ctx));
  for (const id of COMMAND_IDS) {
    const handler = HANDLERS[id];
    ctx.extension.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (TRUST_REQUIRED.has(id) && !vscode.workspace.isTrusted) return untrusted(id);
        try {
          return await handler(ctx, ...args);
        } catch (e) {
          const message = (e as Error).message;
          ctx.log.error(`${id} failed: ${message}`);
          void vscode.window
            .showErrorMessage(`${title(id)} failed: ${message}`, 'Show Log')
            .then((a) => (a ? ctx.log.show() : undefined));
          return refused(message);
        }
      }),
    );
  }
  return walkthrough;
}
