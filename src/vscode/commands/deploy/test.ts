import * as vscode from 'vscode';
import type { SmokeResult } from '../../../core/smoke';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../shared/progress';
import { refused, type CommandRefusal } from '../shared/refusal';
import { allSkillRefs, skillRefs } from '../shared/skillRefs';

/** `odoobo.test`: smoke-tests the named skills, or every active one, in parallel. */
export async function testSkills(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<SmokeResult[] | CommandRefusal> {
  let jobs = skillRefs(ctx, arg, selection);
  if (jobs.length === 0) jobs = allSkillRefs(ctx).filter((r) => ctx.deployments.state(r.name)?.phase === 'active');
  if (jobs.length === 0) return refused('no deployed skill to test');
  const results = await withCancellableProgress('Testing skills', (signal) =>
    Promise.all(jobs.map((j) => ctx.deployments.test(j.store, j.name, signal))),
  );
  const failed = results.filter((r) => !r.passed);
  if (failed.length) {
    const why = (r: SmokeResult) => r.checks.filter((c) => c.status !== 'passed').map((c) => `${c.name}: ${c.message}`).join('; ');
    void vscode.window.showErrorMessage(`Smoke tests failed: ${failed.map((r) => `${r.skill} (${why(r)})`).join(', ')}`);
  } else {
    const passed = results.map((r) => `${r.skill} (${r.checks.length} checks)`).join(', ');
    void vscode.window.showInformationMessage(`Smoke tests passed: ${passed}.`);
  }
  return results;
}
