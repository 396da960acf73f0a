/**
 * The local App Platform with a real skill: skills/pr-review and infra/pr-review.yaml copied into a temporary git
 * repository with a bare origin, built from its branch, run by /usr/bin/python3 (FastAPI, uvicorn via the shim) and
 * served on the app's stable local URL. Every API response is validated against DigitalOcean's OpenAPI schemas.
 */
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import {
  assertCounters, get, platformProcesses, startTestPlatform, waitFor, waitForDeployment, waitNoProcesses, type TestPlatform, validatedResponses,
} from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';

const FRAME = /^pr-review \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z .*\n$/;

function readFrames(url: string, until: (frames: string[]) => boolean = () => false, timeoutMs = 15_000): Promise<{ frames: string[]; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: string[] = [];
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ frames, closedByServer });
    };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`websocket ${url} timed out with ${frames.length} frames`));
    }, timeoutMs);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { data: string };
      assert.deepEqual(Object.keys(frame), ['data']);
      frames.push(frame.data);
      if (until(frames)) {
        ws.close();
        finish(false);
      }
    });
    ws.on('close', () => finish(true));
    ws.on('error', (err) => {
      if (!done) {
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

after(() => console.log(`${validatedResponses()} API responses validated against DigitalOcean's OpenAPI schemas`));

describe('local App Platform: lifecycle of a real skill', () => {
  let repo: SkillRepo;
  let p: TestPlatform;
  let spec: any;
  let appId = '';
  let liveUrl = '';
  const deployments: Record<string, any> = {};

  const health = async (): Promise<any> => {
    const r = await get(`${liveUrl}/health`);
    assert.equal(r.status, 200, `GET /health on the live URL: ${r.status} ${r.text}`);
    return r.json;
  };
  const app = async (): Promise<any> => (await p.api.expect(200, 'GET', `/v2/apps/${appId}`)).app;
  const deploy = async (): Promise<any> => (await p.api.expect(200, 'POST', `/v2/apps/${appId}/deployments`, { force_build: false })).deployment;

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    p = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin }, secrets: { GITHUB_TOKEN: 'from-platform-config' } });
    spec = await repo.spec();
  });

  after(async () => {
    await p?.stop();
    if (p) await waitNoProcesses(p.dataDir);
    await repo?.remove();
    if (p) await fs.rm(p.dataDir, { recursive: true, force: true });
  });

  it('creates the app from infra/pr-review.yaml and walks PENDING_BUILD → … → ACTIVE with accurate counters', async () => {
    const created = await p.api.expect(200, 'POST', '/v2/apps', { spec });
    appId = created.app.id;
    liveUrl = created.app.live_url;
    assert.match(appId, /^[0-9a-f-]{36}$/);
    assert.match(liveUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(created.app.default_ingress, liveUrl);
    assert.equal(created.app.spec.name, 'pr-review');
    assert.equal(created.app.region.slug, 'fra');
    const depId = created.app.pending_deployment.id;
    assert.equal(created.app.pending_deployment.cause, 'app created');

    const order = ['PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE'];
    const seen: string[] = [];
    const dep = await waitFor('ACTIVE', async () => {
      const { deployment } = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${depId}`);
      assertCounters(deployment.progress);
      if (seen[seen.length - 1] !== deployment.phase) seen.push(deployment.phase);
      assert.notEqual(deployment.phase, 'ERROR', JSON.stringify(deployment.progress));
      return deployment.phase === 'ACTIVE' ? deployment : undefined;
    }, 60_000, 20);
    for (let i = 1; i < seen.length; i++) assert.ok(order.indexOf(seen[i]) > order.indexOf(seen[i - 1]), `phases in order: ${seen.join(' → ')}`);
    assert.ok(seen.includes('DEPLOYING') || seen.includes('BUILDING'), `phases seen: ${seen.join(' → ')}`);

    assert.equal(dep.progress.total_steps, 6);
    assert.equal(dep.progress.success_steps, dep.progress.total_steps);
    assert.equal(dep.progress.error_steps, 0);
    assert.deepEqual(dep.progress.steps.map((s: any) => s.name), ['build', 'deploy']);
    assert.deepEqual(dep.progress.steps[1].steps.map((s: any) => s.name), ['initialize', 'components', 'finalize']);
    assert.deepEqual(dep.progress.steps[1].steps[1].steps[0].steps.map((s: any) => s.name), ['deploy', 'wait']);
    for (const s of dep.progress.steps) {
      assert.equal(s.status, 'SUCCESS');
      assert.ok(s.started_at && s.ended_at && s.started_at <= s.ended_at);
    }
    assert.equal(dep.services[0].name, 'pr-review');
    assert.equal(dep.services[0].source_commit_hash, await repo.head());
    assert.deepEqual(dep.spec, spec);
    deployments.v1 = dep;

    const h = await health();
    assert.deepEqual(h, { status: 'ok', skill: 'pr-review', version: '0.1.0' });
    const a = await app();
    assert.equal(a.active_deployment.id, depId);
    assert.equal(a.in_progress_deployment, undefined);
    assert.equal(a.live_url, liveUrl);
    assert.ok(a.last_deployment_active_at);
  });

  it('redeploys a new commit: the new deployment serves it and the previous one is SUPERSEDED and stopped', async () => {
    const commit = await repo.setVersion('0.2.0');
    const started = await deploy();
    assert.equal(started.cause, 'manual');
    const dep = await waitForDeployment(p.api, appId, started.id);
    assert.equal(dep.phase, 'ACTIVE', JSON.stringify(dep.progress));
    assert.equal(dep.services[0].source_commit_hash, commit);
    assert.equal((await health()).version, '0.2.0');
    const { deployment: old } = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${deployments.v1.id}`);
    assert.equal(old.phase, 'SUPERSEDED');
    // Old process group drained and stopped: only the new deployment's processes remain.
    await waitFor('the superseded deployment to stop', async () => {
      const { text } = await fetch((await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${old.id}/logs?type=RUN`)).historic_urls[0]).then(async (r) => ({ text: await r.text() }));
      return /Shutting down|Finished server process|exited/.test(text);
    }, 20_000, 100);
    deployments.v2 = dep;
  });

  it('a failing build command ends in ERROR (BuildJobExitNonZero, BUILD log lines) and the old deployment keeps serving', async () => {
    const broken = { ...spec, services: [{ ...spec.services[0], build_command: 'echo compiling the skill; echo "error: the build broke" >&2; exit 3' }] };
    const { app: updated } = await p.api.expect(200, 'PUT', `/v2/apps/${appId}`, { spec: broken });
    const dep = await waitForDeployment(p.api, appId, updated.pending_deployment.id);
    assert.equal(dep.phase, 'ERROR');
    assert.ok(dep.progress.error_steps > 0);
    assert.notEqual(dep.progress.success_steps, dep.progress.total_steps);
    const build = dep.progress.steps[0];
    assert.equal(build.status, 'ERROR');
    const failed = build.steps[1].steps[0];
    assert.equal(failed.status, 'ERROR');
    assert.equal(failed.reason.code, 'BuildJobExitNonZero');
    assert.match(failed.reason.message, /non-zero exit code \(3\)/);
    assert.equal(dep.progress.steps[1].status, 'PENDING', 'a top-level step that never ran stays PENDING');
    assert.equal(dep.progress.steps[1].steps[0].status, 'SKIPPED');
    const logs = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${dep.id}/logs?type=BUILD`);
    const text = await (await fetch(logs.historic_urls[0])).text();
    assert.match(text, /^pr-review \S+ compiling the skill$/m);
    assert.match(text, /^pr-review \S+ error: the build broke$/m);
    assert.equal((await health()).version, '0.2.0');
    assert.equal((await app()).active_deployment.id, deployments.v2.id);
    deployments.buildFailed = dep;
  });

  it('a failing health check ends in ERROR (DeployContainerHealthChecksFailed) and the old deployment keeps serving', async () => {
    await repo.change('main.py', (t) => t.replace('return {"status": "ok", "skill": NAME, "version": VERSION}', 'raise HTTPException(status_code=503, detail="not ready")'), 'break health');
    const { app: updated } = await p.api.expect(200, 'PUT', `/v2/apps/${appId}`, { spec });
    const dep = await waitForDeployment(p.api, appId, updated.pending_deployment.id);
    assert.equal(dep.phase, 'ERROR');
    const wait = dep.progress.steps[1].steps[1].steps[0].steps[1];
    assert.equal(wait.name, 'wait');
    assert.equal(wait.status, 'ERROR');
    assert.equal(wait.reason.code, 'DeployContainerHealthChecksFailed');
    assert.equal(dep.progress.steps[1].steps[2].status, 'SKIPPED', 'finalize never ran');
    assert.equal((await health()).version, '0.2.0');
    const deployLog = await (await fetch((await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${dep.id}/logs?type=DEPLOY`)).historic_urls[0])).text();
    assert.match(deployLog, /answered 503/);
    // Fixed in the next commit.
    await repo.change('main.py', (t) => t.replace('raise HTTPException(status_code=503, detail="not ready")', 'return {"status": "ok", "skill": NAME, "version": VERSION}'), 'fix health');
    const v3commit = await repo.setVersion('0.3.0');
    const fixed = await waitForDeployment(p.api, appId, (await deploy()).id);
    assert.equal(fixed.phase, 'ACTIVE');
    assert.equal(fixed.services[0].source_commit_hash, v3commit);
    assert.equal((await health()).version, '0.3.0');
    deployments.v3 = fixed;
  });

  it('cancel mid-build kills the build process: CANCELED, and the old deployment keeps serving', async () => {
    const slow = { ...spec, services: [{ ...spec.services[0], build_command: 'echo building slowly; sleep 120' }] };
    const { app: updated } = await p.api.expect(200, 'PUT', `/v2/apps/${appId}`, { spec: slow });
    const depId = updated.pending_deployment.id;
    const sleeping = (): number[] =>
      platformProcesses(p.dataDir).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep\u0000120');
        } catch {
          return false;
        }
      });
    await waitFor('the build command to run', async () => sleeping().length > 0, 30_000);
    const { deployment: midBuild } = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${depId}`);
    assert.equal(midBuild.phase, 'BUILDING');
    assert.equal(midBuild.progress.running_steps, 1);
    const { deployment } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/deployments/${depId}/cancel`);
    assert.equal(deployment.phase, 'CANCELED');
    assertCounters(deployment.progress);
    assert.ok(deployment.progress.error_steps > 0, 'a canceled deployment is not a success for doctl');
    assert.equal(deployment.progress.steps[0].steps[1].steps[0].reason.code, 'DeploymentCanceled');
    await waitFor('the build process to be killed', async () => sleeping().length === 0, 10_000);
    assert.equal((await health()).version, '0.3.0');
    const again = await p.api.expect(409, 'POST', `/v2/apps/${appId}/deployments/${depId}/cancel`);
    assert.equal(again.id, 'conflict');
    // Back to the real spec (a deployment of the same commit).
    const { app: restored } = await p.api.expect(200, 'PUT', `/v2/apps/${appId}`, { spec });
    const dep = await waitForDeployment(p.api, appId, restored.pending_deployment.id);
    assert.equal(dep.phase, 'ACTIVE');
    deployments.v3b = dep;
  });

  it('rollback validation answers DigitalOcean codes', async () => {
    const validate = (id: string): Promise<any> => p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback/validate`, { deployment_id: id });
    assert.deepEqual(await validate(deployments.v1.id), { valid: true, warnings: [] });
    const failed = await validate(deployments.buildFailed.id);
    assert.equal(failed.valid, false);
    assert.equal(failed.error.code, 'incompatible_result');
    assert.equal(failed.error.message, 'deployment result "failed" is unsuitable for rollback');
    const active = await validate(deployments.v3b.id);
    assert.equal(active.error.code, 'incompatible_phase');
    const missing = await p.api.request('POST', `/v2/apps/${appId}/rollback/validate`, { deployment_id: '00000000-0000-0000-0000-000000000000' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.id, 'not_found');
    const refused = await p.api.request('POST', `/v2/apps/${appId}/rollback`, { deployment_id: deployments.buildFailed.id });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /incompatible_result/);
  });

  it('rollback makes a new deployment cloned from the chosen one and pins the app until commit', async () => {
    const { deployment: rb } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback`, { deployment_id: deployments.v1.id, skip_pin: false });
    assert.equal(rb.cloned_from, deployments.v1.id);
    assert.match(rb.cause, /rollback/);
    assert.deepEqual(rb.spec, deployments.v1.spec);
    const pinned = await app();
    assert.equal(pinned.pinned_deployment.id, rb.id);
    // While pinned, other deployments are refused.
    const blocked = await p.api.request('POST', `/v2/apps/${appId}/deployments`, {});
    assert.equal(blocked.status, 409);
    assert.equal(blocked.body.id, 'conflict');
    assert.match(blocked.body.message, /pinned/);
    assert.equal((await p.api.request('PUT', `/v2/apps/${appId}`, { spec })).status, 409);
    assert.equal((await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback/validate`, { deployment_id: deployments.v2.id })).error.code, 'app_pinned');

    const done = await waitForDeployment(p.api, appId, rb.id);
    assert.equal(done.phase, 'ACTIVE');
    assert.equal(done.services[0].source_commit_hash, deployments.v1.services[0].source_commit_hash, 'same source commit as the chosen deployment');
    assert.equal((await health()).version, '0.1.0');

    const commit = await p.api.request('POST', `/v2/apps/${appId}/rollback/commit`);
    assert.equal(commit.status, 200);
    assert.equal(commit.text, '');
    const unpinned = await app();
    assert.equal(unpinned.pinned_deployment, undefined);
    assert.equal((await p.api.request('POST', `/v2/apps/${appId}/rollback/commit`)).status, 409);
    deployments.rb1 = done;
  });

  it('rollback/revert rolls back the rollback: a new deployment of the pre-rollback one, unpinned', async () => {
    const { deployment: rb } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback`, { deployment_id: deployments.v3b.id });
    assert.equal((await app()).pinned_deployment.id, rb.id);
    assert.equal((await waitForDeployment(p.api, appId, rb.id)).phase, 'ACTIVE');
    assert.equal((await health()).version, '0.3.0');
    const { deployment: rev } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback/revert`);
    assert.equal(rev.cloned_from, deployments.rb1.id, 'cloned from the deployment that was active before the rollback');
    assert.equal((await app()).pinned_deployment, undefined);
    const done = await waitForDeployment(p.api, appId, rev.id);
    assert.equal(done.phase, 'ACTIVE');
    assert.equal(done.services[0].source_commit_hash, deployments.v1.services[0].source_commit_hash);
    assert.equal((await health()).version, '0.1.0');
    // skip_pin: rolled back without pinning.
    const { deployment: free } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback`, { deployment_id: deployments.v2.id, skip_pin: true });
    assert.equal((await app()).pinned_deployment, undefined);
    assert.equal((await waitForDeployment(p.api, appId, free.id)).phase, 'ACTIVE');
    assert.equal((await health()).version, '0.2.0');
  });

  it('logs: historic URLs serve text without the bearer token; live URLs stream websocket frames', async () => {
    const active = (await app()).active_deployment;
    const build = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${active.id}/logs?type=BUILD`);
    assert.equal(build.historic_urls.length, 1);
    assert.match(build.live_url, /^ws:\/\/127\.0\.0\.1:\d+\//);
    const text = await (await fetch(build.historic_urls[0])).text();
    assert.match(text, /^pr-review \S+ checked out commit [0-9a-f]{40}$/m);
    const tampered = build.historic_urls[0].replace(/signature=([0-9a-f])/, (_m: string, c: string) => `signature=${c === 'a' ? 'b' : 'a'}`);
    assert.equal((await fetch(tampered)).status, 403);

    // RUN logs of the active deployment (aggregate and per component): uvicorn's own output.
    const run = await p.api.expect(200, 'GET', `/v2/apps/${appId}/logs?type=RUN`);
    const runText = await (await fetch(run.historic_urls[0])).text();
    assert.match(runText, /Application startup complete/);
    const perComponent = await p.api.expect(200, 'GET', `/v2/apps/${appId}/components/pr-review/logs?type=RUN&follow=false`);
    assert.match(await (await fetch(perComponent.historic_urls[0])).text(), /Uvicorn running on http:\/\/127\.0\.0\.1/);
    assert.equal((await p.api.request('GET', `/v2/apps/${appId}/components/nope/logs?type=RUN`)).status, 404);
    assert.equal((await p.api.request('GET', `/v2/apps/${appId}/logs`)).status, 400, 'type is required');

    // Live, not following: the log so far, then the server closes.
    const once = await readFrames(build.live_url);
    assert.ok(once.closedByServer);
    assert.ok(once.frames.length > 0);
    for (const f of once.frames) assert.match(f, FRAME);

    // Live, following the RUN log: a request to the app shows up as uvicorn's access log line.
    const follow = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${active.id}/components/pr-review/logs?type=RUN&follow=true`);
    const marker = `/health?probe=${Date.now()}`;
    const framesPromise = readFrames(follow.live_url, (frames) => frames.some((f) => f.includes(marker)));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await get(`${liveUrl}${marker}`)).status, 200);
    const followed = await framesPromise;
    assert.equal(followed.closedByServer, false, 'a followed RUN log stays open while the deployment runs');
    for (const f of followed.frames) assert.match(f, FRAME);
  });

  it('app health, alerts, the SECRET from the platform config', async () => {
    const { app_health } = await p.api.expect(200, 'GET', `/v2/apps/${appId}/health`);
    assert.equal(app_health.components[0].name, 'pr-review');
    assert.equal(app_health.components[0].state, 'HEALTHY');
    assert.equal(app_health.components[0].replicas_ready, 1);
    const { alerts } = await p.api.expect(200, 'GET', `/v2/apps/${appId}/alerts`);
    assert.deepEqual(alerts, []);
    const active = (await app()).active_deployment;
    const pid = platformProcesses(p.dataDir).find((x) => {
      try {
        return readFileSync(`/proc/${x}/cmdline`, 'utf8').includes('uvicorn');
      } catch {
        return false;
      }
    });
    assert.ok(pid, 'uvicorn runs');
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes('GITHUB_TOKEN=from-platform-config'));
    assert.ok(env.includes('ANTHROPIC_API_KEY='), 'a SECRET without a configured value is empty');
    assert.ok(env.includes('HOST=127.0.0.1'));
    assert.ok(env.some((e) => e.startsWith(`ODOOBO_PLATFORM_OWNER=${active.id}/pr-review/run`)));
    assert.ok(!env.some((e) => e.startsWith('ODOOBO_LOCAL_TOKEN=')));
  });

  it('a crashed component is restarted, and RUN_RESTARTED keeps what the crashed instance printed', async () => {
    const uvicorn = (): number | undefined =>
      platformProcesses(p.dataDir).find((x) => {
        try {
          return readFileSync(`/proc/${x}/cmdline`, 'utf8').includes('-m\u0000uvicorn');
        } catch {
          return false;
        }
      });
    const before = uvicorn();
    assert.ok(before);
    process.kill(before, 'SIGKILL');
    await waitFor('the component to serve again', async () => {
      const pid = uvicorn();
      if (!pid || pid === before) return false;
      return (await get(`${liveUrl}/health`).catch(() => undefined))?.status === 200;
    }, 30_000, 100);
    const logs = await p.api.expect(200, 'GET', `/v2/apps/${appId}/logs?type=RUN_RESTARTED`);
    const text = await (await fetch(logs.historic_urls[0])).text();
    assert.match(text, /^pr-review \S+ .*Application startup complete/m);
    assert.match(text, /process exited \((exit code \d+|killed by SIG\w+)\); restarting/);
  });

  it('lists deployments newest first with pagination', async () => {
    const all = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments?per_page=200`);
    assert.equal(all.meta.total, all.deployments.length);
    assert.ok(all.meta.total >= 10);
    const sorted = [...all.deployments].sort((a: any, b: any) => b.created_at.localeCompare(a.created_at));
    assert.deepEqual(all.deployments.map((d: any) => d.id), sorted.map((d: any) => d.id));
    assert.equal(all.deployments.filter((d: any) => d.phase === 'ACTIVE').length, 1);
    const page2 = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments?page=2&per_page=3`);
    assert.equal(page2.deployments.length, 3);
    assert.equal(page2.deployments[0].id, all.deployments[3].id);
    assert.ok(page2.links.pages.first && page2.links.pages.prev && page2.links.pages.next && page2.links.pages.last);
  });

  it('DELETE answers 200 {id} and stops the processes', async () => {
    assert.ok(platformProcesses(p.dataDir).length > 0);
    const r = await p.api.expect(200, 'DELETE', `/v2/apps/${appId}`);
    assert.deepEqual(r, { id: appId });
    assert.deepEqual(platformProcesses(p.dataDir), []);
    await assert.rejects(fetch(`${liveUrl}/health`), 'the live URL is closed');
    assert.equal((await p.api.request('GET', `/v2/apps/${appId}`)).status, 404);
  });
});
