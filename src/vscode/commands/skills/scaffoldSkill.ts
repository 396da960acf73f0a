import * as vscode from 'vscode';
import { skillNameProblem } from '../../../core/skills/names';
import { scaffoldSkill as scaffold, SkillExistsError } from '../../../core/skills/scaffold';
import { settings } from '../../config';
import type { CommandContext } from '../context';
import { input } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';

/** `odoobo.scaffoldSkill`: a new skill (manifest, service, app spec) from a name and a one-line description. */
export async function scaffoldSkill(ctx: CommandContext): Promise<string | CommandRefusal> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return refused('Open a folder first.');
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
    const out = await scaffold(folder.uri.fsPath, { name, description, skillsLocation: settings(folder).skillsLocation });
    await Promise.all(ctx.stores().map((s) => s.refresh()));
    await vscode.window.showTextDocument(vscode.Uri.file(out.manifestPath), { preview: false });
    return name;
  } catch (e) {
    if (!(e instanceof SkillExistsError)) throw e;
    void vscode.window.showErrorMessage(e.message);
    return refused(e.message);
  }
}
