import * as vscode from 'vscode';
import {
  checkMergePreconditions,
  GitFlowError,
  mergeSkills,
  removeWorktree,
  setupWorktrees,
  syncSkill,
  type MergeResult,
  type SetupReport,
  type SyncResult,
  type RemoveResult,
} from '../../core/git/flows';
import { settings } from '../config';
import type { SkillsStore } from '../skillsStore';
import { NoWorktreeItem, SkillItem, WorktreeItem, type SkillsTreeNode } from '../tree/items';
import type { CommandRefusal } from './commandIds';
import { confirm, pick, type CommandContext } from './handlers';

/** Runs `work` under a cancellable notification; cancelling aborts between steps (never mid-write). */
export function withCancellableProgress<T>(title: string, work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    return work(controller.signal, (message) => progress.report({ message })).finally(() => sub.dispose());
  });
}

interface SkillRef {
  readonly store: SkillsStore;
  readonly name: string;
}

/** The skills a command was invoked on: a tree item, the tree's multi-selection, or skill names. */
function skillRefs(ctx: CommandContext, arg: unknown, selection: unknown): SkillRef[] {
  const stores = ctx.stores();
  const byName = (name: string): SkillRef[] => {
    const store = stores.find((s) => s.model?.skills.some((v) => v.skill.name === name));
    return store ? [{ store, name }] : [];
  };
  const one = (a: unknown): SkillRef[] => {
    if (a instanceof SkillItem) return byName(a.view.skill.name);
    if (a instanceof WorktreeItem || a instanceof NoWorktreeItem) return byName(a.skillName);
    if (typeof a === 'string') return byName(a);
    return [];
  };
  const all = Array.isArray(selection) && selection.length > 1 ? selection.flatMap(one) : Array.isArray(arg) ? arg.flatMap(one) : one(arg);
  const seen = new Set<string>();
  return all.filter((r) => !seen.has(r.name) && seen.add(r.name));
}

async function chooseSkills(ctx: CommandContext, title: string, filter: (s: SkillsStore['model'] & object, name: string) => boolean): Promise<SkillRef[]> {
  type Item = vscode.QuickPickItem & { ref: SkillRef };
  const items: Item[] = ctx.stores().flatMap((store) =>
    (store.model?.skills ?? []).filter((v) => filter(store.model!, v.skill.name)).map((v) => ({ label: v.skill.name, description: v.skill.manifest.description, ref: { store, name: v.skill.name } })),
  );
  if (items.length === 0) return [];
  const chosen = await pick(ctx, items, { title, canPickMany: true, placeHolder: 'Choose skills' });
  return chosen ? (Array.isArray(chosen) ? chosen : [chosen]).map((i) => i.ref) : [];
}

function describe(e: unknown): string {
  return e instanceof GitFlowError ? e.message : (e as Error).message;
}

function refused(message: string, kind: CommandRefusal['refused'] = 'invalid-input'): CommandRefusal {
  return { refused: kind, message };
}

async function refreshAll(ctx: CommandContext): Promise<void> {
  await Promise.all(ctx.stores().map((s) => s.refresh().catch(() => undefined)));
}

