import * as vscode from 'vscode';
import { commitOf, type PlanResult, type RollbackResult } from '../../core/deploy';
import type { SmokeResult } from '../../core/smoke';
import { formatAgoIso } from '../../core/util/timeText';
import type { DeployService } from '../deployService';
import type { AppDetailsCache } from '../appDetails';
import type { SkillsStore } from '../skillsStore';
import { DeploymentItem, SkillItem } from '../tree/items';
import type { CommandRefusal } from './commandIds';
import { confirm, pick, type CommandContext } from './handlers';

const LAST_CHOICE_KEY = 'odoobo.lastDeployChoice';

export interface DeployContext extends CommandContext {
  readonly deployments: DeployService;
  /** The tree's app details (live URLs of skills deployed before this window opened). */
  readonly apps?: AppDetailsCache;
}

function refused(message: string, kind: CommandRefusal['refused'] = 'invalid-input'): CommandRefusal {
  return { refused: kind, message };
}

/** Skills named by a tree item, the tree's multi-selection, a name, or an array of names. */
export function namedSkills(ctx: CommandContext, arg: unknown, selection: unknown): { store: SkillsStore; names: string[] }[] {
  // A skill item, any item under a skill (worktree, app, deployment…: they carry skillName), or a name.
  const one = (a: unknown): string[] =>
    a instanceof SkillItem ? [a.view.skill.name] : a instanceof vscode.TreeItem && typeof (a as { skillName?: unknown }).skillName === 'string' ? [(a as { skillName: string }).skillName] : typeof a === 'string' ? [a] : [];
  const names = [...new Set(Array.isArray(selection) && selection.length > 1 ? selection.flatMap(one) : Array.isArray(arg) ? arg.flatMap(one) : one(arg))];
  const groups = new Map<SkillsStore, string[]>();
  for (const n of names) {
    const store = ctx.stores().find((s) => s.model?.skills.some((v) => v.skill.name === n));
    if (store) groups.set(store, [...(groups.get(store) ?? []), n]);
  }
  return [...groups].map(([store, ns]) => ({ store, names: ns }));
}

function allSkills(ctx: CommandContext): { store: SkillsStore; names: string[] }[] {
  return ctx.stores().map((store) => ({ store, names: (store.model?.skills ?? []).map((v) => v.skill.name) })).filter((g) => g.names.length);
}

async function runPlans(ctx: DeployContext, groups: { store: SkillsStore; names: string[] }[]): Promise<PlanResult[] | CommandRefusal> {
  if (groups.length === 0) return refused('no skill to deploy', 'cancelled');
  const total = groups.reduce((n, g) => n + g.names.length, 0);
  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Deploying ${total === 1 ? groups[0].names[0] : `${total} skills`}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        const out: PlanResult[] = [];
        for (const g of groups) {
          out.push(await ctx.deployments.deploy(g.store, g.names, { signal: controller.signal, report: (skill, message) => progress.report({ message: `${skill}: ${message}` }) }));
        }
        return out;
      } finally {
        sub.dispose();
      }
    },
  );
  for (const plan of results) {
    for (const r of plan.results) {
      if (r.status === 'succeeded') continue;
      const what = r.status === 'canceled' ? 'was canceled' : r.status === 'rolled-back' ? 'failed and was rolled back' : 'failed';
      const serving = r.previousStillServing ? ' The previous deployment still serves.' : '';
      const msg = `${r.skill} ${what}${r.error ? `: ${r.error.code} at ${r.error.step} — ${r.error.message} ${r.error.mitigation}` : '.'}${serving}`;
      void vscode.window.showErrorMessage(msg, 'Show Logs', 'Open Spec', 'Retry').then((a) => {
        // The log that tells why: the build's, the rollout's, or what the live skill printed.
        if (a === 'Show Logs') void vscode.commands.executeCommand('odoobo.showLogs', r.skill, r.error?.code === 'BUILD_FAILED' ? 'BUILD' : r.error?.step === 'monitor' ? 'DEPLOY' : 'RUN');
        else if (a === 'Open Spec') {
          const spec = ctx.stores().flatMap((s) => s.model?.skills ?? []).find((v) => v.skill.name === r.skill)?.skill.appSpecPath;
          if (spec) void vscode.window.showTextDocument(vscode.Uri.file(spec));
        } else if (a === 'Retry') void vscode.commands.executeCommand('odoobo.deploy', r.skill);
      });
    }
    const ok = plan.results.filter((r) => r.status === 'succeeded');
    if (ok.length) void vscode.window.showInformationMessage(`Deployed ${ok.map((r) => `${r.skill}${r.liveUrl ? ` (${r.liveUrl})` : ''}`).join(', ')}.`);
  }
  return results;
}

