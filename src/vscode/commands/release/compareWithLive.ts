import * as path from 'node:path';
import * as vscode from 'vscode';
import { lintAppSpec } from '../../../core/appspec';
import { prepareSpec } from '../../../core/deploy/spec';
import { resolveEnvironment, type EnvironmentDef } from '../../../core/environments';
import { formatPreflight, preflight, type Preflight } from '../../../core/release/diff';
import { editorEnvironments } from '../../environments';
import { showPreflightDiff, preflightSummary } from '../../release/preflightView';
import { EnvironmentItem } from '../../tree/releaseItems';
import type { CommandContext } from '../context';
import { pickOne } from '../support/prompts';
import { cancelled, refused, type CommandRefusal } from '../support/refusal';
import { allSkillRefs, skillRefs, type SkillRef } from '../support/skillRefs';

export interface CompareResult {
  skill: string;
  environment: string;
  preflight: Preflight;
  left: string;
  right: string;
}

/** The skill and environment an app spec or overlay file stands for (`infra/<skill>.yaml`, `infra/<skill>.<env>.yaml`). */
function fromFile(ctx: CommandContext, uri: vscode.Uri | undefined): { ref: SkillRef; env?: string } | undefined {
  if (!uri || uri.scheme !== 'file') return undefined;
  for (const ref of allSkillRefs(ctx)) {
    const view = ref.store.model?.skills.find((v) => v.skill.name === ref.name);
    if (!view) continue;
    const base = view.skill.appSpecPath;
    const ext = path.extname(base);
    if (uri.fsPath === base) return { ref };
    const stem = base.slice(0, base.length - ext.length) + '.';
    if (uri.fsPath.startsWith(stem) && uri.fsPath.endsWith(ext)) return { ref, env: uri.fsPath.slice(stem.length, -ext.length) };
  }
  return undefined;
}

/**
 * `odoobo.compareWithLive`: the live app's spec against the one a deploy to that environment would apply (overlay
 * merged, secrets masked) in a diff editor, with the commits that would go live and the monthly cost before → after.
 */
export async function compareWithLive(ctx: CommandContext, arg?: unknown, envArg?: unknown): Promise<CompareResult | CommandRefusal> {
  const file = arg instanceof vscode.Uri ? fromFile(ctx, arg) : arg === undefined ? fromFile(ctx, vscode.window.activeTextEditor?.document.uri) : undefined;
  let ref = file?.ref ?? skillRefs(ctx, arg)[0];
  if (!ref) {
    const chosen = await pickOne(ctx, allSkillRefs(ctx).map((r) => ({ label: r.name, ref: r })), { title: 'Compare which skill with live?' });
    if (!chosen) return cancelled('compare with live');
    ref = chosen.ref;
  }
  const view = ref.store.model?.skills.find((v) => v.skill.name === ref.name);
  const root = ref.store.model?.root;
  if (!view || !root) return refused(`no skill named ${ref.name}`);
  const { envs, usable, current } = await editorEnvironments(root, ctx.log);
  let env: EnvironmentDef | undefined;
  const wanted = arg instanceof EnvironmentItem ? arg.environment.name : typeof envArg === 'string' ? envArg : file?.env;
  if (wanted) env = resolveEnvironment(envs, wanted);
  else if (usable.length > 1) {
    const items = usable.map((e) => ({ label: e.name, description: e.name === current.name ? 'the editor’s environment' : undefined, env: e }));
    env = (await pickOne(ctx, items, { title: `Compare ${ref.name} with live in which environment?` }))?.env;
    if (!env) return cancelled('compare with live');
  } else env = current;
  const connection = await ctx.deployments.connect();
  try {
    const prepared = await prepareSpec(view.skill, { repoRoot: root, lint: lintAppSpec, environment: env });
    const p = await preflight({ client: connection.client, repoRoot: root, spec: prepared.spec, component: ref.name });
    ctx.log.info(`Compare with live, ${ref.name} in ${env.name}:\n${formatPreflight(p).join('\n')}`);
    const { left, right } = await showPreflightDiff(p, env.name);
    void vscode.window.showInformationMessage(preflightSummary(p).join(' · '));
    return { skill: ref.name, environment: env.name, preflight: p, left: left.toString(), right: right.toString() };
  } finally {
    await connection.close();
  }
}
