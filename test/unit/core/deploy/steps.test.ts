/**
 * The deployment procedure for one skill against the real local App Platform over HTTP, with simulated components
 * (fault `simulate`: no processes; each component answers with the deployment that serves it) and phase durations
 * from fault injection. Every step's failure path: its code, its step, a mitigation, and the previous deployment still
 * serving (verified: the app's active deployment is the old one and the live URL answers 200).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deploySkill, deployLockFile, DeployTimings, type DeployResult } from '../../../../src/core/deploy';
import { DeploySession } from '../../../../src/core/deploy/session';
import { DeployFixture, EventLog, expectResult, startOdoo, stepNames, waitFor } from '../../../builders/deploy';

const SKILLS = ['alpha', 'beta', 'gamma', 'delta'];

describe('deploySkill: the nine steps against the local App Platform (simulated components)', () => {
  let fx: DeployFixture;
  const first: Record<string, DeployResult> = {};

  before(async () => {
    fx = await DeployFixture.start({ skills: SKILLS, faults: { simulate: true, buildMs: 150, deployMs: 100 } });
  });
  after(async () => {
    await fx?.stop();
  });

  /** Deploys `skill` and asserts the previous deployment still serves the live URL afterwards. */
  const previousServes = async (r: DeployResult, previous: DeployResult) => {
    assert.equal(r.previousStillServing, true, `previousStillServing: ${JSON.stringify(r.steps)}`);
    assert.equal(r.previousDeploymentId, previous.deploymentId);
    const app = await fx.app(previous.skill);
    const served = await fx.health(app.live_url);
    assert.equal(served.status, 200);
    assert.equal(served.json.deployment_id, app.active_deployment.id, 'the live URL serves the active deployment');
    assert.equal(app.active_deployment.id, (await fx.statusFile()).skills[previous.skill].lastDeployment!.deploymentId, 'what serves is what the status file says');
  };

  it('a first deploy creates the app and runs the nine steps, timed, as events; the status file records it', async () => {
    const log = new EventLog();
    const r = await deploySkill({ ...fx.options({ onEvent: log.listener }), skill: 'alpha' });
    expectResult(r, 'succeeded');
    assert.deepEqual(stepNames(r), ['lock', 'prepare', 'validate', 'apply', 'create', 'monitor', 'health', 'traffic', 'record'].map((s) => `${s}:succeeded`));
    for (const s of r.steps) {
      assert.ok(s.durationMs >= 0 && Number.isFinite(Date.parse(s.startedAt)), `${s.name} is timed`);
    }
    assert.equal(r.steps.find((s) => s.name === 'apply')?.message, 'created the app');
    assert.match(r.steps.find((s) => s.name === 'create')!.message!, /started by the spec update|deployment/);
    assert.equal(r.previousDeploymentId, undefined, 'a new app has no previous deployment');
    assert.match(r.commit ?? '', /^[0-9a-f]{40}$/);
    assert.equal(r.phase, 'ACTIVE');

    // Events: every step starts before it finishes, in order; phases as they changed; progress with flattened steps.
    const seq = log.events.filter((e) => e.type === 'step-started' || e.type === 'step-finished').map((e) => `${e.type === 'step-started' ? '>' : '<'}${(e as { step: string }).step}`);
    const steps = r.steps.map((s) => s.name);
    assert.deepEqual(seq, steps.flatMap((s) => [`>${s}`, `<${s}`]));
    assert.ok(log.events.every((e) => e.skill === 'alpha'), 'every event is tagged with the skill');
    assert.deepEqual(log.phases().slice(-1), ['ACTIVE']);
    const progress = log.of('deployment-progress');
    assert.ok(progress.length >= 2, 'progress reported as it changed');
    const last = progress[progress.length - 1];
    assert.match(last.summary, /^ACTIVE: 6\/6 steps succeeded/);
    assert.ok(last.steps.some((s) => s.path === 'build › initialize' && s.status === 'SUCCESS' && s.depth === 1));
    assert.equal(new Set(progress.map((p) => JSON.stringify(p.steps) + p.phase)).size, progress.length, 'only changes are reported');
    assert.equal(log.of('deploy-finished')[0].result, r);

    // What serves, what is recorded, nothing left in flight, the lock released.
    const served = await fx.health(r.liveUrl!);
    assert.equal(served.status, 200);
    assert.equal(served.json.deployment_id, r.deploymentId);
    const s = (await fx.statusFile()).skills.alpha;
    assert.deepEqual(
      { target: s.lastDeployment?.target, appId: s.lastDeployment?.appId, deploymentId: s.lastDeployment?.deploymentId, phase: s.lastDeployment?.phase, commit: s.lastDeployment?.commit, liveUrl: s.lastDeployment?.liveUrl },
      { target: 'local', appId: r.appId, deploymentId: r.deploymentId, phase: 'ACTIVE', commit: r.commit, liveUrl: r.liveUrl },
    );
    assert.deepEqual(s.deployments?.local, s.lastDeployment);
    const dep = await fx.deployment(r.appId!, r.deploymentId!);
    assert.equal(s.lastDeployment?.durationMs, Date.parse(dep.phase_last_updated_at) - Date.parse(dep.created_at), 'how long App Platform took, by its clock');
    assert.deepEqual(await fx.inflight(), []);
    await assert.rejects(fs.stat(deployLockFile(path.join(fx.repoDir, '.git'), 'alpha')), /ENOENT/);
    first.alpha = r;
  });

  it('a new session (a reloaded window, a new CLI run) paces its polling by the durations the status file recorded', async () => {
    const recorded = (await fx.statusFile()).skills.alpha.deployments?.local?.durationMs;
    assert.ok(recorded && recorded > 0, 'the first deploy recorded its duration');
    const fresh = new DeploySession({ ...fx.options(), timings: new DeployTimings() });
    await fresh.seedTimings(['alpha', 'beta']);
    assert.equal(fresh.timings.expected('alpha'), recorded);
    assert.equal(fresh.timings.knows('beta'), false, 'a skill never deployed here learns nothing');
    const own = new DeployTimings();
    own.observe(1_234, 'alpha');
    const going = new DeploySession({ ...fx.options(), timings: own });
    await going.seedTimings(['alpha', 'beta']);
    assert.equal(going.timings.expected('alpha'), 1_234, 'what this session saw itself wins');
    const learned = new DeployTimings();
    learned.observe(2_345, 'beta');
    const skipping = new DeploySession({ ...fx.options(), timings: learned });
    await skipping.seedTimings(['beta']);
    assert.equal(skipping.timings.knows('alpha'), false, 'knowing every skill of its plan, it does not read the file');
    const elsewhere = new DeploySession({ ...fx.options(), target: 'digitalocean', timings: new DeployTimings() });
    await elsewhere.seedTimings(['alpha']);
    assert.equal(elsewhere.timings.knows('alpha'), false, 'another target has its own durations');
  });

  it('a redeploy: the spec is unchanged so a deployment is created; the previous one becomes SUPERSEDED', async () => {
    const r = await deploySkill({ ...fx.options(), skill: 'alpha', forceBuild: true });
    expectResult(r, 'succeeded');
    assert.equal(r.previousDeploymentId, first.alpha.deploymentId);
    assert.equal(r.steps.find((s) => s.name === 'apply')?.message, 'spec unchanged');
    // The spec the app runs was accepted when it was applied: validate asks App Platform nothing again.
    assert.equal(r.steps.find((s) => s.name === 'validate')?.message, 'spec unchanged: the app runs it already');
    assert.equal((await fx.deployment(r.appId!, first.alpha.deploymentId!)).phase, 'SUPERSEDED');
    assert.equal((await fx.deployment(r.appId!, r.deploymentId!)).cause, 'manual (force build)');
    first.alpha = r;
    // The other skills get their first deployment for the failure cases below.
    for (const skill of SKILLS.slice(1)) {
      first[skill] = await deploySkill({ ...fx.options(), skill });
      expectResult(first[skill], 'succeeded');
    }
  });

  it('lint errors stop at step 1 with APP_SPEC_SYNTAX_ERROR / PLACEHOLDER_VALUES / SPEC_VALIDATION_FAILED; nothing is deployed', async () => {
    const cases: Array<[string, (t: string) => string, string, RegExp]> = [
      ['APP_SPEC_SYNTAX_ERROR', (t) => t.replace('region: fra', 'region: [fra'), 'infra/beta.yaml', /infra\/beta\.yaml:\d+:\d+ APP_SPEC_SYNTAX_ERROR/],
      ['PLACEHOLDER_VALUES', (t) => t.replace('apps-s-1vcpu-0.5gb', '<instance-size>'), 'infra/beta.yaml', /PLACEHOLDER_VALUES/],
      ['SPEC_VALIDATION_FAILED', (t) => t.replace('instance_count: 1', 'instance_count: one'), 'infra/beta.yaml', /instance_count/],
    ];
    const app = await fx.app('beta');
    const before = (await fx.deployments(app.id)).length;
    for (const [code, edit, file, message] of cases) {
      await fx.editSpec('beta', edit);
      const r = await deploySkill({ ...fx.options(), skill: 'beta' });
      expectResult(r, 'failed', code);
      assert.equal(r.error!.step, 'prepare');
      assert.match(r.error!.message, message);
      const findings = r.error!.details!.findings as Array<{ file: string; line: number; code: string }>;
      assert.ok(findings.length >= 1 && findings.every((f) => f.file === file && f.line >= 1), JSON.stringify(findings));
      assert.deepEqual(stepNames(r), ['lock:succeeded', 'prepare:failed', 'verify:succeeded', 'record:succeeded']);
      await previousServes(r, first.beta);
      await fx.resetSpec('beta');
    }
    assert.equal((await fx.deployments(app.id)).length, before, 'no deployment was created');
    const attempt = (await fx.statusFile()).skills.beta as Record<string, any>;
    assert.equal(attempt.lastDeployAttempt.code, 'SPEC_VALIDATION_FAILED');
    assert.equal(attempt.lastDeployment.deploymentId, first.beta.deploymentId, 'lastDeployment stays what serves');
  });

  it('a changed spec is proposed before it is applied; an unchanged one is not', async () => {
    const proxy = await fx.proxy();
    const client = () => fx.newClient(proxy.url);
    const proposes = () => proxy.requests.filter((q) => q.method === 'POST' && q.path === '/v2/apps/propose').length;
    expectResult(await deploySkill({ ...fx.options({ client: client() }), skill: 'gamma', forceBuild: true }), 'succeeded');
    assert.equal(proposes(), 0);
    await fx.editSpec('gamma', (t) => t.replace('instance_count: 1', 'instance_count: 2'));
    try {
      const r = await deploySkill({ ...fx.options({ client: client() }), skill: 'gamma' });
      expectResult(r, 'succeeded');
      assert.equal(proposes(), 1);
      assert.equal(r.steps.find((s) => s.name === 'apply')?.message, 'updated the spec');
    } finally {
      await fx.resetSpec('gamma');
    }
    const back = await deploySkill({ ...fx.options({ client: client() }), skill: 'gamma' });
    expectResult(back, 'succeeded');
    assert.equal(proposes(), 2, 'the spec reset is a change too');
    first.gamma = back; // what serves now, for the cases below
  });

  it('what the linter passes but App Platform refuses (propose) fails step 2 with SPEC_VALIDATION_FAILED', async () => {
    // No run_command: a valid spec for DigitalOcean's buildpacks, refused by the local platform (nothing to run).
    await fx.editSpec('beta', (t) => t.replace(/^ {4}run_command: .*\n/m, ''));
    const r = await deploySkill({ ...fx.options(), skill: 'beta' });
    await fx.resetSpec('beta');
    expectResult(r, 'failed', 'SPEC_VALIDATION_FAILED');
    assert.equal(r.error!.step, 'validate');
    assert.match(r.error!.message, /apps_validate_appSpec/);
    await previousServes(r, first.beta);
  });

  it('a 5xx answer to the create-deployment call: DEPLOYMENT_CREATE_FAILED, not retried (it may have started)', async () => {
    const proxy = await fx.proxy();
    proxy.rule({ match: (q) => q.method === 'POST' && /^\/v2\/apps\/[^/]+\/deployments$/.test(q.path), times: 1, respond: { status: 503, body: { id: 'service_unavailable', message: 'upstream busy' } } });
    const r = await deploySkill({ ...fx.options({ client: fx.newClient(proxy.url) }), skill: 'beta' });
    expectResult(r, 'failed', 'DEPLOYMENT_CREATE_FAILED');
    assert.equal(r.error!.step, 'create');
    assert.match(r.error!.message, /503/);
    assert.equal(proxy.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/deployments')).length, 1, 'a POST that may have started a deployment is not repeated');
    await previousServes(r, first.beta);
  });

  it('a build failure: BUILD_FAILED at monitor with the failing progress step; the previous deployment still serves', async () => {
    await fx.patchFaults({ failBuilds: 1 });
    const r = await deploySkill({ ...fx.options(), skill: 'gamma' });
    expectResult(r, 'failed', 'BUILD_FAILED');
    assert.equal(r.error!.step, 'monitor');
    assert.equal(r.phase, 'ERROR');
    assert.match((r.error!.details!.failedStep as { path: string }).path, /^build › components › gamma$/);
    assert.match((r.error!.details!.failedStep as { reason: string }).reason, /BuildJobExitNonZero/);
    assert.deepEqual(stepNames(r).slice(-3), ['monitor:failed', 'verify:succeeded', 'record:succeeded']);
    await previousServes(r, first.gamma);
  });

  it('health checks failing inside App Platform: DEPLOY_ERROR; the previous deployment still serves', async () => {
    await fx.patchFaults({ failHealthChecks: 1 });
    const r = await deploySkill({ ...fx.options(), skill: 'gamma' });
    expectResult(r, 'failed', 'DEPLOY_ERROR');
    assert.match((r.error!.details!.failedStep as { reason: string }).reason, /DeployContainerHealthChecksFailed/);
    await previousServes(r, first.gamma);
  });

  it('a timeout (tiny timeout, slow build): DEPLOY_TIMEOUT; the deployment is canceled on the server', async () => {
    await fx.patchFaults({ buildMs: 5_000 });
    try {
      const t0 = Date.now();
      const r = await deploySkill({ ...fx.options({ timeoutMs: 400 }), skill: 'gamma' });
      expectResult(r, 'failed', 'DEPLOY_TIMEOUT');
      assert.ok(Date.now() - t0 < 4_000, 'did not wait for the build');
      assert.deepEqual(stepNames(r).slice(-4), ['monitor:failed', 'cancel:succeeded', 'verify:succeeded', 'record:succeeded']);
      assert.equal((await fx.deployment(r.appId!, r.deploymentId!)).phase, 'CANCELED');
      await previousServes(r, first.gamma);
    } finally {
      await fx.patchFaults({ buildMs: 150 });
    }
  });

  it('cancel (AbortSignal) during BUILDING cancels the deployment ON THE SERVER; the previous one still serves', async () => {
    await fx.patchFaults({ buildMs: 5_000 });
    try {
      const ac = new AbortController();
      const log = new EventLog();
      log.once((e) => e.type === 'phase-changed' && e.to === 'BUILDING', () => ac.abort());
      const t0 = Date.now();
      const r = await deploySkill({ ...fx.options({ onEvent: log.listener, signal: ac.signal }), skill: 'gamma' });
      expectResult(r, 'canceled', 'DEPLOY_CANCELED');
      assert.ok(Date.now() - t0 < 4_000, 'did not wait for the build');
      assert.equal(r.phase, 'CANCELED');
      const dep = await fx.deployment(r.appId!, r.deploymentId!);
      assert.equal(dep.phase, 'CANCELED', 'canceled on the server, not only locally');
      assert.ok(dep.progress.steps.some((s: any) => JSON.stringify(s).includes('DeploymentCanceled')));
      await previousServes(r, first.gamma);
      assert.deepEqual(await fx.inflight(), []);
    } finally {
      await fx.patchFaults({ buildMs: 150 });
    }
  });

  it('post-deploy checks fail → automatic rollback: the live URL serves the previous version again; the incident is recorded', async () => {
    const seen: any[] = [];
    const r = await deploySkill({
      ...fx.options({
        postDeploy: async (ctx) => {
          seen.push({ skill: ctx.skill, liveUrl: ctx.liveUrl, healthPath: ctx.manifest.healthPath, aborted: ctx.signal.aborted, served: (await fx.health(ctx.liveUrl)).json.deployment_id });
          return { ok: false, code: 'PERFORMANCE_DEGRADATION', message: 'p95 of /invoke is 2.4 s (limit 1 s)', checks: [{ name: 'latency', ok: false }] };
        },
      }),
      skill: 'delta',
    });
    expectResult(r, 'rolled-back', 'PERFORMANCE_DEGRADATION');
    assert.equal(r.error!.step, 'post-deploy');
    assert.deepEqual(r.error!.details, { checks: [{ name: 'latency', ok: false }] });
    assert.deepEqual(seen, [{ skill: 'delta', liveUrl: r.liveUrl, healthPath: '/health', aborted: false, served: r.deploymentId }], 'the checks ran against the new version');
    const rb = r.rollback!;
    assert.equal(rb.status, 'succeeded', JSON.stringify(rb));
    assert.deepEqual(rb.steps.map((s) => `${s.name}:${s.status}`), ['rollback-validate', 'rollback-create', 'rollback-monitor', 'rollback-commit', 'rollback-verify'].map((s) => `${s}:succeeded`));
    assert.equal(rb.toDeploymentId, first.delta.deploymentId);
    assert.equal(rb.fromDeploymentId, r.deploymentId);
    assert.equal(rb.pinned, false, 'committed: the app is not left pinned');
    assert.equal(rb.commit, first.delta.commit, 'the rollback rebuilt the previous commit');
    const app = await fx.app('delta');
    assert.equal(app.active_deployment.id, rb.rollbackDeploymentId);
    assert.equal(app.pinned_deployment, undefined);
    assert.equal((await fx.health(app.live_url)).json.deployment_id, rb.rollbackDeploymentId, 'the live URL serves the rollback');
    assert.deepEqual(rb.serving, { activeDeploymentId: rb.rollbackDeploymentId, healthy: true, status: 200 });
    const s = (await fx.statusFile()).skills.delta as Record<string, any>;
    assert.equal(s.incidents.length, 1);
    assert.deepEqual(
      { failed: s.incidents[0].failedDeploymentId, code: s.incidents[0].cause.code, step: s.incidents[0].cause.step, restored: s.incidents[0].restoredDeploymentId, rollback: s.incidents[0].rollback },
      { failed: r.deploymentId, code: 'PERFORMANCE_DEGRADATION', step: 'post-deploy', restored: first.delta.deploymentId, rollback: 'succeeded' },
    );
    assert.equal(s.lastDeployment.deploymentId, rb.rollbackDeploymentId, 'what serves now is recorded');
    assert.equal(s.lastDeployment.commit, first.delta.commit);
    first.delta = { ...first.delta, deploymentId: rb.rollbackDeploymentId };
  });

  it('traffic switch failure: another deployment replaced ours before step 7 → TRAFFIC_SWITCH_FAILED; nothing rolled back', async () => {
    const proxy = await fx.proxy();
    const log = new EventLog();
    let intruder: any;
    // Once our deployment exists: hold our client's requests, let another deployment (queued behind ours) go live.
    log.once(
      (e) => e.type === 'step-finished' && e.step === 'create',
      () => {
        proxy.hold();
        void (async () => {
          const app = await fx.app('delta');
          intruder = (await fx.api('POST', `/v2/apps/${app.id}/deployments`, {})).deployment;
          await waitFor('the other deployment to go live', async () => (await fx.deployment(app.id, intruder.id)).phase === 'ACTIVE', 20_000);
          proxy.release();
        })();
      },
    );
    const r = await deploySkill({ ...fx.options({ client: fx.newClient(proxy.url), onEvent: log.listener }), skill: 'delta' });
    expectResult(r, 'failed', 'TRAFFIC_SWITCH_FAILED');
    assert.equal(r.error!.step, 'traffic');
    assert.match(r.error!.message, new RegExp(`active deployment is ${intruder.id}`));
    assert.equal(r.rollback?.status, 'skipped');
    assert.match(r.rollback.reason!, /serves now/);
    assert.equal((await fx.deployment(r.appId!, r.deploymentId!)).phase, 'SUPERSEDED');
    assert.equal((await fx.app('delta')).active_deployment.id, intruder.id, 'not rolled back: the newer deployment keeps serving');
  });

  it('the same skill twice at once: the second is refused with DEPLOY_IN_PROGRESS, or waits and then deploys', async () => {
    await fx.patchFaults({ buildMs: 600 });
    try {
      const a = deploySkill({ ...fx.options(), skill: 'alpha' });
      await waitFor('the first to hold the lock', async () => fs.stat(deployLockFile(path.join(fx.repoDir, '.git'), 'alpha')).then(() => true, () => false));
      const refused = await deploySkill({ ...fx.options(), skill: 'alpha' });
      expectResult(refused, 'failed', 'DEPLOY_IN_PROGRESS');
      assert.match(refused.error!.message, /alpha is being deployed already \(deploy alpha to local, in this process since/);
      assert.deepEqual(stepNames(refused), ['lock:failed']);
      const waited = deploySkill({ ...fx.options({ whenBusy: 'wait', busyTimeoutMs: 30_000 }), skill: 'alpha' });
      const [ra, rw] = await Promise.all([a, waited]);
      expectResult(ra, 'succeeded');
      expectResult(rw, 'succeeded');
      assert.equal(rw.previousDeploymentId, ra.deploymentId, 'the second ran after the first finished');
      const lockStep = rw.steps.find((s) => s.name === 'lock')!;
      assert.ok(lockStep.durationMs >= 300, `it waited for the lock (${lockStep.durationMs} ms)`);
      const bounded = deploySkill({ ...fx.options(), skill: 'alpha' });
      await waitFor('the lock', async () => fs.stat(deployLockFile(path.join(fx.repoDir, '.git'), 'alpha')).then(() => true, () => false));
      const timedOut = await deploySkill({ ...fx.options({ whenBusy: 'wait', busyTimeoutMs: 100 }), skill: 'alpha' });
      expectResult(timedOut, 'failed', 'DEPLOY_IN_PROGRESS');
      expectResult(await bounded, 'succeeded');
    } finally {
      await fx.patchFaults({ buildMs: 150 });
    }
  });

  it('another process holding the skill\'s deploy lock file: refused with its pid; a dead holder\'s lock is taken over', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const lockFile = deployLockFile(path.join(fx.repoDir, '.git'), 'beta');
    try {
      await fs.mkdir(path.dirname(lockFile), { recursive: true });
      await fs.writeFile(lockFile, JSON.stringify({ pid: sleeper.pid, host: os.hostname(), token: 'x'.repeat(24), createdAt: new Date().toISOString(), purpose: 'deploy beta to local' }));
      const r = await deploySkill({ ...fx.options(), skill: 'beta' });
      expectResult(r, 'failed', 'DEPLOY_IN_PROGRESS');
      assert.match(r.error!.message, new RegExp(`process ${sleeper.pid} on ${os.hostname()}: deploy beta to local`));
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((resolve) => sleeper.once('exit', resolve));
    }
    // Its holder is gone now: the next deploy takes the lock over.
    const r = await deploySkill({ ...fx.options(), skill: 'beta' });
    expectResult(r, 'succeeded');
  });

  it('writes the result back to the Odoo task over JSON-RPC (authenticate, then project.task message_post)', async () => {
    const odoo = await startOdoo({ database: 'odoobo', login: 'deploy-bot@example.com', apiKey: 'odoo-key-0123456789', uid: 7, tasks: [42] });
    try {
      const o = { url: odoo.url, database: 'odoobo', login: 'deploy-bot@example.com', apiKey: 'odoo-key-0123456789' };
      const ok = await deploySkill({ ...fx.options({ odoo: { ...o, taskId: (skill) => (skill === 'alpha' ? 42 : undefined) } }), skill: 'alpha' });
      expectResult(ok, 'succeeded');
      assert.deepEqual(ok.odoo, { posted: true, taskId: 42, messageId: 100 });
      assert.deepEqual(odoo.calls.map((c) => `${c.service}.${c.method}`), ['common.authenticate', 'object.execute_kw']);
      assert.deepEqual(odoo.calls[0].args, ['odoobo', 'deploy-bot@example.com', 'odoo-key-0123456789', {}]);
      const [db, uid, key, model, method, ids, kwargs] = odoo.calls[1].args;
      assert.deepEqual([db, uid, key, model, method, ids], ['odoobo', 7, 'odoo-key-0123456789', 'project.task', 'message_post', [[42]]]);
      assert.match(kwargs.body, /Deployment of <b>alpha<\/b>: succeeded/);
      assert.ok(kwargs.body.includes(ok.deploymentId!) && kwargs.body.includes(ok.liveUrl!) && kwargs.body.includes(ok.commit!));

      // A failure is written back too, with its code and mitigation; the uid is reused.
      await fx.editSpec('alpha', (t) => t.replace('apps-s-1vcpu-0.5gb', '<instance-size>'));
      const bad = await deploySkill({ ...fx.options({ odoo: { ...o, taskId: 42 } }), skill: 'alpha' });
      await fx.resetSpec('alpha');
      expectResult(bad, 'failed', 'PLACEHOLDER_VALUES');
      assert.equal(odoo.calls.filter((c) => c.method === 'authenticate').length, 1, 'authenticated once');
      assert.match(odoo.messages.get(42)![1], /failed.*PLACEHOLDER_VALUES in prepare/s);

      // Odoo refusing (unknown task, wrong key) never fails the deployment: a warning in the result.
      const unknownTask = await deploySkill({ ...fx.options({ odoo: { ...o, taskId: 999 } }), skill: 'alpha' });
      expectResult(unknownTask, 'succeeded');
      assert.equal(unknownTask.odoo?.posted, false);
      assert.match(unknownTask.odoo.error!, /Record does not exist/);
      assert.ok(unknownTask.warnings.some((w) => w.startsWith('ODOO_WRITEBACK_FAILED')));
      const wrongKey = await deploySkill({ ...fx.options({ odoo: { ...o, apiKey: 'wrong-key-0123456789', taskId: 42 } }), skill: 'alpha' });
      expectResult(wrongKey, 'succeeded');
      assert.match(wrongKey.odoo!.error!, /refused the login/);
      assert.ok(!JSON.stringify(wrongKey).includes('wrong-key-0123456789'), 'the API key never appears in the result');
    } finally {
      await odoo.close();
    }
  });
});
