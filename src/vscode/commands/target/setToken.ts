import * as vscode from 'vscode';
import { createDeployClient } from '../../../core/deploy/client';
import { verifyToken } from '../../../core/do/token';
import { settings } from '../../config';
import { TOKEN_SECRET_KEY } from '../../secrets';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { confirm, input } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { walkthrough } from '../support/walkthroughContext';

/** Shape check, as the user types; the token is then verified against the API before it is stored. */
function tokenProblem(token: string): string | undefined {
  const t = token.trim();
  if (!t) return 'The token is empty.';
  if (/\s/.test(t)) return 'A token contains no spaces.';
  if (!/^[A-Za-z0-9_]+$/.test(t)) return 'A DigitalOcean token holds only letters, digits and "_".';
  if (t.length < 32) return 'This is too short for a DigitalOcean token.';
  return undefined;
}

/** `odoobo.setToken`: stores a DigitalOcean token in secret storage once the API accepts it, or removes the stored one. */
export async function setToken(ctx: CommandContext): Promise<'stored' | 'removed' | CommandRefusal> {
  const existing = await ctx.extension.secrets.get(TOKEN_SECRET_KEY);
  const token = await input(ctx, {
    title: 'DigitalOcean API token',
    prompt: existing
      ? 'Enter a new token, or leave empty and press Enter to remove the stored one'
      : 'A personal access token with App Platform read/write scope (dop_v1_…)',
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
  const check = await withCancellableProgress(`Checking the token with ${apiUrl ?? 'DigitalOcean'}…`, async (signal) => {
    // A person is waiting: two attempts and 10 s each, not the deploy pipeline's patience.
    const { client } = createDeployClient({ baseUrl: apiUrl, token: token.trim(), timeoutMs: 10_000, retry: { maxAttempts: 2 } });
    try {
      return await verifyToken(client, signal);
    } finally {
      await client.close();
    }
  });
  if (!check.ok && check.refused) {
    const why = check.code === 'UNAUTHORIZED' ? 'it is unknown or revoked (401)' : 'it lacks the App Platform scopes (403)';
    const message = `DigitalOcean refused this token: ${why}. It was not stored.`;
    void vscode.window
      .showErrorMessage(message, 'Try Again')
      .then((a) => (a ? vscode.commands.executeCommand('odoobo.setToken') : undefined));
    return refused(message);
  }
  if (!check.ok) {
    const why = `${check.code}: ${check.message}`;
    const question = `Could not reach ${apiUrl ?? 'DigitalOcean'} to check the token (${why}). Store it without checking?`;
    if ((await confirm(ctx, question, 'Store Unchecked')) !== 'Store Unchecked') return cancelled('Set token');
  }
  await ctx.extension.secrets.store(TOKEN_SECRET_KEY, token.trim());
  const how = check.ok ? 'verified against the API' : 'not verified: the API was unreachable';
  ctx.log.info(`DigitalOcean token stored in secret storage (${how})`);
  walkthrough.mark('tokenSet');
  void vscode.window.showInformationMessage(`DigitalOcean token ${check.ok ? 'verified and ' : ''}stored in VS Code secret storage.`);
  return 'stored';
}
