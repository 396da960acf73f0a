import * as vscode from 'vscode';
import type { SmokeResult } from '../../../core/smoke';
import type { CommandContext } from '../context';
import { withCancellableProgress } from '../support/progress';
import { refused, type CommandRefusal } from '../support/refusal';
import { chooseSkills, skillRefs } from '../support/skillRefs';
import { walkthrough } from '../support/walkthroughContext';

/** `odoobo.test`: smoke-tests the named skills in parallel; from the palette, the deployed ones chosen. */
export async function testSkills(ctx: CommandContext, arg?: unknown, selection?: unknown): Promise<SmokeResult[] | CommandRefusal> {
  let jobs = skillRefs(ctx, arg, selection);
  // A skill whose last deploy failed while the previous deployment still serves can be tested too.
  const deployed = (r: { name: string }) => !!ctx.deployments.state(r.name)?.liveUrl;
  if (jobs.length === 0 && !ctx.stores().some((store) => store.model?.skills.some((v) => deployed({ name: v.skill.name })))) {
    void vscode.window.showInformationMessage('No skill is live on this target yet: deploy one first (Odoobo: Deploy Skills…).');
    return refused('no deployed skill to test');
  }
  if (jobs.length === 0) jobs = await chooseSkills(ctx, 'Test which skills?', deployed);
  if (jobs.length === 0) return refused('no skill chosen', 'cancelled');
  const results = await withCancellableProgress('Testing skills', (signal) =>
    Promise.all(jobs.map((j) => ctx.deployments.test(j.store, j.name, signal))),
  );
  walkthrough.mark('tested');
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
