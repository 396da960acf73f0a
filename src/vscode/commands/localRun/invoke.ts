import * as path from 'node:path';
import * as vscode from 'vscode';
import { listRequestFiles, parseSkillRequest, readSkillRequest, type SkillRequest } from '../../../core/localRun/requestFile';
import { localRuns } from '../../localRun/localRuns';
import { oneSkill } from '../../localRun/skillArg';
import type { CommandContext } from '../context';
import { input, pickOne } from '../support/prompts';

export interface InvokeResult {
  readonly skill: string;
  readonly url: string;
  readonly status: number;
  readonly timeMs: number;
  /** The response editor's document. */
  readonly document: vscode.Uri;
}

const TYPED = 'Type the JSON body…';

/** Where to send: the skill's local run and/or its deployed app's live URL on the current target. */
async function baseUrlOf(ctx: CommandContext, skill: string, local: string | undefined): Promise<string | undefined> {
  const deployed = (await ctx.apps.canRead()) ? (await ctx.apps.get(skill, ctx.deployments.appName(skill))).app?.live_url : undefined;
  const choices = [
    ...(local ? [{ label: 'Local run', description: local, url: local }] : []),
    ...(deployed ? [{ label: 'Deployed', description: deployed, url: deployed }] : []),
  ];
  if (choices.length === 0) throw new Error(`${skill} is neither running locally nor deployed: use Run Locally first.`);
  if (choices.length === 1) return choices[0].url;
  return (await pickOne(ctx, choices, { title: `Invoke ${skill}: where` }))?.url;
}

/** `odoobo.invoke`: sends an example request (skills/<name>/requests/*.json) or typed JSON; the response opens beside. */
export async function invoke(ctx: CommandContext, arg?: unknown): Promise<InvokeResult | undefined> {
  const ref = await oneSkill(ctx, arg, 'Invoke…');
  if (!ref) return undefined;
  const runs = localRuns(ctx.extension);
  const { skill } = await runs.sourceOf(ref.store, ref.name);
  const local = (await runs.find(ref.store, ref.name))?.url;
  const baseUrl = await baseUrlOf(ctx, ref.name, local);
  if (!baseUrl) return undefined;
  const files = await listRequestFiles(skill.dir);
  const described = await Promise.all(
    files.map(async (file) => ({ label: path.basename(file, '.json'), description: (await readSkillRequest(file)).description, file })),
  );
  const items: { label: string; description?: string; file?: string }[] = [...described, { label: TYPED }];
  const chosen = await pickOne(ctx, items, { title: `Invoke ${ref.name}: request`, placeHolder: `${skill.dir}/requests/*.json` });
  if (!chosen) return undefined;
  let req: SkillRequest;
  if (chosen.file) req = await readSkillRequest(chosen.file);
  else {
    const validate = (text: string) => {
      try {
        JSON.parse(text);
        return undefined;
      } catch (e) {
        return `not JSON: ${(e as Error).message}`;
      }
    };
    const prompt = `JSON body of POST ${skill.manifest.invokePath}`;
    const text = await input(ctx, { title: `Invoke ${ref.name}`, prompt, validateInput: validate });
    if (text === undefined) return undefined;
    req = parseSkillRequest(JSON.stringify({ body: JSON.parse(text) as unknown }), 'typed JSON');
  }
  const { response, editor } = await runs.invoke(ref.name, baseUrl, req, skill.manifest.invokePath);
  return { skill: ref.name, url: response.url, status: response.status, timeMs: response.timeMs, document: editor.document.uri };
}
