import * as vscode from 'vscode';
import { checkWebhookUrl } from '../../../core/notify/env';
import { ALERT_SECRETS, secretKey } from '../../insights/alerts';
import type { CommandContext } from '../context';
import { input, pickOne } from '../support/prompts';
import { cancelled, type CommandRefusal } from '../support/refusal';

/**
 * `odoobo.setWebhooks`: stores a notification webhook URL (or the GitHub token for incident issues) in SecretStorage,
 * never in settings; an empty answer removes the stored one. The value is never shown back.
 */
export async function setWebhooks(ctx: CommandContext): Promise<'stored' | 'removed' | CommandRefusal> {
  const items = await Promise.all(
    ALERT_SECRETS.map(async (s) => ({
      label: s.label,
      id: s.name,
      description: (await ctx.extension.secrets.get(secretKey(s.name))) ? 'set' : 'not set',
    })),
  );
  const chosen = await pickOne(ctx, items, { title: 'Notifications and incidents', placeHolder: 'Which one to set' });
  if (!chosen) return cancelled('Set notification webhooks');
  const isToken = chosen.id === 'GITHUB_TOKEN';
  const value = await input(ctx, {
    title: chosen.label,
    prompt: `${isToken ? 'A GitHub token that may open issues' : 'The webhook URL'}; leave empty to remove the stored one`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => {
      if (!v.trim() || isToken) return undefined;
      try {
        checkWebhookUrl(chosen.id, v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (value === undefined) return cancelled('Set notification webhooks');
  if (!value.trim()) {
    await ctx.extension.secrets.delete(secretKey(chosen.id));
    void vscode.window.showInformationMessage(`${chosen.label}: removed from secret storage.`);
    return 'removed';
  }
  await ctx.extension.secrets.store(secretKey(chosen.id), value.trim());
  void vscode.window.showInformationMessage(`${chosen.label}: stored in secret storage.`);
  return 'stored';
}
