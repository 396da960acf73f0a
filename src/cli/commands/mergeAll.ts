/**
 * `odoobo merge` with no skill, as the guide's script did: every skill is checked against the merge preconditions;
 * those that pass are merged one after another, the others are listed with every unmet precondition.
 */
import { checkMergePreconditions, GIT_FLOW_MITIGATIONS, mergeSkills, type MergeResult } from '../../core/git/flows';
import type { FlowProblem } from '../../core/git/flows/errors';
import type { Skill } from '../../core/skills/loadSkills';
import type { CliIO } from '../command';

export interface NotReady {
  skill: string;
  unmet: FlowProblem[];
}

/** The skills that pass the preconditions are merged; `notReady` says why the others were not tried. */
export async function mergeReady(
  root: string,
  skills: readonly Skill[],
  options: Parameters<typeof mergeSkills>[2] & object,
  io: CliIO,
  quiet: boolean,
): Promise<{ results: MergeResult[]; notReady: NotReady[] }> {
  const notReady: NotReady[] = [];
  const ready: string[] = [];
  for (const s of skills) {
    const pre = await checkMergePreconditions(root, s.name, { target: options.target, signal: options.signal });
    if (pre.unmet.length) notReady.push({ skill: s.name, unmet: pre.unmet });
    else ready.push(s.name);
  }
  if (!quiet) {
    io.out(ready.length ? `Ready to merge (${ready.length}): ${ready.join(', ')}` : 'No skill is ready to merge.');
    if (notReady.length) io.out(`Not ready (${notReady.length}):`);
    for (const n of notReady) {
      io.out(`  ${n.skill}:`);
      for (const u of n.unmet) io.out(`    ${u.code}: ${u.message} → ${GIT_FLOW_MITIGATIONS[u.code]}`);
    }
  }
  const results = ready.length ? await mergeSkills(root, ready, options) : [];
  return { results, notReady };
}
