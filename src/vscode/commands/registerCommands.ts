import * as vscode from 'vscode';
import { COMMAND_IDS, TRUST_REQUIRED, type CommandId } from './commandIds';
import { refused, type CommandRefusal } from './support/refusal';

/** Runs a command's handler; the handlers (`handlers.ts`) live in the lazy bundle, loaded by the first command run. */
type RunCommand = (id: CommandId, args: unknown[]) => unknown;

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
 * Registers every command in COMMAND_IDS as a stub (nothing of the handler is loaded at activation): refused when
 * untrusted and it needs trust; else `run` (which loads the handlers on first use); a throw is logged and shown.
 */
export function registerCommands(extension: vscode.ExtensionContext, log: vscode.LogOutputChannel, run: RunCommand): void {
  for (const id of COMMAND_IDS) {
    extension.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (TRUST_REQUIRED.has(id) && !vscode.workspace.isTrusted) return untrusted(id);
        try {
          return await run(id, args);
        } catch (e) {
          const message = (e as Error).message;
          log.error(`${id} failed: ${message}`);
          void vscode.window
            .showErrorMessage(`${title(id)} failed: ${message}`, 'Show Log')
            .then((a) => (a ? log.show() : undefined));
          return refused(message);
        }
      }),
    );
  }
}
