/** What the Insights view shows, from a repository's history (no `vscode`: the unit test builds it too). */
import { loadEnvironments } from '../../core/environments';
import { gitCommonDir } from '../../core/git/git';
import { loadHistory } from '../../core/history/read';
import { buildReport } from '../../core/insight/metrics';
import { levelOf, SOP_THRESHOLDS } from '../../core/insight/sop';
import { DEFAULT_WINDOW, parseSince } from '../../core/insight/window';
import type { InsightsData } from './protocol';

export async function insightsFor(repoRoot: string, since = DEFAULT_WINDOW, now = Date.now()): Promise<InsightsData> {
  const common = await gitCommonDir(repoRoot);
  if (!common) throw new Error(`${repoRoot} is not inside a git repository: the deployment history lives in its git directory.`);
  const envs = await loadEnvironments(repoRoot).catch(() => undefined);
  const history = await loadHistory(common, envs?.defaultName ?? 'staging');
  const from = parseSince(since, now);
  const report = buildReport(history.records, { since: from, until: new Date(now) });
  const points = history.records.flatMap((r) => {
    const at = Date.parse(r.at);
    if (r.kind !== 'deploy' || r.durationMs === undefined || at < from.getTime()) return [];
    const level = levelOf(r.durationMs, SOP_THRESHOLDS.deployTimeMs);
    return [{ skill: r.skill, environment: r.environment, at, durationMs: r.durationMs, outcome: r.outcome, level }];
  });
  return { repository: repoRoot, report, points, thresholds: SOP_THRESHOLDS, skipped: history.skipped };
}