export async function deploy(ctx: DeployContext, arg?: unknown, selection?: unknown): Promise<PlanResult[] | CommandRefusal> {
  const groups = namedSkills(ctx, arg, selection);
  return groups.length ? runPlans(ctx, groups) : deployChosen(ctx);
}

export async function deployChosen(ctx: DeployContext): Promise<PlanResult[] | CommandRefusal> {
  const last = new Set(ctx.extension.workspaceState.get<string[]>(LAST_CHOICE_KEY, []));
  type Item = vscode.QuickPickItem & { id: string };
  const items: Item[] = ctx.stores().flatMap((s) =>
    (s.model?.skills ?? []).map((v) => {
      const st = ctx.deployments.state(v.skill.name);
      return { id: v.skill.name, label: v.skill.name, description: st ? st.phase : 'not deployed', detail: v.skill.manifest.description, picked: last.has(v.skill.name) };
    }),
  );
  const chosen = await pick(ctx, items, { title: 'Deploy skills', canPickMany: true, placeHolder: 'Choose the skills to deploy in parallel' });
  const names = (Array.isArray(chosen) ? chosen : chosen ? [chosen] : []).map((i) => i.id);
  if (names.length === 0) return refused('no skill chosen', 'cancelled');
  await ctx.extension.workspaceState.update(LAST_CHOICE_KEY, names);
  return runPlans(ctx, namedSkills(ctx, names, undefined));
}

export function deployAll(ctx: DeployContext): Promise<PlanResult[] | CommandRefusal> {
  return runPlans(ctx, allSkills(ctx));
}

export function cancelDeploy(ctx: DeployContext, arg?: unknown): boolean | CommandRefusal {
  const names = namedSkills(ctx, arg, undefined).flatMap((g) => g.names);
  const inFlight = names.length ? names : [...ctx.deployments.all.keys()].filter((s) => ctx.deployments.isDeploying(s));
  if (inFlight.length === 0) return refused('nothing is being deployed');
  return inFlight.map((s) => ctx.deployments.cancel(s)).some(Boolean);
}

export async function test(ctx: DeployContext, arg?: unknown, selection?: unknown): Promise<SmokeResult[] | CommandRefusal> {
  let groups = namedSkills(ctx, arg, selection);
  if (groups.length === 0) groups = allSkills(ctx).map((g) => ({ ...g, names: g.names.filter((n) => ctx.deployments.state(n)?.phase === 'active') }));
  const jobs = groups.flatMap((g) => g.names.map((n) => ({ store: g.store, name: n })));
  if (jobs.length === 0) return refused('no deployed skill to test');
  const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Testing skills', cancellable: true }, async (_p, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return Promise.all(jobs.map((j) => ctx.deployments.test(j.store, j.name, controller.signal)));
  });
  const failed = results.filter((r) => !r.passed);
  if (failed.length)
    void vscode.window.showErrorMessage(
      `Smoke tests failed: ${failed.map((r) => `${r.skill} (${r.checks.filter((c) => c.status !== 'passed').map((c) => `${c.name}: ${c.message}`).join('; ')})`).join(', ')}`,
    );
  else void vscode.window.showInformationMessage(`Smoke tests passed: ${results.map((r) => `${r.skill} (${r.checks.length} checks)`).join(', ')}.`);
  return results;
}

