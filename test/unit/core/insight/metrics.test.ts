import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HistoryRecord } from '../../../../src/core/history/schema';
import { buildReport, computeMetrics, median, percentile, slowDeployments } from '../../../../src/core/insight/metrics';
import { parseSince } from '../../../../src/core/insight/window';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const MIN = 60_000;
let n = 0;

/** One deploy record; `steps` are [name, ms] pairs. */
function rec(over: Partial<HistoryRecord> & { stepsMs?: Array<[string, number]> } = {}): HistoryRecord {
  const { stepsMs, ...rest } = over;
  n++;
  return {
    v: 1,
    id: `r${n}`,
    kind: 'deploy',
    skill: 'alpha',
    environment: 'staging',
    target: 'local',
    at: new Date(T0 + n * MIN).toISOString(),
    durationMs: 5 * MIN,
    outcome: 'succeeded',
    steps: (stepsMs ?? []).map(([name, durationMs]) => ({ name, status: 'succeeded', durationMs })),
    ...rest,
  };
}

const many = (count: number, over: Partial<HistoryRecord> = {}) => Array.from({ length: count }, () => rec(over));

describe('rates against the SOP thresholds, at their boundaries', () => {
  it('1 failure in 50 is exactly 2 %: success 98 %, ok', () => {
    const m = computeMetrics([...many(49), rec({ outcome: 'failed' })], 30);
    assert.deepEqual(m.failureRate, { value: 0.02, level: 'ok' });
    assert.deepEqual(m.successRate, { value: 0.98, level: 'ok' });
  });

  it('2 failures in 51 is over 2 %: warning; exactly 5 % is still warning; over 5 % critical', () => {
    assert.equal(computeMetrics([...many(49), ...many(2, { outcome: 'failed' })], 30).failureRate?.level, 'warning');
    const five = computeMetrics([...many(19), rec({ outcome: 'failed' })], 30);
    assert.deepEqual(five.failureRate, { value: 0.05, level: 'warning' });
    assert.equal(five.successRate?.level, 'warning');
    const over = computeMetrics([...many(18), ...many(2, { outcome: 'failed' })], 30);
    assert.deepEqual(over.failureRate, { value: 0.1, level: 'critical' });
    assert.equal(over.level, 'critical');
  });

  it('rollback rate counts automatic rollbacks that ran and manual ones; canceled deploys are in no rate', () => {
    const rolled = rec({ outcome: 'rolled-back', rollback: { trigger: 'automatic', status: 'succeeded' } });
    const skipped = rec({ outcome: 'failed', rollback: { trigger: 'automatic', status: 'skipped' } });
    const manual = rec({ kind: 'rollback', rollback: { trigger: 'manual', status: 'succeeded' } });
    const m = computeMetrics([...many(48), rolled, skipped, ...many(3, { outcome: 'canceled' })], 30);
    assert.deepEqual([m.deploys, m.succeeded, m.failed, m.rolledBack, m.canceled, m.rollbacks], [53, 48, 1, 1, 3, 1]);
    assert.deepEqual(m.rollbackRate, { value: 0.02, level: 'ok' });
    assert.deepEqual(m.failureRate, { value: 0.04, level: 'warning' });
    const m2 = computeMetrics([...many(49), rolled, manual], 30);
    assert.deepEqual(m2.rollbackRate, { value: 0.04, level: 'warning' });
    assert.deepEqual(computeMetrics([...many(48), rolled, rolled, manual], 30).rollbackRate?.level, 'critical');
  });
});

