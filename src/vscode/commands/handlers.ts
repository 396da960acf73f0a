import * as vscode from 'vscode';
import { scaffoldSkill, SkillExistsError } from '../../core/skills/scaffold';
import { skillNameProblem } from '../../core/skills/names';
import { settings, type Target } from '../config';
import { lintDocument } from '../appSpecDiagnostics';
import type { Finding } from '../../core/appspec';
import { verifyToken, type TokenCheck } from '../../core/do/token';
import { createDeployClient } from '../../core/deploy/client';
import type { SkillsStore } from '../skillsStore';
import { WorktreeItem, type SkillsTreeNode } from '../tree/items';
import { TOKEN_SECRET_KEY } from '../secrets';
import type { CommandRefusal } from './commandIds';

export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  readonly stores: () => readonly SkillsStore[];
  readonly log: vscode.LogOutputChannel;
  readonly diagnostics: vscode.DiagnosticCollection;
  /** Scripted answers for prompts in tests; undefined in normal use. */
  readonly prompts?: PromptScript;
}

/** Answers for `showInputBox` / `showQuickPick`, in order (azuretools `TestUserInput` style). */
export interface PromptScript {
  next(kind: 'input' | 'pick' | 'confirm', prompt: string): string | undefined | typeof NOT_SCRIPTED;
}
export const NOT_SCRIPTED = Symbol('not scripted');

async function input(ctx: CommandContext, options: vscode.InputBoxOptions): Promise<string | undefined> {
  const scripted = ctx.prompts?.next('input', options.prompt ?? options.title ?? '');
  if (scripted !== undefined && scripted !== NOT_SCRIPTED) {
    const problem = await options.validateInput?.(scripted);
    if (problem) throw new Error(typeof problem === 'string' ? problem : problem.message);
    return scripted;
  }
  if (scripted === undefined && ctx.prompts) return undefined;
  return vscode.window.showInputBox(options);
}

export async function pick<T extends vscode.QuickPickItem>(ctx: CommandContext, items: T[], options: vscode.QuickPickOptions): Promise<T | T[] | undefined> {
  const scripted = ctx.prompts?.next('pick', options.title ?? options.placeHolder ?? '');
  if (scripted !== undefined && scripted !== NOT_SCRIPTED) {
    const wanted = scripted.split(',');
    const found = items.filter((i) => wanted.includes(i.label) || wanted.includes((i as { id?: string }).id ?? ''));
    return options.canPickMany ? found : found[0];
  }
  if (scripted === undefined && ctx.prompts) return undefined;
  return vscode.window.showQuickPick(items, options);
}

/** A modal question with buttons; answers the chosen button's title, or undefined when dismissed. */
export async function confirm(ctx: CommandContext, message: string, ...buttons: string[]): Promise<string | undefined> {
  const scripted = ctx.prompts?.next('confirm', message);
  if (scripted !== undefined && scripted !== NOT_SCRIPTED) return buttons.includes(scripted) ? scripted : undefined;
  if (scripted === undefined && ctx.prompts) return undefined;
  return vscode.window.showWarningMessage(message, { modal: true }, ...buttons);
}

function cancelled(what: string): CommandRefusal {
  return { refused: 'cancelled', message: `${what} cancelled` };
}

export async function refresh(ctx: CommandContext): Promise<void> {
  await Promise.all(ctx.stores().map((s) => s.refresh()));
}

