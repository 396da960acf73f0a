/**
 * The local App Platform keeps each app's serialised API view until the app changes (`appJson`, answered by
 * GET /v2/apps and GET /v2/apps/{id}). This suite drives apps through every kind of change — create, deploy, queue and
 * cancel, spec update, build and health failures, rollback, revert, commit, delete — while a watcher compares the kept
 * view with a freshly built one on every turn of the event loop. A change that forgot to drop the kept view shows up
 * as a difference at the first turn after it. The state files are checked the same way: they keep finished
 * deployments' JSON, and after a flush every app's file must equal the app in memory.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../../src/platform/api/server';
import { appView } from '../../../src/platform/api/views';
import { LocalAppPlatform } from '../../../src/platform/platform';
import { DataDir, type StateStore } from '../../../src/platform/state/store';
import { simulatedSpec } from '../../builders/clientPlatform';
import { FAST_HEALTH, tempDir, waitForDeployment } from '../../builders/platform';
import { DoApi } from '../../builders/platformApi';

const spec = (name: string, extra: Record<string, unknown> = {}): any => simulatedSpec(name, extra);

describe('local App Platform: kept API views and state JSON', () => {
  let platform: LocalAppPlatform;
  let close: () => Promise<void>;
  let api: DoApi;
  let dataDir: string;
  let watching = false;
  let checks = 0;
  const stale: string[] = [];

  /** On every turn: the kept view of every app equals the view built now. */
  const watch = (): void => {
    if (!watching) return;
    for (const app of platform.listApps()) {
      const kept = platform.appJson(app);
      const fresh = JSON.stringify(appView(app, platform));
      checks++;
      if (kept !== fresh && stale.length < 5) stale.push(`${app.spec.name}: kept ${kept.length} bytes, fresh ${fresh.length} bytes`);
    }
    setImmediate(watch);
  };

  /** After a flush, each app's state file is the app in memory, whole. */
  const assertStateOnDisk = async (): Promise<void> => {
    await (platform as unknown as { store: StateStore }).store.flush();
    const apps = platform.listApps();
    for (const app of apps) {
      const onDisk = JSON.parse(await fs.readFile(new DataDir(dataDir).appFile(app.id), 'utf8'));
      assert.deepEqual(onDisk, JSON.parse(JSON.stringify(app)), `state file of ${app.spec.name}`);
    }
    assert.equal((await fs.readdir(new DataDir(dataDir).apps)).filter((f) => f.endsWith('.json')).length, apps.length);
  };

  before(async () => {
    dataDir = await tempDir('odoobo-viewcache-');
    const token = 'view-cache-token-0123456789';
    platform = new LocalAppPlatform({
      dataDir,
      token,
      faults: { simulate: true, buildMs: 30, deployMs: 30 },
      healthChecks: FAST_HEALTH,
      rateLimit: false,
      revisionLimit: 5,
    });
    await platform.init();
    const server = await buildApiServer(platform);
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    platform.apiBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    platform.restoreActive();
    api = new DoApi(platform.apiBase, token);
    close = async () => {
      await server.close();
      await platform.shutdown();
    };
    watching = true;
    setImmediate(watch);
  });

  after(async () => {
    watching = false;
    await close?.();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('never answers a view older than the app, through every kind of change', async () => {
    const deploy = async (appId: string, body: unknown = {}): Promise<any> =>
      waitForDeployment(api, appId, (await api.expect(200, 'POST', `/v2/apps/${appId}/deployments`, body)).deployment.id);

    const { app } = await api.expect(200, 'POST', '/v2/apps', { spec: spec('kept-a') });
    const { app: other } = await api.expect(200, 'POST', '/v2/apps', { spec: spec('kept-b') });
    const first = await waitForDeployment(api, app.id, app.pending_deployment.id);
    await waitForDeployment(api, other.id, other.pending_deployment.id);
    const second = await deploy(app.id);
    assert.equal(second.phase, 'ACTIVE');
    await assertStateOnDisk();

    // Queue one behind a running one and cancel it.
    const { deployment: running } = await api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {});
    const { deployment: queued } = await api.expect(200, 'POST', `/v2/apps/${app.id}/deployments`, {});
    await api.expect(200, 'POST', `/v2/apps/${app.id}/deployments/${queued.id}/cancel`);
    await waitForDeployment(api, app.id, running.id);

    // A spec update, then failures that leave the previous deployment serving.
    const { app: updated } = await api.expect(200, 'PUT', `/v2/apps/${app.id}`, { spec: spec('kept-a', { region: 'ams' }) });
    await waitForDeployment(api, app.id, updated.pending_deployment.id);
    await api.expect(200, 'PUT', `/v2/apps/${app.id}`, { spec: spec('kept-a') }).then((r) => waitForDeployment(api, app.id, r.app.pending_deployment.id));
    await api.expect(200, 'PATCH', '/_local/faults', { failBuilds: 1 });
    assert.equal((await deploy(app.id)).phase, 'ERROR');
    await api.expect(200, 'PATCH', '/_local/faults', { failHealthChecks: 1 });
    assert.equal((await deploy(app.id)).phase, 'ERROR');

    // Rollback, revert; rollback again and commit.
    const { deployment: rb } = await api.expect(200, 'POST', `/v2/apps/${app.id}/rollback`, { deployment_id: second.id });
    await waitForDeployment(api, app.id, rb.id);
    const { deployment: rev } = await api.expect(200, 'POST', `/v2/apps/${app.id}/rollback/revert`);
    await waitForDeployment(api, app.id, rev.id);
    const { deployment: rb2 } = await api.expect(200, 'POST', `/v2/apps/${app.id}/rollback`, { deployment_id: second.id });
    await waitForDeployment(api, app.id, rb2.id);
    await assertStateOnDisk();
    await api.expect(200, 'POST', `/v2/apps/${app.id}/rollback/commit`);

    // The answers are the kept views: the list and the single app agree with each other and with the state.
    const { apps } = await api.expect(200, 'GET', '/v2/apps');
    const { app: single } = await api.expect(200, 'GET', `/v2/apps/${app.id}`);
    assert.deepEqual(apps.find((a: any) => a.id === app.id), single);
    assert.equal(single.active_deployment.id, rb2.id);
    assert.equal(single.pinned_deployment, undefined);
    assert.notEqual(single.active_deployment.id, first.id);

    await api.expect(200, 'DELETE', `/v2/apps/${other.id}`);
    assert.deepEqual((await api.expect(200, 'GET', '/v2/apps')).apps.map((a: any) => a.id), [app.id]);

    await assertStateOnDisk();
    assert.ok(checks > 100, `the watcher compared views ${checks} times`);
    assert.deepEqual(stale, []);
  });
});
