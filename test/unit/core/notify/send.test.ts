import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { retryAfterMs } from '../../../../src/core/notify/deliver';
import { destinationsFrom } from '../../../../src/core/notify/env';
import { channelsFor, sendNotice } from '../../../../src/core/notify/send';
import type { DeployNotice, WebhookDestination } from '../../../../src/core/notify/types';
import { sendJson, startServer, type RecordedRequest, type TestServer } from '../../../builders/doServer';

/** The secret part of the webhook URLs: must never show up in a message. */
const SECRET = 'T0000/B0000/XXXXsecretXXXXtoken';

const servers: TestServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

type Answer = (req: RecordedRequest, res: http.ServerResponse, n: number) => void;

async function receiver(answer: Answer = (_q, res) => sendJson(res, 200, 'ok')) {
  const s = await startServer(answer);
  servers.push(s);
  return s;
}

const failed: DeployNotice = {
  kind: 'deploy',
  skill: 'pr-review',
  environment: 'production',
  target: 'digitalocean',
  outcome: 'rolled-back',
  at: '2026-03-01T10:00:00.000Z',
  commit: '0123456789abcdef0123456789abcdef01234567',
  durationMs: 185_000,
  liveUrl: 'https://pr-review.example.com',
  code: 'HEALTH_CHECK_FAIL',
  message: 'GET /health answered 500 <broken>',
  mitigation: 'Check the logs with `odoobo logs pr-review`.',
  rollback: { trigger: 'automatic', status: 'succeeded', toDeploymentId: 'dep-1' },
};
const ok: DeployNotice = { ...failed, outcome: 'succeeded', code: undefined, message: undefined, mitigation: undefined };
delete (ok as { rollback?: unknown }).rollback;

const url = (s: TestServer, channel: string) => `${s.url}/services/${channel}/${SECRET}`;

