/** Which skills the bulk `odoobo rollback` undoes, as far as the history tells (the CLI adds the live health checks). */
import type { HistoryRecord } from '../history/schema';

/** Steps after the new version went ACTIVE: a failure there left it serving. */
const AFTER_LIVE = new Set(['health', 'traffic', 'post-deploy']);

/**
 * Skills whose latest deploy or rollback in `environment` is a deploy that failed after going live and was not rolled
 * back (automatic rollback off, impossible or failed), with why.
 */
export function failedAfterLive(records: readonly HistoryRecord[], environment: string): Map<string, string> {
  const latest = new Map<string, HistoryRecord>();
  for (const r of records) {
    if (r.environment !== environment) continue;
    const seen = latest.get(r.skill);
    if (!seen || Date.parse(r.at) >= Date.parse(seen.at)) latest.set(r.skill, r);
  }
  const out = new Map<string, string>();
  for (const [skill, r] of latest) {
    if (r.kind !== 'deploy' || r.outcome !== 'failed' || !r.step || !AFTER_LIVE.has(r.step)) continue;
    if (r.rollback?.status === 'succeeded') continue;
    const rb = r.rollback ? `; its automatic rollback ${r.rollback.status === 'skipped' ? 'was skipped' : 'failed'}` : '';
    const id = r.deploymentId ? `deployment ${r.deploymentId}` : 'its latest deployment';
    out.set(skill, `${id} failed at ${r.step}${r.code ? ` (${r.code})` : ''} after going live${rb}`);
  }
  return out;
}
