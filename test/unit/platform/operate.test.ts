/**
 * Operating what runs on the local App Platform (issue 19), with a real skill (skills/pr-review, FastAPI on
 * /usr/bin/python3) and real processes: instances named after their PIDs, health with CPU % and memory % read from
 * /proc, a rolling restart that never drops a request, a console websocket speaking doctl's exec protocol, and alerts
 * delivered to a Slack webhook (a local HTTP receiver in Slack's place). Every /v2 answer is checked against
 * DigitalOcean's OpenAPI description (DoApi).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { ClientPlatform, health, watchHealth } from '../../builders/clientPlatform';
import { waitFor } from '../../builders/platform';

/** A console over the exec websocket, as doctl's `apps console` drives it: `{op: stdin|resize}` in, `{data}` out. */
class TestConsole {
  output = '';
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (m) => {
      this.output += (JSON.parse(m.toString()) as { data: string }).data;
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string): Promise<TestConsole> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestConsole(ws);
  }

  send(data: string): void {
    this.ws.send(JSON.stringify({ op: 'stdin', data }));
  }

  resize(width: number, height: number): void {
    this.ws.send(JSON.stringify({ op: 'resize', width, height }));
  }

  /** Waits until the output matches `re`; answers the match. */
  async expect(re: RegExp): Promise<RegExpMatchArray> {
    return waitFor(`console output matching ${re}`, async () => this.output.match(re) ?? undefined, 15_000, 20);
  }
}

