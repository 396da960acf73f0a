import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HistoryStore } from '../../../../src/core/history/store';
import { insightsFor } from '../../../../src/vscode/insights/data';
import { parseInsightsMessage } from '../../../../src/vscode/insights/protocol';
import { entryFor } from '../../../builders/historyWriter';
import { RepoFixture } from '../../../builders/repo';

const MIN = 60_000;

describe('Insights data', () => {
  let repo: RepoFixture;
  const now = Date.parse('2026-03-31T00:00:00.000Z');
  before(async () => {
    repo = await RepoFixture.create({ prefix: 'odoobo-insights-' });
    const store = new HistoryStore(path.join(repo.dir, '.git'));
    await store.append({ ...entryFor('alpha', 0), at: '2026-03-10T00:00:00.000Z', durationMs: 4 * MIN });
    await store.append({ ...entryFor('alpha', 1), at: '2026-03-11T00:00:00.000Z', durationMs: 11 * MIN });
    await store.append({ ...entryFor('beta', 0), at: '2026-03-12T00:00:00.000Z', durationMs: 16 * MIN, outcome: 'failed' });
    await store.append({ ...entryFor('beta', 1), at: '2026-01-01T00:00:00.000Z', durationMs: 1 * MIN });
  });
  after(() => repo?.remove());

  it('gives the chart points of the window, each with its SOP level, and the report', async () => {
    const d = await insightsFor(repo.dir, '30d', now);
    const points = d.points.map((p) => [p.skill, p.durationMs / MIN, p.level]);
    assert.deepEqual(points, [['alpha', 4, 'ok'], ['alpha', 11, 'warning'], ['beta', 16, 'critical']]);
    assert.equal(d.report.overall.deploys, 3);
    assert.equal(d.thresholds.deployTimeMs.warning, 10 * MIN);
    assert.deepEqual(d.report.slow.map((s) => s.skill), ['beta', 'alpha']);
  });

  it('accepts only the messages the webview sends', () => {
    assert.deepEqual(parseInsightsMessage({ type: 'rendered', charts: 3, tables: 4 }), { type: 'rendered', charts: 3, tables: 4 });
    const csp = { type: 'csp', directive: 'script-src', blocked: 'inline' };
    assert.deepEqual(parseInsightsMessage(csp), csp);
    assert.equal(parseInsightsMessage({ type: 'rendered', charts: '3' }), undefined);
    assert.equal(parseInsightsMessage('ready'), undefined);
  });
});
