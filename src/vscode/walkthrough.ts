import * as vscode from 'vscode';

/** The walkthrough's id in package.json's `contributes.walkthroughs`. */
const WALKTHROUGH_ID = 'odoobo.gettingStarted';
/** globalState key: the walkthrough was opened once for this user (profile), so it never opens by itself again. */
const OPENED_KEY = 'odoobo.walkthroughOpened';

/**
 * Opens the Get Started walkthrough on the extension's first activation for a user. VS Code does so itself only when
 * an extension is installed from its UI, not for one installed before the window opened (`npm start`, a VSIX, a
 * profile). Not in extension tests (their runs must see only what they drive), and not when the user turned off
 * VS Code's own `workbench.welcomePage.walkthroughs.openOnInstall`.
 */
export async function openWalkthroughOnFirstStart(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<void> {
  if (context.extensionMode === vscode.ExtensionMode.Test) return;
  if (context.globalState.get<boolean>(OPENED_KEY)) return;
  if (!vscode.workspace.getConfiguration('workbench.welcomePage').get<boolean>('walkthroughs.openOnInstall', true)) return;
  const id = `${context.extension.id}#${WALKTHROUGH_ID}`;
  try {
    // Remembered first: a walkthrough that cannot be remembered would open at every start.
    await context.globalState.update(OPENED_KEY, true);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', id, false);
    log.info(`opened the walkthrough ${id} (first start)`);
  } catch (e) {
    log.warn(`could not open the walkthrough ${id}: ${(e as Error).message}`);
  }
}