/** Opens the skill's live URL (a skill or app item, or a name) in the browser. */
export async function openLiveUrl(ctx: DeployContext, arg?: unknown): Promise<string | CommandRefusal> {
  const [group] = namedSkills(ctx, arg, undefined);
  const skill = group?.names[0];
  if (!skill) return refused('no skill named');
  const url = ctx.deployments.state(skill)?.liveUrl ?? ctx.apps?.peek(skill)?.app?.live_url;
  if (!url) {
    void vscode.window.showInformationMessage(`${skill} has no live URL on this target yet: deploy it first.`, 'Deploy').then((a) => (a ? vscode.commands.executeCommand('odoobo.deploy', skill) : undefined));
    return refused(`${skill} has no live URL`);
  }
  await vscode.env.openExternal(vscode.Uri.parse(url));
  return url;
}

export async function rollback(ctx: DeployContext, arg?: unknown): Promise<RollbackResult | CommandRefusal> {
  // From a deployment in the tree: roll back to that one (App Platform's validation still comes first).
  if (arg instanceof DeploymentItem) {
    const store = namedSkills(ctx, arg, undefined)[0]?.store;
    if (!store) return refused(`no skill named ${arg.skillName}`);
    const d = arg.deployment;
    const commit = commitOf(d, arg.skillName);
    return confirmAndRollback(ctx, store, arg.skillName, { id: d.id, label: commit?.slice(0, 12) ?? d.id.slice(0, 8) });
  }
  const [group] = namedSkills(ctx, arg, undefined);
  let store = group?.store;
  let skill = group?.names[0];
  if (!skill) {
    const items = allSkills(ctx).flatMap((g) => g.names.map((n) => ({ label: n, store: g.store })));
    const p = await pick(ctx, items, { title: 'Roll back which skill?' });
    const chosen = Array.isArray(p) ? p[0] : p;
    if (!chosen) return refused('rollback cancelled', 'cancelled');
    skill = chosen.label;
    store = chosen.store;
  }
  const targets = await ctx.deployments.rollbackTargets(store, skill);
  if (targets.length === 0) return refused(`${skill} has no earlier deployment to roll back to.`);
  const items = targets.map((t) => ({
    id: t.id,
    label: `${t.commit?.slice(0, 12) ?? t.id.slice(0, 8)}`,
    description: [t.phase, formatAgoIso(t.createdAt)].filter(Boolean).join(' · '),
    detail: t.cause ?? t.id,
  }));
  const p = await pick(ctx, items, { title: `Roll back ${skill} to…` });
  const target = Array.isArray(p) ? p[0] : p;
  if (!target) return refused('rollback cancelled', 'cancelled');
  return confirmAndRollback(ctx, store, skill, target);
}

/** Validate (warnings shown before confirming), then roll back with progress and a cancel button. */
async function confirmAndRollback(ctx: DeployContext, store: SkillsStore, skill: string, target: { id: string; label: string }): Promise<RollbackResult | CommandRefusal> {
  const check = await ctx.deployments.checkRollback(store, skill, target.id);
  if (!check.valid) return refused(`App Platform refuses this rollback: ${check.error?.code ?? 'invalid'} ${check.error?.message ?? ''}`.trim());
  const warnings = check.warnings.map((w) => `• ${w.code}: ${w.message ?? ''}`).join('\n');
  const ok = await confirm(ctx, `Roll back ${skill} to ${target.label}?${warnings ? `\n\nApp Platform warns:\n${warnings}` : ''}`, 'Roll Back');
  if (ok !== 'Roll Back') return refused('rollback cancelled', 'cancelled');
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Rolling back ${skill}`, cancellable: true }, (_p, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return ctx.deployments.rollback(store, skill, target.id, controller.signal);
  });
  if (result.status === 'succeeded') void vscode.window.showInformationMessage(`${skill} rolled back to ${target.label}.`);
  else void vscode.window.showErrorMessage(`Rollback of ${skill} ${result.status}: ${result.error?.message ?? result.reason ?? ''}`);
  return result;
}
