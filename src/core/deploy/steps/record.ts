/**
 * Step 9, the end of every run however it ended: the status file and the in-flight record (separate files, written
 * at the same time), then the note on Odoo. What could not be written is a warning, never a reason for `failed`.
 */
import { resultOf, type Ending } from '../outcomes';
import type { DeployRun } from '../run';
import type { DeployResult } from '../types';
import { recordHistory } from './recordHistory';
import { removeInflight } from './recordInflight';
import { postToOdoo } from './recordOdoo';
import { writeStatusFile } from './recordStatusFile';

export async function record(run: DeployRun, ending: Ending): Promise<DeployResult> {
  const t0 = Date.now();
  run.session.emit({ type: 'step-started', skill: run.skillName, step: 'record', at: t0 });
  const now = new Date().toISOString();
  const [status, inflightProblems, history] = await Promise.all([
    writeStatusFile(run, ending, now),
    removeInflight(run, ending.facts.inflight),
    recordHistory(run, ending, now),
  ]);
  const odoo = await postToOdoo(run, ending);
  const notes = [...status.notes, ...history.notes, ...odoo.notes];
  const problems = [...status.problems, ...inflightProblems, ...history.problems, ...odoo.problems];
  run.warnings.push(...problems);
  const failed = problems.some((p) => p.startsWith('STATUS_FILE_FAILED'));
  run.recordStep('record', failed ? 'failed' : 'succeeded', t0, [...notes, ...problems].join('; ') || undefined);
  return resultOf(run, ending, odoo.odoo);
}