describe('deployment time and stages', () => {
  it('median and p90 (nearest rank) of successful deploys; 10 min is ok, a ms more is a warning, over 15 min critical', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => rec({ durationMs: k * MIN }));
    const m = computeMetrics([...ten, rec({ outcome: 'failed', durationMs: 60 * MIN })], 30);
    assert.deepEqual(m.medianDeployMs, { value: 5.5 * MIN, level: 'ok' });
    assert.deepEqual(m.p90DeployMs, { value: 9 * MIN, level: 'ok' });
    assert.deepEqual(computeMetrics([rec({ durationMs: 10 * MIN })], 30).medianDeployMs, { value: 10 * MIN, level: 'ok' });
    assert.equal(computeMetrics([rec({ durationMs: 10 * MIN + 1 })], 30).p90DeployMs?.level, 'warning');
    assert.equal(computeMetrics([rec({ durationMs: 15 * MIN })], 30).p90DeployMs?.level, 'warning');
    assert.equal(computeMetrics([rec({ durationMs: 15 * MIN + 1 })], 30).p90DeployMs?.level, 'critical');
    assert.equal(median([]), undefined);
    assert.equal(percentile([3, 1, 2], 0.9), 3);
    assert.equal(percentile([5], 0.9), 5);
  });

  it("each stage's median against the SOP table: update spec is prepare + validate; at the budget ok, over it a warning", () => {
    const records = [
      rec({ stepsMs: [['prepare', 4_000], ['validate', 6_000], ['monitor', 480_000], ['health', 20_000]] }),
      rec({ stepsMs: [['prepare', 5_000], ['validate', 6_000], ['monitor', 480_001], ['health', 40_000]] }),
      rec({ stepsMs: [['prepare', 5_000], ['validate', 5_001], ['monitor', 480_001], ['health', 30_000]] }),
    ];
    const stages = Object.fromEntries(computeMetrics(records, 30).stages.map((s) => [s.stage, s]));
    assert.deepEqual(stages['update spec'], { stage: 'update spec', budgetMs: 10_000, count: 3, medianMs: 10_001, level: 'warning' });
    const build = { stage: 'build & deploy', budgetMs: 480_000, count: 3, medianMs: 480_001, level: 'warning' };
    assert.deepEqual(stages['build & deploy'], build);
    assert.deepEqual(stages.health, { stage: 'health', budgetMs: 30_000, count: 3, medianMs: 30_000, level: 'ok' });
    assert.deepEqual(stages.apply, { stage: 'apply', budgetMs: 30_000, count: 0, level: 'ok' });
  });

  it('flags deployments over 10 min or with a stage over budget, slowest first', () => {
    const slow = slowDeployments([
      rec({ durationMs: 16 * MIN }),
      rec({ durationMs: 2 * MIN, stepsMs: [['traffic', 10_001]] }),
      rec({ durationMs: 10 * MIN, stepsMs: [['traffic', 10_000]] }),
      rec({ durationMs: 11 * MIN }),
    ]);
    assert.deepEqual(
      slow.map((s) => [s.durationMs / MIN, s.level, s.stagesOver.map((x) => x.stage)]),
      [[16, 'critical', []], [11, 'warning', []], [2, 'ok', ['traffic switch']]],
    );
  });
});

describe('MTTR, frequency and grouping', () => {
  it('MTTR runs from the first failure to the end of the next successful deploy, per skill and environment', () => {
    const at = (m: number) => new Date(T0 + m * MIN).toISOString();
    const records = [
      rec({ at: at(0), durationMs: 2 * MIN, outcome: 'failed' }), // ends at 2
      rec({ at: at(10), durationMs: 2 * MIN, outcome: 'rolled-back' }), // a second failure: the outage began at 2
      rec({ at: at(30), durationMs: 4 * MIN }), // recovered at 34: 32 min
      rec({ skill: 'beta', at: at(5), durationMs: 1 * MIN, outcome: 'failed' }), // ends at 6
      rec({ skill: 'beta', at: at(20), durationMs: 2 * MIN }), // recovered at 22: 16 min
      rec({ skill: 'gamma', at: at(40), durationMs: 1 * MIN, outcome: 'failed' }), // not recovered
    ];
    const m = computeMetrics(records, 3);
    assert.equal(m.mttrMs, 24 * MIN);
    assert.equal(m.recoveries, 2);
    assert.equal(m.unrecovered, 1);
    assert.equal(m.deploysPerDay, 2);
  });

  it('the report keeps the window and the environment, and groups per skill and per environment', () => {
    const records = [
      rec({ at: '2026-02-01T00:00:00.000Z' }),
      rec({ at: '2026-03-10T00:00:00.000Z' }),
      rec({ at: '2026-03-11T00:00:00.000Z', skill: 'beta', outcome: 'failed' }),
      rec({ at: '2026-03-12T00:00:00.000Z', environment: 'production' }),
    ];
    const until = new Date('2026-03-31T00:00:00.000Z');
    const since = parseSince('30d', until.getTime());
    const r = buildReport(records, { since, until });
    assert.equal(r.overall.deploys, 3);
    assert.equal(r.overall.deploysPerDay, 0.1);
    assert.deepEqual(Object.keys(r.bySkill), ['alpha', 'beta']);
    assert.deepEqual(Object.keys(r.byEnvironment), ['production', 'staging']);
    assert.equal(r.bySkill.beta.failureRate?.value, 1);
    const prod = buildReport(records, { since, until, environment: 'production' });
    assert.equal(prod.overall.deploys, 1);
    assert.equal(prod.environment, 'production');
  });

  it('reads --since as a duration or a date, and names the option when it cannot', () => {
    const now = Date.parse('2026-03-31T00:00:00.000Z');
    assert.equal(parseSince('30d', now).toISOString(), '2026-03-01T00:00:00.000Z');
    assert.equal(parseSince('12h', now).toISOString(), '2026-03-30T12:00:00.000Z');
    assert.equal(parseSince('2w', now).toISOString(), '2026-03-17T00:00:00.000Z');
    assert.equal(parseSince('2026-03-15', now).toISOString(), '2026-03-15T00:00:00.000Z');
    assert.throws(() => parseSince('a month', now), /--since expects .*"a month"/);
    assert.throws(() => parseSince('0d', now), /--since/);
  });
});
