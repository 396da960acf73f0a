import * as vscode from 'vscode';
import { GitFlowError, setupWorktrees as setupFlow, type SetupReport } from '../../../core/git/flows';
import { settings } from '../../config';
import type { SkillsStore } from '../../skillsStore';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { confirm } from '../support/prompts';
import { refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs, worktreeOfRef } from '../support/skillRefs';
import { refreshAll } from './refreshAll';
import { walkthrough } from '../support/walkthroughContext';

/** `odoobo.setupWorktrees`: a worktree on branch skill/<name> for each named (or chosen) skill without one. */
export async function setupWorktrees(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<SetupReport[] | CommandRefusal> {
  let refs = skillRefs(ctx, arg, selection);
  if (refs.length === 0) refs = await chooseSkills(ctx, 'Set up worktrees', (r) => !worktreeOfRef(r));
  if (refs.length === 0) return refused('no skill chosen', 'cancelled');
  const reports: SetupReport[] = [];
  for (const store of new Set(refs.map((r) => r.store))) {
    const report = await setupIn(ctx, store, refs.filter((r) => r.store === store).map((r) => r.name));
    if ('refused' in report) return report;
    reports.push(report);
    const failed = report.outcomes.filter((o) => o.status === 'failed');
    const summary = report.outcomes.map((o) => `${o.skill}: ${o.status}${o.status === 'failed' ? '' : ` (${o.path})`}`).join('; ');
    ctx.log.info(`set up worktrees: ${summary}`);
    if (report.outcomes.some((o) => o.status !== 'failed')) walkthrough.mark('worktrees');
    if (failed.length) {
      const why = failed.map((o) => `${o.skill}: ${o.error?.message ?? 'unknown error'}`).join(' — ');
      void vscode.window.showErrorMessage(`Worktree setup failed for ${why}`);
    } else {
      void vscode.window.showInformationMessage(`Worktrees ready: ${report.outcomes.map((o) => `${o.skill} (${o.status})`).join(', ')}.`);
    }
  }
  await refreshAll(ctx);
  return reports;
}

/** One folder's setup; a worktree root in a temporary folder is used only once the person agrees. */
async function setupIn(ctx: CommandContext, store: SkillsStore, skills: string[]): Promise<SetupReport | CommandRefusal> {
  const run = (allowTempRoot: boolean) =>
    withCancellableProgress(`Setting up worktrees for ${skills.join(', ')}`, (signal, report) =>
      setupFlow(store.folder.uri.fsPath, {
        skills,
        signal,
        allowTempRoot,
        worktreeRoot: settings(store.folder).worktreeRoot || undefined,
        skillsLocation: settings(store.folder).skillsLocation,
        onProgress: (p) => report(`${p.skill ?? ''} ${p.message}`.trim()),
      }),
    );
  try {
    return await run(false);
  } catch (e) {
    if (!(e instanceof GitFlowError) || e.code !== 'WORKTREE_ROOT_IN_TEMP') throw e;
    const question = `${e.message}\n\nUse it anyway? Work in worktrees there can be lost when the system empties that folder.`;
    if ((await confirm(ctx, question, 'Use Temporary Folder')) !== 'Use Temporary Folder') return refused(e.message, 'cancelled');
    return run(true);
  }
}
