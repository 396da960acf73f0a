/**
 * Resume after a crash: a child process deploys a skill and is SIGKILLed while App Platform builds it; this process
 * finds the persisted in-flight record (`<git-common-dir>/odoobo/inflight.json`) and finishes the procedure from step
 * 5 (monitor) through 9 (record), taking over the dead process's deploy lock. A record whose skill a live deploy holds
 * is left alone.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployLockFile, deploySkill, listInFlight, resumeInFlight, type DeployResult } from '../../../../src/core/deploy';
import { REPO_ROOT } from '../../../builders/platform';
import { DeployFixture, EventLog, expectResult, stepNames, waitFor, type ChildDeployConfig } from '../../../builders/deploy';

describe('resumeInFlight: another process picks up monitoring where a killed one stopped', () => {
  let fx: DeployFixture;
  let first: DeployResult;

  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha', 'beta'], faults: { simulate: true, buildMs: 150, deployMs: 100 } });
    first = await deploySkill({ ...fx.options(), skill: 'alpha' });
    expectResult(first, 'succeeded');
  });
  after(async () => {
    await fx?.stop();
  });

  it('a deploy killed (SIGKILL) during BUILDING is finished by resumeInFlight: monitor → health → traffic → record', async () => {
    await fx.patchFaults({ buildMs: 4_000 });
    const cfg: ChildDeployConfig = { repoRoot: fx.repoDir, apiUrl: fx.url, token: fx.token, skill: 'alpha' };
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/builders/deploy.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ODOOBO_DEPLOY_CHILD: JSON.stringify(cfg) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: any[] = [];
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const l of chunk.split('\n')) if (l.trim()) lines.push(JSON.parse(l));
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      await waitFor('the child to see BUILDING', async () => lines.some((e) => e.type === 'phase-changed' && e.to === 'BUILDING') || (stderr && assert.fail(stderr)), 30_000);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    const [rec] = await fx.inflight();
    assert.equal(rec?.skill, 'alpha', 'the child persisted its deployment before monitoring');
    assert.equal(rec.pid, child.pid);
    assert.equal(rec.previousDeploymentId, first.deploymentId);
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.ok(!lines.some((e) => e.type === 'deploy-finished'), 'the child never finished');
    const lockFile = deployLockFile(path.join(fx.repoDir, '.git'), 'alpha');
    assert.equal(JSON.parse(await fs.readFile(lockFile, 'utf8')).pid, child.pid, 'the dead process left its lock behind');
    assert.equal((await fx.deployment(rec.appId, rec.deploymentId)).phase, 'BUILDING', 'still building on the server');
    assert.deepEqual((await listInFlight(fx.options())).map((r) => r.deploymentId), [rec.deploymentId]);

    const log = new EventLog();
    const res = await resumeInFlight({ ...fx.options({ onEvent: log.listener }) });
    assert.deepEqual(res.skipped, []);
    assert.equal(res.results.length, 1);
    const r = res.results[0];
    expectResult(r, 'succeeded');
    assert.equal(r.resumed, true);
    assert.equal(r.deploymentId, rec.deploymentId, 'the same deployment, not a new one');
    assert.equal(r.previousDeploymentId, first.deploymentId);
    assert.deepEqual(stepNames(r), ['monitor', 'health', 'traffic', 'record'].map((s) => `${s}:succeeded`));
    assert.deepEqual(log.of('deploy-started').map((e) => e.resumed), [true]);
    assert.ok(log.phases().includes('ACTIVE'));
    const app = await fx.app('alpha');
    assert.equal(app.active_deployment.id, rec.deploymentId);
    assert.equal((await fx.health(app.live_url)).json.deployment_id, rec.deploymentId);
    assert.equal((await fx.statusFile()).skills.alpha.lastDeployment?.deploymentId, rec.deploymentId);
    assert.deepEqual(await fx.inflight(), []);
    await assert.rejects(fs.stat(lockFile), /ENOENT/, 'the dead lock was taken over and released');
    assert.deepEqual(await resumeInFlight(fx.options()), { results: [], skipped: [] }, 'nothing left to resume');
    await fx.patchFaults({ buildMs: 150 });
  });

  it('a record whose skill is being deployed by a live process is left to it', async () => {
    await fx.patchFaults({ buildMs: 1_500 });
    try {
      const running = deploySkill({ ...fx.options(), skill: 'beta' });
      await waitFor('the in-flight record', async () => (await fx.inflight()).some((r) => r.skill === 'beta'));
      const res = await resumeInFlight(fx.options());
      assert.deepEqual(res.results, []);
      assert.equal(res.skipped.length, 1);
      assert.equal(res.skipped[0].skill, 'beta');
      assert.match(res.skipped[0].reason, /beta is being deployed already/);
      expectResult(await running, 'succeeded');
      assert.deepEqual(await fx.inflight(), []);
    } finally {
      await fx.patchFaults({ buildMs: 150 });
    }
  });
});