describe('sendNotice', () => {
  it('posts Slack Block Kit messages and JSON documents to the channels each outcome belongs to', async () => {
    const slack = await receiver();
    const hook = await receiver();
    const destinations: WebhookDestination[] = [
      { channel: 'deployments', format: 'slack', url: url(slack, 'deployments') },
      { channel: 'incidents', format: 'slack', url: url(slack, 'incidents') },
      { channel: 'deployments', format: 'json', url: url(hook, 'deployments') },
      { channel: 'incidents', format: 'json', url: url(hook, 'incidents') },
    ];
    assert.deepEqual(await sendNotice({ destinations }, ok), []);
    assert.deepEqual(slack.requests.map((r) => r.path.split('/')[2]), ['deployments']);
    assert.deepEqual(hook.requests.map((r) => r.path.split('/')[2]), ['deployments']);
    assert.deepEqual(await sendNotice({ destinations }, failed), []);
    assert.deepEqual(slack.requests.map((r) => r.path.split('/')[2]).sort(), ['deployments', 'deployments', 'incidents']);

    const msg = slack.requests.at(-1)!;
    assert.equal(msg.headers['content-type'], 'application/json');
    type Block = { type: string; text?: { text: string }; fields?: Array<{ type: string; text: string }> };
    const body = msg.json as { text: string; blocks: Block[] };
    assert.equal(body.text, 'Deploy of pr-review to production: rolled-back');
    assert.equal(body.blocks[0].type, 'header');
    const fields = body.blocks[1].fields!.map((f) => f.text);
    assert.deepEqual(fields, [
      '*Skill*\npr-review',
      '*Environment*\nproduction (digitalocean)',
      '*Commit*\n`0123456789ab`',
      '*Outcome*\n:rewind: rolled-back',
      '*Duration*\n3 min 5 s',
      '*URL*\n<https://pr-review.example.com>',
      '*Error code*\n`HEALTH_CHECK_FAIL`',
      '*Rollback*\nautomatic: succeeded → dep-1',
    ]);
    assert.ok(body.blocks[1].fields!.every((f) => f.type === 'mrkdwn'));
    assert.equal(body.blocks[2].text!.text, '*Error*\nGET /health answered 500 &lt;broken&gt;', 'mrkdwn control characters escaped');
    assert.equal(body.blocks[3].text!.text, '*Mitigation*\nCheck the logs with `odoobo logs pr-review`.');

    const doc = hook.requests.find((r) => r.path.includes('/incidents/'))!.json as Record<string, unknown>;
    assert.deepEqual(doc, { event: 'odoobo.deploy', version: 1, channel: 'incidents', ...failed });
  });

  it('waits out a 429 as Retry-After says, then delivers', async () => {
    const s = await receiver((_q, res, n) => sendJson(res, n === 1 ? 429 : 200, 'x', n === 1 ? { 'retry-after': '1' } : {}));
    const t0 = Date.now();
    const destinations: WebhookDestination[] = [{ channel: 'deployments', format: 'slack', url: url(s, 'x') }];
    const problems = await sendNotice({ destinations, waitMs: 5_000 }, ok);
    assert.deepEqual(problems, []);
    assert.equal(s.requests.length, 2);
    const gap = s.requests[1].at - s.requests[0].at;
    assert.ok(gap >= 950 && gap < 2_500, `retried after ${gap} ms`);
    assert.ok(Date.now() - t0 < 4_000);
  });

  it('retries a 5xx with backoff, and gives up on a 4xx at once, naming the channel, never the URL', async () => {
    const flaky = await receiver((_q, res, n) => sendJson(res, n < 3 ? 503 : 200, 'x'));
    const dest = (s: TestServer): WebhookDestination[] => [{ channel: 'incidents', format: 'json', url: url(s, 'i') }];
    assert.deepEqual(await sendNotice({ destinations: dest(flaky), waitMs: 10_000 }, failed), []);
    assert.equal(flaky.requests.length, 3);
    const gone = await receiver((_q, res) => sendJson(res, 404, 'no_service'));
    const problems = await sendNotice({ destinations: dest(gone), waitMs: 10_000 }, failed);
    assert.deepEqual(problems, ['JSON webhook for incidents: the receiver refused the notice (HTTP 404)']);
    assert.equal(gone.requests.length, 1);
  });

  it('a dead receiver delays no longer than the request timeout; its failure is reported once, without the URL', async (t) => {
    // Accepts connections, never answers. Closed however the test ends: an open server would keep this file's process
    // (and the whole unit layer) waiting forever.
    const hung = http.createServer(() => undefined);
    t.after(async () => {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as AddressInfo).port;
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const destinations: WebhookDestination[] = [
      { channel: 'deployments', format: 'slack', url: `http://127.0.0.1:${port}/services/${SECRET}` },
      { channel: 'incidents', format: 'json', url: `http://127.0.0.1:${closedPort}/hook/${SECRET}` },
    ];
    const timeout = 400;
    const t0 = Date.now();
    // A refused connection is retried after 375–625 ms (500 ms ± 25 %); the total budget must leave room for the
    // attempt after that (750–1,250 ms), or a first retry inside the 400 ms wait gives up before the wait ends.
    const config = { destinations, requestTimeoutMs: timeout, maxTotalMs: 5_000 };
    const all = await sendNotice(config, failed);
    const took = Date.now() - t0;
    assert.ok(took < timeout + 200, `the caller waited ${took} ms`);
    assert.deepEqual(all, [
      'Slack webhook for deployments: not delivered within 400 ms (still retrying in the background)',
      'JSON webhook for incidents: not delivered within 400 ms (still retrying in the background)',
    ]);
    // a refused connection that fails for good before the wait ends is reported with its cause
    const quick = await sendNotice({ destinations: [destinations[1]], requestTimeoutMs: timeout, maxTotalMs: 100 }, failed);
    assert.deepEqual(quick, ['JSON webhook for incidents: not delivered after 1 attempt (last: ECONNREFUSED)']);
    for (const m of [...all, ...quick]) {
      assert.ok(!m.includes(SECRET) && !m.includes(String(port)) && !m.includes('127.0.0.1'), m);
    }
  });
});

describe('channels and configuration', () => {
  it('every deploy goes to deployments; failures and rollbacks to incidents too', () => {
    assert.deepEqual(channelsFor(ok), ['deployments']);
    assert.deepEqual(channelsFor({ ...ok, outcome: 'canceled' }), ['deployments']);
    assert.deepEqual(channelsFor({ ...ok, outcome: 'failed' }), ['deployments', 'incidents']);
    assert.deepEqual(channelsFor({ ...ok, kind: 'rollback' }), ['deployments', 'incidents']);
  });

  it('reads destinations from the environment and names a bad variable without its value', () => {
    const env: Record<string, string> = {
      ODOOBO_SLACK_WEBHOOK_INCIDENTS: `https://hooks.slack.com/services/${SECRET}`,
      ODOOBO_WEBHOOK_DEPLOYMENTS: 'http://127.0.0.1:9/deploys',
    };
    assert.deepEqual(destinationsFrom((n) => env[n]), [
      { channel: 'incidents', format: 'slack', url: `https://hooks.slack.com/services/${SECRET}` },
      { channel: 'deployments', format: 'json', url: 'http://127.0.0.1:9/deploys' },
    ]);
    const bad = { ODOOBO_WEBHOOK_INCIDENTS: `ftp://x/${SECRET}` } as Record<string, string>;
    const named = (e: Error) => e.message.includes('ODOOBO_WEBHOOK_INCIDENTS') && !e.message.includes(SECRET);
    assert.throws(() => destinationsFrom((n) => bad[n]), named);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });
});