export async function chooseTarget(ctx: CommandContext, target?: Target): Promise<Target | CommandRefusal> {
  const current = settings().target;
  type Item = vscode.QuickPickItem & { id: Target };
  const items: Item[] = [
    { id: 'local', label: 'Local App Platform', description: current === 'local' ? 'current' : undefined, detail: 'Runs skills as local processes behind a blue-green proxy. No account, no network.' },
    { id: 'digitalocean', label: 'DigitalOcean App Platform', description: current === 'digitalocean' ? 'current' : undefined, detail: 'Deploys to your DigitalOcean account (needs a token).' },
  ];
  const picked = target ? undefined : await pick(ctx, items, { title: 'Deployment target', placeHolder: 'Where should skills be deployed?' });
  const chosen = target ?? (Array.isArray(picked) ? picked[0] : picked)?.id;
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

/** Shape check, as the user types; the token is then verified against the API before it is stored. */
export function tokenProblem(token: string): string | undefined {
  const t = token.trim();
  if (!t) return 'The token is empty.';
  if (/\s/.test(t)) return 'A token contains no spaces.';
  if (!/^[A-Za-z0-9_]+$/.test(t)) return 'A DigitalOcean token holds only letters, digits and "_".';
  if (t.length < 32) return 'This is too short for a DigitalOcean token.';
  return undefined;
}

export async function setToken(ctx: CommandContext): Promise<'stored' | 'removed' | CommandRefusal> {
  const existing = await ctx.extension.secrets.get(TOKEN_SECRET_KEY);
  const token = await input(ctx, {
    title: 'DigitalOcean API token',
    prompt: existing ? 'Enter a new token, or leave empty and press Enter to remove the stored one' : 'A personal access token with App Platform read/write scope (dop_v1_…)',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (existing && v === '' ? undefined : tokenProblem(v)),
  });
  if (token === undefined) return cancelled('Set token');
  if (token === '' && existing) {
    await ctx.extension.secrets.delete(TOKEN_SECRET_KEY);
    void vscode.window.showInformationMessage('DigitalOcean token removed from secret storage.');
    return 'removed';
  }
  const apiUrl = settings().apiUrl || undefined;
  const check = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking the token with ${apiUrl ?? 'DigitalOcean'}…`, cancellable: true },
    async (_p, cancel): Promise<TokenCheck> => {
      const controller = new AbortController();
      const sub = cancel.onCancellationRequested(() => controller.abort());
      // A person is waiting: two attempts and 10 s each, not the deploy pipeline's patience.
      const { client } = createDeployClient({ baseUrl: apiUrl, token: token.trim(), timeoutMs: 10_000, retry: { maxAttempts: 2 } });
      try {
        return await verifyToken(client, controller.signal);
      } finally {
        sub.dispose();
        await client.close();
      }
    },
  );
  if (!check.ok && check.refused) {
    const why = check.code === 'UNAUTHORIZED' ? 'it is unknown or revoked (401)' : 'it lacks the App Platform scopes (403)';
    const message = `DigitalOcean refused this token: ${why}. It was not stored.`;
    void vscode.window.showErrorMessage(message, 'Try Again').then((a) => (a ? vscode.commands.executeCommand('odoobo.setToken') : undefined));
    return { refused: 'invalid-input', message };
  }
  let verified = true;
  if (!check.ok) {
    verified = false;
    const answer = await confirm(ctx, `Could not reach ${apiUrl ?? 'DigitalOcean'} to check the token (${check.code}: ${check.message}). Store it without checking?`, 'Store Unchecked');
    if (answer !== 'Store Unchecked') return cancelled('Set token');
  }
  await ctx.extension.secrets.store(TOKEN_SECRET_KEY, token.trim());
  ctx.log.info(`DigitalOcean token stored in secret storage (${verified ? 'verified against the API' : 'not verified: the API was unreachable'})`);
  void vscode.window.showInformationMessage(`DigitalOcean token ${verified ? 'verified and ' : ''}stored in VS Code secret storage.`);
  return 'stored';
}

export async function scaffold(ctx: CommandContext, folderArg?: vscode.WorkspaceFolder): Promise<string | CommandRefusal> {
  const folder = folderArg ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) return { refused: 'invalid-input', message: 'Open a folder first.' };
  const name = await input(ctx, {
    title: 'New skill',
    prompt: 'Skill name: lowercase letters, digits and "-" (it becomes the App Platform component and branch skill/<name>)',
    placeHolder: 'my-skill',
    validateInput: (v) => {
      const p = skillNameProblem(v);
      return p ? `Invalid name: ${p}.` : undefined;
    },
  });
  if (!name) return cancelled('Scaffold skill');
  const description = await input(ctx, { title: `New skill ${name}`, prompt: 'One line: what does it do?' });
  if (description === undefined) return cancelled('Scaffold skill');
  try {
    const out = await scaffoldSkill(folder.uri.fsPath, { name, description, skillsLocation: settings(folder).skillsLocation });
    await Promise.all(ctx.stores().map((s) => s.refresh()));
    await vscode.window.showTextDocument(vscode.Uri.file(out.manifestPath), { preview: false });
    return name;
  } catch (e) {
    if (e instanceof SkillExistsError) {
      void vscode.window.showErrorMessage(e.message);
      return { refused: 'invalid-input', message: e.message };
    }
    throw e;
  }
}

function worktreePathOf(ctx: CommandContext, arg: unknown): string | undefined {
  if (arg instanceof WorktreeItem) return arg.worktree.path;
  if (typeof arg === 'string') {
    for (const s of ctx.stores()) {
      const w = s.model?.skills.find((v) => v.skill.name === arg)?.worktree;
      if (w) return w.path;
    }
  }
  return undefined;
}

export async function openWorktreeInNewWindow(ctx: CommandContext, arg?: SkillsTreeNode | string): Promise<string | CommandRefusal> {
  let target = worktreePathOf(ctx, arg);
  if (!target) {
    const items = ctx.stores().flatMap((s) =>
      (s.model?.skills ?? []).flatMap((v) => (v.worktree?.exists ? [{ label: v.skill.name, description: v.worktree.branch, detail: v.worktree.path, id: v.worktree.path }] : [])),
    );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('No skill has a worktree yet. Run "Odoobo: Set Up Worktrees" first.');
      return { refused: 'invalid-input', message: 'no worktrees' };
    }
    const picked = await pick(ctx, items, { title: 'Open worktree in new window' });
    target = (Array.isArray(picked) ? picked[0] : picked)?.id;
  }
  if (!target) return cancelled('Open worktree');
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(target), { forceNewWindow: true });
  return target;
}

/** Lints an app spec (the tree item's, the argument's, or the active editor's) and shows its findings as diagnostics. */
export async function validateAppSpec(ctx: CommandContext, arg?: unknown): Promise<Finding[] | CommandRefusal> {
  const uri =
    arg instanceof vscode.Uri
      ? arg
      : arg && typeof arg === 'object' && 'resourceUri' in arg && (arg as vscode.TreeItem).resourceUri
        ? (arg as vscode.TreeItem).resourceUri!
        : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    void vscode.window.showInformationMessage('Open an app spec (infra/*.yaml) to validate it.');
    return { refused: 'invalid-input', message: 'no app spec open' };
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  const findings = await lintDocument(ctx.diagnostics, doc);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const name = vscode.workspace.asRelativePath(uri);
  if (errors + warnings === 0) void vscode.window.showInformationMessage(`${name}: no problems found.`);
  else
    void vscode.window
      .showWarningMessage(`${name}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`, 'Show Problems')
      .then((a) => (a ? vscode.commands.executeCommand('workbench.actions.view.problems') : undefined));
  return findings;
}
