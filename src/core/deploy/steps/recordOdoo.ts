/** The note on the skill's Odoo task (when Odoo is configured and the skill has a task). */
import { deployNote, postOnTask } from '../odoo';
import type { Ending } from '../outcomes';
import type { DeployRun } from '../run';
import type { OdooPostResult } from '../types';
import type { RecordNotes } from './recordStatusFile';

export async function postToOdoo(run: DeployRun, ending: Ending): Promise<RecordNotes & { odoo?: OdooPostResult }> {
  const out: RecordNotes & { odoo?: OdooPostResult } = { notes: [], problems: [] };
  const odoo = run.session.options.odoo;
  const { skill, app, deploymentId, commit } = ending.facts;
  if (!odoo || !skill) return out;
  const taskId = typeof odoo.taskId === 'function' ? odoo.taskId(run.skillName, skill.manifest) : odoo.taskId;
  if (taskId === undefined) return out;
  const status = ending.kind === 'succeeded-but-canceled' ? 'canceled (live)' : ending.kind;
  const note = deployNote({
    skill: run.skillName,
    status,
    target: run.session.target,
    liveUrl: app?.liveUrl,
    deploymentId,
    commit,
    error: ending.error?.toJSON(),
    rollback: ending.rollback,
  });
  try {
    const messageId = await postOnTask(odoo, taskId, note);
    out.odoo = { posted: true, taskId, ...(messageId !== undefined ? { messageId } : {}) };
    out.notes.push(`posted on Odoo task ${taskId}`);
  } catch (e) {
    out.odoo = { posted: false, taskId, error: (e as Error).message };
    out.problems.push(`ODOO_WRITEBACK_FAILED: ${(e as Error).message}`);
  }
  return out;
}
