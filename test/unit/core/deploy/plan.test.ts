/**
 * Deploy plans against the real local App Platform (simulated components): a concurrency cap, carry-on and
 * stop-on-first-failure (in-flight deployments canceled ON THE SERVER), cancel of a whole plan, a 20-skill plan
 * through a storm of 429s, and one request budget for the plan with monitoring that costs one request per poll.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { planDeploy, type DeployEvent, type PlanEvent } from '../../../../src/core/deploy';
import { DeployFixture, EventLog, expectResult, stepNames } from '../../../builders/deploy';

const names = (n: number, prefix = 's') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('planDeploy: many skills at once', () => {
  let fx: DeployFixture;
  const SKILLS = [...names(20), 'bad', 'slow'];

  before(async () => {
    fx = await DeployFixture.start({ skills: SKILLS, faults: { simulate: true, buildMs: 300, deployMs: 150 } });
    await fx.editSpec('bad', (t) => t.replace('apps-s-1vcpu-0.5gb', '<instance-size>'));
  });
  after(async () => {
    await fx?.stop();
  });

  it('runs under the concurrency cap, carries on past a failure, reports per skill (tagged events) and in total', async () => {
    const log = new EventLog();
    const plan: PlanEvent[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const listener = (e: DeployEvent) => {
      log.listener(e);
      if (e.type === 'deploy-started') maxInFlight = Math.max(maxInFlight, ++inFlight);
      if (e.type === 'deploy-finished') inFlight--;
    };
    const skills = ['s00', 's01', 'bad', 's02', 's03', 's04'];
    const r = await planDeploy({ ...fx.options({ onEvent: listener }), skills, concurrency: 2, onPlanEvent: (e) => plan.push(e) });
    assert.equal(maxInFlight, 2, 'never more than the cap at once');
    assert.deepEqual(r.results.map((x) => x.skill), skills, 'results in the order asked');
    assert.deepEqual({ succeeded: r.succeeded, failed: r.failed, canceled: r.canceled, rolledBack: r.rolledBack }, { succeeded: 5, failed: 1, canceled: 0, rolledBack: 0 });
    expectResult(r.results[2], 'failed', 'PLACEHOLDER_VALUES');
    for (const skill of skills) {
      const finished = log.of('deploy-finished', skill);
      assert.equal(finished.length, 1, `one deploy-finished for ${skill}`);
      assert.ok(log.of('step-started', skill).length >= 3, `step events tagged ${skill}`);
    }
    assert.deepEqual(plan.map((e) => e.type), ['plan-started', 'plan-finished']);
    assert.ok(r.durationMs > 0);
  });

  it('failFast: the first failure starts no new skill and cancels the deployments in flight ON THE SERVER', async () => {
    await fx.patchFaults({ buildMs: 4_000 });
    try {
      const log = new EventLog();
      // `slow` is building when `bad` fails its lint a moment later.
      const skills = ['slow', 'bad', 's05', 's06'];
      const t0 = Date.now();
      const r = await planDeploy({ ...fx.options({ onEvent: log.listener }), skills, concurrency: 2, failFast: true });
      assert.ok(Date.now() - t0 < 3_500, 'did not wait for the slow build');
      expectResult(r.results[1], 'failed', 'PLACEHOLDER_VALUES');
      const slow = r.results[0];
      expectResult(slow, 'canceled', 'DEPLOY_CANCELED');
      assert.match(slow.error!.message, /the plan stopped because bad failed/);
      assert.equal((await fx.deployment(slow.appId!, slow.deploymentId!)).phase, 'CANCELED', 'canceled on the server');
      for (const x of r.results.slice(2)) {
        expectResult(x, 'canceled', 'DEPLOY_CANCELED');
        assert.match(x.error!.message, /not started: the plan stopped because bad failed/);
        assert.deepEqual(x.steps, []);
        assert.equal(await fx.app(x.skill), undefined, `${x.skill} never reached App Platform`);
      }
      assert.deepEqual({ succeeded: r.succeeded, failed: r.failed, canceled: r.canceled }, { succeeded: 0, failed: 1, canceled: 3 });
    } finally {
      await fx.patchFaults({ buildMs: 300 });
    }
  });

  it('cancel (AbortSignal) of a running plan cancels every in-flight deployment on the server; the rest never start', async () => {
    await fx.patchFaults({ buildMs: 4_000 });
    try {
      const ac = new AbortController();
      const log = new EventLog();
      let building = 0;
      const listener = (e: DeployEvent) => {
        log.listener(e);
        if (e.type === 'phase-changed' && e.to === 'BUILDING' && ++building === 3) ac.abort();
      };
      const r = await planDeploy({ ...fx.options({ onEvent: listener, signal: ac.signal }), skills: ['s07', 's08', 's09', 's10', 's11'], concurrency: 3 });
      const started = r.results.filter((x) => x.deploymentId);
      assert.equal(started.length, 3);
      for (const x of started) {
        expectResult(x, 'canceled', 'DEPLOY_CANCELED');
        assert.equal((await fx.deployment(x.appId!, x.deploymentId!)).phase, 'CANCELED', `${x.skill} canceled on the server`);
      }
      for (const x of r.results.filter((y) => !y.deploymentId)) assert.match(x.error!.message, /not started: the plan was canceled/);
      assert.equal(r.canceled, 5);
      assert.deepEqual(await fx.inflight(), []);
    } finally {
      await fx.patchFaults({ buildMs: 300 });
    }
  });

  it('a 20-skill plan finishes through a storm of 429s (retry-after honoured); one budget, ≤ 250 requests in any minute', async () => {
    const skills = names(20);
    fx.budget.resetCount();
    // Three bursts of 429 too_many_requests (retry-after: 1), 12 answers each: at the start (lookups, proposes), after
    // the 5th skill finished and after the 12th (monitoring, traffic checks, updates of the next skills).
    let answered429 = 0;
    fx.client.onRateLimit((info) => {
      if (info.remaining === 0) answered429++;
    });
    const burst = () => fx.patchFaults({ tooManyRequests: { count: 12, retryAfterSeconds: 1 } });
    await burst();
    let finished = 0;
    const onEvent = (e: DeployEvent) => {
      if (e.type === 'deploy-finished' && (++finished === 5 || finished === 12)) void burst().catch(() => undefined);
    };
    let r;
    try {
      r = await planDeploy({ ...fx.options({ onEvent }), skills, concurrency: 5 });
    } finally {
      await fx.patchFaults({ tooManyRequests: { count: 0 } });
    }
    assert.ok(answered429 >= 30, `the plan met the storm: ${answered429} answers were 429`);
    for (const x of r.results) expectResult(x, 'succeeded');
    assert.equal(r.succeeded, 20);
    assert.ok(fx.budget.maxInWindow(60_000) <= 250, `max requests in a 60-s window: ${fx.budget.maxInWindow(60_000)}`);
    assert.ok(fx.budget.count > 20 * 3, 'the retries were counted too');
  });

  it('monitoring is coalesced: N deployments in flight cost one request per poll, not N', async () => {
    const skills = names(20);
    fx.budget.resetCount();
    const r = await planDeploy({ ...fx.options(), skills, concurrency: 20 });
    assert.equal(r.succeeded, 20, JSON.stringify(r.results.filter((x) => x.status !== 'succeeded').map((x) => [x.skill, x.error, stepNames(x)])));
    const perDeployment = fx.budget.count / 20;
    // propose + update are per skill (2); the lookups, polls and traffic checks of 20 skills share requests.
    assert.ok(perDeployment < 4, `requests per deployment: ${perDeployment.toFixed(2)} (${fx.budget.count} in all)`);
  });
});
