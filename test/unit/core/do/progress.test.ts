import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { AppPlatformError } from '../../../../src/core/do/errors';
import {
  adaptivePollInterval, describeProgress, findFailedStep, isDeploymentDone, isInFlight, judgeDeployment, waitForDeployment,
} from '../../../../src/core/do/progress';
import { AppsPageSchema, Deployment, DeploymentObject, DeploymentPhase, DeploymentResponseSchema } from '../../../../src/core/do/schemas';
import { deploymentAt } from '../../../builders/do';
import { sendJson, startServer, TestServer } from '../../../builders/doServer';
import { REPO_DIR } from '../../../builders/paths';

const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const example = (file: string): unknown => JSON.parse(readFileSync(path.join(SHARED, 'do-openapi/examples/responses', file), 'utf8'));

const servers: TestServer[] = [];
const clients: AppPlatformClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
});

describe('the done rule (doctl apps create-deployment --wait)', () => {
  it('keeps the PENDING_BUILD example in progress', () => {
    const { deployment } = DeploymentResponseSchema.parse(example('GET_deployment.json'));
    assert.deepEqual(judgeDeployment(deployment), { state: 'in_progress' });
    assert.equal(isDeploymentDone(deployment), false);
  });

  it('judges each phase of a consistent deployment', () => {
    const states = (['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'SUPERSEDED', 'CANCELED'] as DeploymentPhase[]).map(
      (phase) => [phase, judgeDeployment(deploymentAt({ phase })).state],
    );
    assert.deepEqual(states, [
      ['PENDING_BUILD', 'in_progress'],
      ['BUILDING', 'in_progress'],
      ['PENDING_DEPLOY', 'in_progress'],
      ['DEPLOYING', 'in_progress'],
      ['ACTIVE', 'success'],
      ['SUPERSEDED', 'success'],
      ['CANCELED', 'canceled'],
    ]);
  });

  it('decides by the counters before the phase catches up', () => {
    const done = deploymentAt({ phase: 'DEPLOYING' });
    done.progress = { ...done.progress, success_steps: 6, running_steps: 0, pending_steps: 0, total_steps: 6 };
    assert.equal(judgeDeployment(done).state, 'success');
    const failing = deploymentAt({ phase: 'BUILDING' });
    failing.progress = { ...failing.progress, error_steps: 1 };
    assert.equal(judgeDeployment(failing).state, 'failed');
    const empty: DeploymentObject = { phase: 'PENDING_BUILD', progress: { success_steps: 0, total_steps: 0 } };
    assert.equal(judgeDeployment(empty).state, 'in_progress', '0 of 0 steps is not success');
  });

  it('names the failing build step and its reason', () => {
    const v = judgeDeployment(deploymentAt({ phase: 'ERROR', failIn: 'build', reason: { code: 'BuildJobFailed', message: 'pip install exited with code 1' } }));
    assert.equal(v.state, 'failed');
    assert.equal(v.state === 'failed' && v.code, 'BUILD_FAILED');
    assert.deepEqual(v.state === 'failed' && v.step, {
      name: 'web',
      path: 'build › components › web',
      reason: 'BuildJobFailed: pip install exited with code 1',
      componentName: 'web',
      stage: 'build',
    });
  });

  it('tells a deploy failure from a build failure', () => {
    const d = deploymentAt({ phase: 'ERROR', failIn: 'deploy', reason: { code: 'HealthCheckFailed', message: 'GET /health: connection refused' } });
    const v = judgeDeployment(d);
    assert.equal(v.state === 'failed' && v.code, 'DEPLOY_ERROR');
    assert.equal(findFailedStep(d)?.path, 'deploy › components › web › deploy');
  });

  it('uses the last in-flight phase when an ERROR deployment has no steps', () => {
    const bare: DeploymentObject = { phase: 'ERROR' };
    assert.equal(judgeDeployment(bare, 'BUILDING').state === 'failed' && (judgeDeployment(bare, 'BUILDING') as { code: string }).code, 'BUILD_FAILED');
    assert.equal((judgeDeployment(bare, 'DEPLOYING') as { code: string }).code, 'DEPLOY_ERROR');
  });

  it('isInFlight covers the building and deploying phases only', () => {
    const inFlight = (['UNKNOWN', 'PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'SUPERSEDED', 'ERROR', 'CANCELED'] as const).filter((p) => isInFlight(p));
    assert.deepEqual(inFlight, ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING']);
    assert.equal(isInFlight(undefined), false);
  });
});

describe('describeProgress', () => {
  it('flattens the example step tree into indented lines', () => {
    const { deployment } = DeploymentResponseSchema.parse(example('GET_deployment.json'));
    const lines = describeProgress(deployment);
    assert.equal(lines[0], 'PENDING_BUILD: 0/6 steps succeeded');
    assert.deepEqual(lines.slice(1, 5), ['  build: PENDING', '    initialize: PENDING', '    components: PENDING', '      web: PENDING (Building service)']);
    assert.ok(lines.includes('        wait: PENDING (Waiting for service)'));
    assert.equal(lines.length, 1 + 11); // summary + 4 build steps + 7 deploy steps
  });

  it('shows durations and reasons, and no duration for steps that never ran', () => {
    const list = AppsPageSchema.parse(example('GET_apps.list.json'));
    // The list example misplaces `progress` at app level; read it as the deployment it describes.
    const lines = describeProgress({ phase: 'ACTIVE', progress: (list.apps![0] as Record<string, unknown>).progress as DeploymentObject['progress'] });
    assert.equal(lines[0], 'ACTIVE: 6/6 steps succeeded');
    assert.ok(lines.includes('    initialize: SUCCESS in 491 ms'), lines.join('\n'));
    assert.ok(lines.includes('      sample-php: SUCCESS (Building service)'), lines.join('\n'));
    const failed = describeProgress(deploymentAt({ phase: 'ERROR', reason: { code: 'BuildJobFailed', message: 'exit 1' } }));
    assert.equal(failed[0], 'ERROR: 1/6 steps succeeded, 1 failed');
    assert.ok(failed.includes('      web: ERROR (Building service) - BuildJobFailed: exit 1'));
  });
});

describe('waitForDeployment', () => {
  /** A server whose GET of dep-1 answers the next deployment of `sequence` each time (the last one repeats). */
  async function walking(sequence: Array<Deployment | number | 'hang'>): Promise<{ server: TestServer; client: AppPlatformClient }> {
    const server = await startServer((req, res, n) => {
      assert.equal(req.path, '/v2/apps/app-1/deployments/dep-1');
      const step = sequence[Math.min(n, sequence.length) - 1];
      if (step === 'hang') return;
      if (typeof step === 'number') return sendJson(res, step, { id: 'e', message: `status ${step}` });
      sendJson(res, 200, { deployment: step });
    });
    servers.push(server);
    const client = new AppPlatformClient({ baseUrl: server.url, token: 'test-token-abcdef', retry: { maxAttempts: 1 } });
    clients.push(client);
    return { server, client };
  }
  const at = (phase: DeploymentPhase, extra: Partial<Parameters<typeof deploymentAt>[0]> = {}) => deploymentAt({ id: 'dep-1', phase, ...extra });

  it('follows PENDING_BUILD → BUILDING → DEPLOYING → ACTIVE and returns the live deployment', async () => {
    const { server, client } = await walking([at('PENDING_BUILD'), at('BUILDING'), at('PENDING_DEPLOY'), at('DEPLOYING'), at('ACTIVE')]);
    const phases: string[] = [];
    const firstLines: string[] = [];
    const attempts: number[] = [];
    const final = await waitForDeployment(client, 'app-1', 'dep-1', {
      pollIntervalMs: (ctx) => (attempts.push(ctx.attempt), 5),
      onProgress: (d, lines) => (phases.push(d.phase!), firstLines.push(lines[0])),
    });
    assert.equal(final.phase, 'ACTIVE');
    assert.equal(final.id, 'dep-1');
    assert.deepEqual(phases, ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE']);
    assert.equal(firstLines[4], 'ACTIVE: 6/6 steps succeeded');
    assert.deepEqual(attempts, [1, 2, 3, 4]);
    assert.equal(server.requests.length, 5);
  });

  it('fails with BUILD_FAILED naming the failing step and its reason', async () => {
    const { client } = await walking([at('PENDING_BUILD'), at('BUILDING'), at('ERROR', { failIn: 'build', reason: { code: 'BuildJobFailed', message: 'pip install exited with code 1' } })]);
    const err = await rejection(waitForDeployment(client, 'app-1', 'dep-1', { pollIntervalMs: 5 }));
    assert.equal(err.code, 'BUILD_FAILED');
    assert.equal(err.step?.name, 'web');
    assert.equal(err.step?.reason, 'BuildJobFailed: pip install exited with code 1');
    assert.equal(err.deploymentId, 'dep-1');
    assert.equal(err.phase, 'ERROR');
    assert.match(err.message, /failed to build in step build › components › web: BuildJobFailed: pip install exited with code 1/);
    assert.match(err.mitigation, /build logs/);
  });

  it('fails with DEPLOY_ERROR when a deploy step fails, and DEPLOY_CANCELED when canceled', async () => {
    const deploy = await walking([at('DEPLOYING'), at('ERROR', { failIn: 'deploy', reason: { code: 'HealthCheckFailed', message: 'no answer on /health' } })]);
    const err = await rejection(waitForDeployment(deploy.client, 'app-1', 'dep-1', { pollIntervalMs: 5 }));
    assert.equal(err.code, 'DEPLOY_ERROR');
    assert.equal(err.step?.path, 'deploy › components › web › deploy');
    const canceled = await walking([at('BUILDING'), at('CANCELED')]);
    assert.equal((await rejection(waitForDeployment(canceled.client, 'app-1', 'dep-1', { pollIntervalMs: 5 }))).code, 'DEPLOY_CANCELED');
  });

  it('times out with DEPLOY_TIMEOUT, naming the last phase seen', async () => {
    const { server, client } = await walking([at('PENDING_BUILD'), at('BUILDING')]);
    const started = Date.now();
    const err = await rejection(waitForDeployment(client, 'app-1', 'dep-1', { timeoutMs: 200, pollIntervalMs: 20 }));
    assert.equal(err.code, 'DEPLOY_TIMEOUT');
    assert.equal(err.phase, 'BUILDING');
    assert.match(err.message, /did not finish within 200 ms; last seen BUILDING: 1\/6 steps succeeded, 1 running/);
    const took = Date.now() - started;
    assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
    assert.ok(server.requests.length >= 3);
  });

  it('times out even while a poll hangs', async () => {
    const { client } = await walking(['hang']);
    const started = Date.now();
    const err = await rejection(waitForDeployment(client, 'app-1', 'dep-1', { timeoutMs: 150, pollIntervalMs: 10 }));
    assert.equal(err.code, 'DEPLOY_TIMEOUT');
    assert.ok(Date.now() - started < 1500);
  });

  it('stops at once with ABORTED when the caller cancels, without canceling the deployment', async () => {
    const { server, client } = await walking([at('BUILDING')]);
    const ac = new AbortController();
    let polls = 0;
    const started = Date.now();
    const err = await rejection(
      waitForDeployment(client, 'app-1', 'dep-1', { signal: ac.signal, pollIntervalMs: 10_000, onProgress: () => void (++polls === 1 && setTimeout(() => ac.abort(), 20)) }),
    );
    assert.equal(err.code, 'ABORTED');
    assert.ok(Date.now() - started < 1000, 'the 10 s poll sleep was cut short');
    assert.ok(server.requests.every((r) => r.method === 'GET'), 'no cancel request was sent');
  });

  it('rides out transient poll failures but not a missing deployment', async () => {
    const flaky = await walking([at('BUILDING'), 503, 502, at('ACTIVE')]);
    assert.equal((await waitForDeployment(flaky.client, 'app-1', 'dep-1', { pollIntervalMs: 5 })).phase, 'ACTIVE');
    const gone = await walking([at('BUILDING'), 404]);
    assert.equal((await rejection(waitForDeployment(gone.client, 'app-1', 'dep-1', { pollIntervalMs: 5 }))).code, 'NOT_FOUND');
    const down = await walking([503]);
    const err = await rejection(waitForDeployment(down.client, 'app-1', 'dep-1', { pollIntervalMs: 5, maxConsecutiveErrors: 2 }));
    assert.equal(err.code, 'SERVER_ERROR');
    assert.equal(down.server.requests.length, 3);
  });

  it('polls quickly at first, then every 5 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map((attempt) => adaptivePollInterval({ attempt, elapsedMs: 0 })), [1000, 1500, 2250, 3375, 5000, 5000, 5000]);
  });
});

async function rejection(p: Promise<unknown>): Promise<AppPlatformError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppPlatformError, String(e));
    return e;
  }
  assert.fail('expected a rejection');
}