/** Slack in a test: an HTTP server on 127.0.0.1 that records the JSON bodies posted to it. */
async function slackReceiver(): Promise<{ url: string; messages: any[]; close: () => Promise<void> }> {
  const messages: any[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      messages.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-part`,
    messages,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('operate a running skill on the local App Platform', () => {
  let cp: ClientPlatform;
  let slack: Awaited<ReturnType<typeof slackReceiver>>;
  let appId = '';
  let liveUrl = '';

  before(async () => {
    cp = await ClientPlatform.start({ skill: 'pr-review' });
    slack = await slackReceiver();
    const spec = await cp.repo!.spec({ alerts: [{ rule: 'DEPLOYMENT_FAILED' }, { rule: 'DEPLOYMENT_LIVE' }] });
    spec.services[0].alerts = [{ rule: 'RESTART_COUNT', operator: 'GREATER_THAN', value: 0, window: 'FIVE_MINUTES' }];
    ({ appId, liveUrl } = await cp.createAndDeploy(spec));
  });
  after(async () => {
    await cp?.stop();
    await slack?.close();
  });

  const instances = async (): Promise<any[]> => (await cp.platform.api.expect(200, 'GET', `/v2/apps/${appId}/instances`)).instances;
  const pidOf = (name: string): number => Number(/-(\d+)$/.exec(name)?.[1]);

  it('instances: one per component, named after a live process', async () => {
    const list = await instances();
    assert.equal(list.length, 1);
    assert.equal(list[0].component_name, 'pr-review');
    assert.equal(list[0].component_type, 'SERVICE');
    assert.equal(list[0].instance_alias, 'pr-review-0');
    assert.ok(alive(pidOf(list[0].instance_name)), `${list[0].instance_name} names a live process`);
    assert.deepEqual(await cp.client.listInstances(appId), list);
  });

  it('health: replicas, state, and CPU % and memory % of the real process group', async () => {
    const body = await cp.platform.api.expect(200, 'GET', `/v2/apps/${appId}/health`);
    const [c] = body.app_health.components;
    assert.equal(c.name, 'pr-review');
    assert.equal(c.state, 'HEALTHY');
    assert.equal(c.replicas_desired, 1);
    assert.equal(c.replicas_ready, 1);
    assert.equal(typeof c.cpu_usage_percent, 'number');
    assert.ok(c.cpu_usage_percent >= 0 && c.cpu_usage_percent < 400, `cpu ${c.cpu_usage_percent}`);
    // uvicorn + FastAPI hold tens of MB: of the 512 MiB of apps-s-1vcpu-0.5gb that is a few percent, never 0.
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pidOf((await instances())[0].instance_name)}/status`, 'utf8'))?.[1]);
    assert.ok(c.memory_usage_percent > 1 && c.memory_usage_percent < 100, `memory ${c.memory_usage_percent}% (rss ${rssKb} kB)`);
    console.log(`health: cpu ${c.cpu_usage_percent}%, memory ${c.memory_usage_percent}%`);
  });

  it('health: the CPU figure follows real work of the process (requests served between two readings)', async () => {
    const cpu = async (): Promise<number> =>
      (await cp.platform.api.expect(200, 'GET', `/v2/apps/${appId}/health`)).app_health.components[0].cpu_usage_percent;
    await cpu(); // the reading the next one compares with
    for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 5 }, () => fetch(`${liveUrl}/health`).then((r) => r.text())));
    const busy = await cpu();
    assert.ok(busy > 1, `cpu ${busy}% after serving 150 requests`);
    console.log(`health under load: cpu ${busy}% (150 requests between the readings)`);
  });

  it('restart is rolling: a new process takes over, the live URL never fails, the old process is gone', async () => {
    const [before] = await instances();
    const watcher = watchHealth(liveUrl, 10);
    let next: any;
    try {
      const { deployment } = await cp.platform.api.expect(200, 'POST', `/v2/apps/${appId}/restart`, { components: ['pr-review'] });
      assert.equal(deployment.phase, 'ACTIVE');
      // While the new process starts, both are listed: the old one first, the new one as a surge instance.
      let both: any[] | undefined;
      next = await waitFor('a new instance', async () => {
        const list = await instances();
        if (list.length === 2) both = list;
        return list.length === 1 && list[0].instance_name !== before.instance_name ? list[0] : undefined;
      }, 30_000, 10);
      assert.deepEqual(both?.map((i) => i.instance_alias), ['pr-review-0', 'pr-review-1'], 'old and new listed during the restart');
      assert.equal(both?.[0].instance_name, before.instance_name);
      await waitFor('the old process to stop', async () => !alive(pidOf(before.instance_name)));
    } finally {
      await watcher.stop();
    }
    const served = await watcher.stop();
    assert.deepEqual(served.failures, [], 'every request during the restart answered 200');
    assert.ok(served.ok >= 3, `requests served during the restart: ${served.ok}`);
    assert.ok(alive(pidOf(next.instance_name)));
    assert.equal((await health(liveUrl)).status, 'ok');
    console.log(`restart: ${served.ok} requests during the restart, 0 failed`);
  });

  it('restart refuses unknown components (400 naming them) and an unknown app (404)', async () => {
    const r = await cp.platform.api.post(`/v2/apps/${appId}/restart`, { components: ['nope'] });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /"nope".*pr-review/);
    assert.equal((await cp.platform.api.post('/v2/apps/no-such-app/restart', {})).status, 404);
  });

  it('console: a shell in the instance folder with its runtime environment; resize; exit closes the socket', async () => {
    const { url } = await cp.platform.api.expect(200, 'GET', `/v2/apps/${appId}/components/pr-review/exec`);
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/_local\/exec\/[0-9a-f-]+\?token=[0-9a-f]{64}$/);
    const c = await TestConsole.open(url);
    c.send('echo "hi from $(basename "$PWD") host=$HOST port=${PORT:+set} token=${ODOOBO_LOCAL_TOKEN:-none}"\n');
    await c.expect(/hi from pr-review host=127\.0\.0\.1 port=set token=none/);
    c.resize(123, 45);
    c.send('stty size\n');
    await c.expect(/45 123/);
    c.send('exit\n');
    const closed = await c.closed;
    assert.equal(closed.code, 1000);
  });

  it('console: closing the socket ends the shell and what it started; the URL is single-use and needs its token', async () => {
    const { url } = await cp.platform.api.expect(200, 'GET', `/v2/apps/${appId}/components/pr-review/exec`);
    const c = await TestConsole.open(url);
    c.send('echo "shell=$$"; sleep 300 & echo "job=$!"\n');
    const shell = Number((await c.expect(/shell=(\d+)/))[1]);
    const job = Number((await c.expect(/job=(\d+)/))[1]);
    assert.ok(alive(shell) && alive(job));
    c.ws.close();
    await waitFor('the shell and its job to end', async () => !alive(shell) && !alive(job), 10_000);
    // Used once: the same URL, or the session without its token, is refused before the upgrade.
    await assert.rejects(TestConsole.open(url), /401/);
    await assert.rejects(TestConsole.open(url.replace(/\?token=.*$/, '')), /401/);
  });

  it('console: the exec URL of a named instance, of the active deployment through its id; unknown ones are 404', async () => {
    const [i] = await instances();
    const byInstance = await cp.client.getExecUrl(appId, 'pr-review', { instanceName: i.instance_name });
    const app = await cp.client.getApp(appId);
    const byDeployment = await cp.client.getExecUrl(appId, 'pr-review', { deploymentId: app.active_deployment!.id });
    for (const url of [byInstance, byDeployment]) {
      const c = await TestConsole.open(url);
      c.send('echo ok-$((40+2))\nexit\n');
      await c.expect(/ok-42/);
      await c.closed;
    }
    const unknown = await cp.platform.api.get(`/v2/apps/${appId}/components/pr-review/exec?instance_name=pr-review-x-1`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.message, /no instance "pr-review-x-1"/);
    assert.equal((await cp.platform.api.get(`/v2/apps/${appId}/components/nope/exec`)).status, 404);
  });

  it('alerts: DEPLOYMENT_LIVE, RESTART_COUNT and DEPLOYMENT_FAILED reach the Slack webhook in Slack\'s message format', async () => {
    const alerts = await cp.client.listAlerts(appId);
    assert.deepEqual(alerts.map((a) => a.spec?.rule).sort(), ['DEPLOYMENT_FAILED', 'DEPLOYMENT_LIVE', 'RESTART_COUNT']);
    for (const a of alerts) {
      const destinations = { emails: ['ops@example.com'], slack_webhooks: [{ url: slack.url, channel: 'ops' }] };
      const set = await cp.client.assignAlertDestinations(appId, a.id!, destinations);
      assert.deepEqual(set.slack_webhooks, [{ url: slack.url, channel: 'ops' }]);
    }
    const live = await cp.client.createDeployment(appId);
    assert.equal((await cp.wait(appId, live.id)).phase, 'ACTIVE');
    await waitFor('DEPLOYMENT_LIVE delivered', async () => slack.messages.find((m) => m.body.text.startsWith('DEPLOYMENT_LIVE')));

    const [i] = await instances();
    process.kill(pidOf(i.instance_name), 'SIGKILL');
    await waitFor('RESTART_COUNT delivered', async () => slack.messages.find((m) => m.body.text.startsWith('RESTART_COUNT')));

    await cp.setFaults({ failBuilds: 1 });
    const failing = await cp.client.createDeployment(appId);
    await assert.rejects(cp.wait(appId, failing.id), /BuildJobExitNonZero/);
    const failed = await waitFor('DEPLOYMENT_FAILED delivered',
      async () => slack.messages.find((m) => m.body.text.startsWith('DEPLOYMENT_FAILED')));

    for (const m of slack.messages) {
      assert.equal(m.path, '/services/T000/B000/secret-part');
      assert.equal(m.type, 'application/json');
      assert.equal(m.body.channel, 'ops');
      assert.equal(m.body.blocks[0].type, 'section');
      assert.equal(m.body.blocks[0].text.type, 'mrkdwn');
      assert.match(m.body.blocks[0].text.text, /^\*(DEPLOYMENT_LIVE|DEPLOYMENT_FAILED|RESTART_COUNT) · pr-review/);
    }
    assert.match(failed.body.text, /BuildJobExitNonZero/);
    assert.ok(!cp.platform.logLines.some((l) => l.includes('secret-part')), 'the webhook URL is never logged');
  });
  it('instance_count 2: two processes take turns serving, health counts both, a restart replaces them one at a time', async () => {
    const spec = structuredClone((await cp.client.getApp(appId)).spec);
    spec.services![0].instance_count = 2;
    const app = await cp.client.updateApp(appId, spec);
    assert.equal((await cp.wait(appId, app.pending_deployment!.id!)).phase, 'ACTIVE');
    const list = await instances();
    assert.deepEqual(list.map((i) => i.instance_alias), ['pr-review-0', 'pr-review-1']);
    const pids = list.map((i) => pidOf(i.instance_name));
    // CPU time of a replica's process group (the shell that runs run_command, uvicorn under it).
    const ticks = (pgid: number): number => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).reduce((sum, e) => {
      const f = (() => {
        try {
          const text = readFileSync(`/proc/${e}/stat`, 'utf8');
          return text.slice(text.lastIndexOf(')') + 2).split(' ');
        } catch {
          return undefined;
        }
      })();
      return f && Number(f[2]) === pgid ? sum + Number(f[11]) + Number(f[12]) : sum;
    }, 0);
    const before = pids.map(ticks);
    for (let i = 0; i < 40; i++) await Promise.all(Array.from({ length: 5 }, () => fetch(`${liveUrl}/health`).then((r) => r.text())));
    const after = pids.map(ticks);
    assert.ok(after.every((t, i) => t > before[i]), `both replicas worked: CPU ticks ${before} → ${after}`);
    const [h] = (await cp.platform.api.expect(200, 'GET', `/v2/apps/${appId}/health`)).app_health.components;
    assert.deepEqual([h.replicas_desired, h.replicas_ready, h.state], [2, 2, 'HEALTHY']);

    const watcher = watchHealth(liveUrl, 10);
    let fewest = 2;
    try {
      await cp.platform.api.expect(200, 'POST', `/v2/apps/${appId}/restart`, {});
      await waitFor('both replicas replaced', async () => {
        const now = await instances();
        fewest = Math.min(fewest, now.length);
        return now.length === 2 && now.every((i) => !list.some((o) => o.instance_name === i.instance_name));
      }, 60_000, 20);
    } finally {
      await watcher.stop();
    }
    const served = await watcher.stop();
    assert.deepEqual(served.failures, []);
    assert.equal(fewest, 2, 'never fewer than two instances running during the restart');
    assert.ok(pids.every((p) => !alive(p)), 'the old processes stopped');
    console.log(`2 replicas: restart served ${served.ok} requests, 0 failed`);
  });
});
