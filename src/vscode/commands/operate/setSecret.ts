import * as vscode from 'vscode';
import { waitForDeployment } from '../../../core/do/progress';
import { EnvVarError, setEnvVar as setInSpec, setLiveSecret } from '../../../core/operate/envVars';
import { askKey, editSpec } from '../../operate/envEdit';
import { confirmProtected, operatedApp } from '../../operate/operatedSkill';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { input } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';

/**
 * `odoobo.setSecret`: the value from a password box goes to the live app only (App Platform encrypts it and deploys);
 * the app spec gets the key as `type: SECRET` without a value, in its editor. Later deploys carry the value over.
 */
export async function setSecret(ctx: CommandContext, arg?: unknown): Promise<{ key: string; phase?: string } | CommandRefusal> {
  const op = await operatedApp(ctx, arg, 'Set a secret of which skill?');
  if ('refused' in op) return op;
  try {
    const key = await askKey(ctx, `Set a secret of ${op.appName} (${op.environment.name})`);
    if (key === undefined) return cancelled('set secret');
    const prompt = 'Secret value (sent to the app only, never written)';
    const value = await input(ctx, { title: `${key} of ${op.appName}`, prompt, password: true });
    if (!value) return cancelled('set secret');
    if (!(await confirmProtected(ctx, op.environment, `Set ${key} on ${op.appName}`))) return cancelled('set secret');
    const done = await editSpec(op, (text, file) => setInSpec(text, file, { key, secret: true }));
    if ('refused' in done) return done;
    const phase = await withCancellableProgress(`Setting ${key} on ${op.appName}`, async (signal, report) => {
      const r = await setLiveSecret(op.client, op.appName, { key, place: done.edit.place, scope: done.edit.scope, value }, { signal });
      if (!r.deployment) return undefined;
      report('deploying…');
      const d = await waitForDeployment(op.client, r.appId, r.deployment.id, {
        signal, onProgress: (_d, lines) => lines[0] && report(lines[0]),
      });
      return d.phase;
    });
    if (phase && phase !== 'ACTIVE') void vscode.window.showErrorMessage(`The deployment carrying ${key} ended ${phase}.`);
    else void vscode.window.showInformationMessage(`${key} is set on ${op.appName} (encrypted there; not in the repository).`);
    return { key, phase };
  } catch (e) {
    if (e instanceof EnvVarError) return refused(e.message);
    throw e;
  } finally {
    await op.close();
  }
}
