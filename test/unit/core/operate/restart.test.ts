/**
 * restartComponents as DigitalOcean answers a restart: a new deployment in flight, waited for until ACTIVE (a fake of
 * DigitalOcean's API, as its OpenAPI description says; the local platform's in-place restart is tested in
 * test/unit/cli/commands/restart.test.ts and test/unit/platform/operate.test.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AppPlatformClient } from '../../../../src/core/do/client';
import { OperateError } from '../../../../src/core/operate/app';
import { restartComponents } from '../../../../src/core/operate/restart';
import { deploymentAt } from '../../../builders/do';
import { sendJson, startServer, type TestServer } from '../../../builders/doServer';

const servers: TestServer[] = [];
const clients: AppPlatformClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
});

/** DigitalOcean after a restart: the deployment is DEPLOYING for three polls, then ACTIVE, with new instances. */
async function fakeDigitalOcean(): Promise<{ server: TestServer; client: AppPlatformClient }> {
  let polls = 0;
  const instance = (name: string) => ({ component_name: 'web', component_type: 'SERVICE', instance_name: name, instance_alias: 'web-0' });
  const server = await startServer((req, res) => {
    if (req.method === 'GET' && req.path === '/v2/apps/app-1/instances') {
      return sendJson(res, 200, { instances: [instance(polls >= 4 ? 'web-7d9f-new' : 'web-5c4b-old')] });
    }
    if (req.method === 'POST' && req.path === '/v2/apps/app-1/restart') {
      return sendJson(res, 200, { deployment: deploymentAt({ id: 'dep-r', phase: 'PENDING_DEPLOY' }) });
    }
    if (req.method === 'GET' && req.path === '/v2/apps/app-1/deployments/dep-r') {
      polls++;
      return sendJson(res, 200, { deployment: deploymentAt({ id: 'dep-r', phase: polls >= 4 ? 'ACTIVE' : 'DEPLOYING' }) });
    }
    sendJson(res, 404, { id: 'not_found', message: 'The resource you requested could not be found.' });
  });
  servers.push(server);
  const client = new AppPlatformClient({ baseUrl: server.url, token: 'dop_v1_test', budget: false, retry: { baseDelayMs: 1 } });
  clients.push(client);
  return { server, client };
}

describe('restartComponents', () => {
  it('waits for the restart deployment DigitalOcean answers; progress lines only when they change', async () => {
    const { server, client } = await fakeDigitalOcean();
    const lines: string[] = [];
    const r = await restartComponents(client, 'app-1', { components: ['web'], pollIntervalMs: 10, onProgress: (l) => lines.push(l) });
    assert.deepEqual([r.deploymentId, r.components, r.before, r.after], ['dep-r', ['web'], ['web-5c4b-old'], ['web-7d9f-new']]);
    assert.deepEqual(server.requests.find((q) => q.path.endsWith('/restart'))?.json, { components: ['web'] });
    assert.equal(lines[0], 'restart requested for web (1 instance)');
    assert.equal(new Set(lines).size, lines.length, `no line twice: ${lines.join(' | ')}`);
    assert.ok(lines.length >= 2, lines.join(' | '));
  });

  it('an unknown component is refused before anything is restarted', async () => {
    const { server, client } = await fakeDigitalOcean();
    await assert.rejects(restartComponents(client, 'app-1', { components: ['api'] }), (e: unknown) => {
      assert.ok(e instanceof OperateError);
      assert.equal(e.code, 'UNKNOWN_COMPONENT');
      assert.match(e.message, /no running component named api \(running: web\)/);
      return true;
    });
    assert.ok(!server.requests.some((q) => q.path.endsWith('/restart')));
  });
});