export async function setupWorktreesCommand(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<SetupReport[] | CommandRefusal> {
  let refs = skillRefs(ctx, arg, selection);
  if (refs.length === 0) refs = await chooseSkills(ctx, 'Set up worktrees', (m, name) => !m.skills.find((v) => v.skill.name === name)?.worktree);
  if (refs.length === 0) return refused('no skill chosen', 'cancelled');
  const reports: SetupReport[] = [];
  for (const store of new Set(refs.map((r) => r.store))) {
    const skills = refs.filter((r) => r.store === store).map((r) => r.name);
    const root = store.folder.uri.fsPath;
    const run = (allowTempRoot: boolean) =>
      withCancellableProgress(`Setting up worktrees for ${skills.join(', ')}`, (signal, report) =>
        setupWorktrees(root, {
          skills,
          signal,
          allowTempRoot,
          worktreeRoot: settings(store.folder).worktreeRoot || undefined,
          skillsLocation: settings(store.folder).skillsLocation,
          onProgress: (p) => report(`${p.skill ?? ''} ${p.message}`.trim()),
        }),
      );
    let report: SetupReport;
    try {
      report = await run(false);
    } catch (e) {
      if (!(e instanceof GitFlowError) || e.code !== 'WORKTREE_ROOT_IN_TEMP') throw e;
      const ok = await confirm(ctx, `${e.message}\n\nUse it anyway? Work in worktrees there can be lost when the system empties that folder.`, 'Use Temporary Folder');
      if (ok !== 'Use Temporary Folder') return refused(e.message, 'cancelled');
      report = await run(true);
    }
    reports.push(report);
    const failed = report.outcomes.filter((o) => o.status === 'failed');
    const summary = report.outcomes.map((o) => `${o.skill}: ${o.status}${o.status === 'failed' ? '' : ` (${o.path})`}`).join('; ');
    ctx.log.info(`set up worktrees: ${summary}`);
    if (failed.length) void vscode.window.showErrorMessage(`Worktree setup failed for ${failed.map((o) => `${o.skill}: ${o.error?.message ?? 'unknown error'}`).join(' — ')}`);
    else void vscode.window.showInformationMessage(`Worktrees ready: ${report.outcomes.map((o) => `${o.skill} (${o.status})`).join(', ')}.`);
  }
  await refreshAll(ctx);
  return reports;
}

export async function removeWorktreeCommand(ctx: CommandContext, arg?: unknown): Promise<RemoveResult | CommandRefusal> {
  let [ref] = skillRefs(ctx, arg, undefined);
  if (!ref) [ref] = await chooseSkills(ctx, 'Remove worktree', (m, name) => !!m.skills.find((v) => v.skill.name === name)?.worktree);
  if (!ref) return refused('no skill chosen', 'cancelled');
  const root = ref.store.folder.uri.fsPath;
  const answer = await confirm(ctx, `Remove the worktree of ${ref.name}? Uncommitted or unpushed work and git-ignored files (.env, .venv/) stop the removal.`, 'Remove Worktree', 'Remove Worktree and Merged Branch');
  if (!answer) return refused('remove cancelled', 'cancelled');
  const deleteBranch = answer === 'Remove Worktree and Merged Branch';
  try {
    const result = await removeWorktree(root, ref.name, { deleteBranch });
    await refreshAll(ctx);
    void vscode.window.showInformationMessage(`Removed the worktree of ${ref.name}${result.branchDeleted ? ' and its merged branch' : result.branchKept ? ` (branch kept: ${result.branchKept})` : ''}.`);
    return result;
  } catch (e) {
    if (!(e instanceof GitFlowError) || !['DIRTY_WORKTREE', 'IGNORED_FILES', 'UNPUSHED_WORK', 'WORKTREE_LOCKED', 'OPERATION_IN_PROGRESS'].includes(e.code)) throw e;
    const lose = e.problems.map((p) => `• ${p.message}`).join('\n');
    const force = await confirm(ctx, `${ref.name}: removing this worktree would lose work:\n${lose}\n\nRemove anyway? This cannot be undone.`, 'Remove Anyway');
    if (force !== 'Remove Anyway') return refused(e.message);
    const result = await removeWorktree(root, ref.name, { force: true, deleteBranch });
    await refreshAll(ctx);
    return result;
  }
}

export async function syncWorktreeCommand(ctx: CommandContext, arg?: unknown): Promise<SyncResult | CommandRefusal> {
  let [ref] = skillRefs(ctx, arg, undefined);
  if (!ref) [ref] = await chooseSkills(ctx, 'Sync with main', (m, name) => !!m.skills.find((v) => v.skill.name === name)?.worktree);
  if (!ref) return refused('no skill chosen', 'cancelled');
  type Item = vscode.QuickPickItem & { id: 'merge' | 'rebase' };
  const mode = await pick<Item>(ctx, [
    { id: 'merge', label: `Merge main into skill/${ref.name}`, detail: 'Keeps history; safe for pushed branches.' },
    { id: 'rebase', label: `Rebase skill/${ref.name} onto main`, detail: 'Linear history; pushed commits then need a force push (never done for you).' },
  ], { title: `Sync ${ref.name} with main` });
  const chosen = Array.isArray(mode) ? mode[0] : mode;
  if (!chosen) return refused('sync cancelled', 'cancelled');
  const result = await withCancellableProgress(`Syncing ${ref.name} with main`, (signal, report) =>
    syncSkill(ref.store.folder.uri.fsPath, ref.name, { mode: chosen.id, signal, onProgress: (p) => report(p.message) }),
  );
  await refreshAll(ctx);
  void vscode.window.showInformationMessage(`${ref.name}: ${result.status} with ${result.onto}${result.needsForcePush ? ' — the rebase rewrote pushed commits: push with --force-with-lease when you are sure' : ''}.`);
  return result;
}

export async function mergeCommand(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<MergeResult[] | CommandRefusal> {
  let refs = skillRefs(ctx, arg, selection);
  if (refs.length === 0) refs = await chooseSkills(ctx, 'Merge skills to main', (m, name) => !!m.skills.find((v) => v.skill.name === name)?.worktree);
  if (refs.length === 0) return refused('no skill chosen', 'cancelled');
  const target = settings().target;
  const results: MergeResult[] = [];
  for (const ref of refs) {
    const root = ref.store.folder.uri.fsPath;
    const pre = await checkMergePreconditions(root, ref.name, { target });
    if (pre.unmet.length) {
      const message = `${ref.name} cannot be merged: ${pre.unmet.map((p) => `${p.code}: ${p.message}`).join(' ')}`;
      void vscode.window.showErrorMessage(message);
      results.push({ skill: ref.name, status: 'refused', unmet: pre.unmet, checks: pre.checks });
      continue;
    }
    const d = pre.deployment!;
    const answer = await confirm(
      ctx,
      `Merge skill/${ref.name} into main with --no-ff? Deployment ${d.deploymentId} (${d.phase}, ${d.commit.slice(0, 12)}) on ${d.target} is recorded in the merge commit.`,
      'Merge',
      'Merge and Push',
      'Merge, Push and Remove Worktree',
    );
    if (!answer) return refused('merge cancelled', 'cancelled');
    const [result] = await mergeSkills(root, [ref.name], { target, push: answer !== 'Merge', cleanup: answer === 'Merge, Push and Remove Worktree' });
    results.push(result);
    if (result.status === 'merged') void vscode.window.showInformationMessage(`Merged ${ref.name} into ${result.mainBranch} (${result.mergeCommit.slice(0, 12)}).`);
    else if (result.status === 'failed') void vscode.window.showErrorMessage(describe(result.error));
  }
  await refreshAll(ctx);
  return results;
}

function worktreeOf(ctx: CommandContext, arg: unknown): string | undefined {
  if (arg instanceof WorktreeItem) return arg.worktree.exists ? arg.worktree.path : undefined;
  const [ref] = skillRefs(ctx, arg, undefined);
  const w = ref?.store.model?.skills.find((v) => v.skill.name === ref.name)?.worktree;
  return w?.exists ? w.path : undefined;
}

export async function revealWorktreeCommand(ctx: CommandContext, arg?: SkillsTreeNode | string): Promise<string | CommandRefusal> {
  const p = worktreeOf(ctx, arg);
  if (!p) return refused('this skill has no worktree folder');
  await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(p));
  return p;
}

export function openWorktreeTerminalCommand(ctx: CommandContext, arg?: SkillsTreeNode | string): string | CommandRefusal {
  const p = worktreeOf(ctx, arg);
  if (!p) return refused('this skill has no worktree folder');
  const name = arg instanceof WorktreeItem ? arg.skillName : typeof arg === 'string' ? arg : arg instanceof SkillItem ? arg.view.skill.name : 'worktree';
  vscode.window.createTerminal({ name: `skill/${name}`, cwd: p }).show();
  return p;
}
