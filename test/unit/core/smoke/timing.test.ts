/**
 * Smoke-test response times: measured on the monotonic clock around the real request, kept to 0.1 ms, and said with
 * the precision that fits (`3.2 ms`, `184 ms`). Against real node:http servers on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { formatMs, runSmokeSuite, type SmokeManifest, type SmokeResult } from '../../../../src/core/smoke';

const MANIFEST: SmokeManifest = {
  name: 'slow',
  version: '1.0.0',
  healthPath: '/health',
  metadataPath: '/metadata',
  invokePath: '/invoke',
  docsPath: '/docs',
};

/** A skill that follows the contract and answers /health after `healthDelayMs`. */
async function skillServer(healthDelayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const metadata = { name: 'slow', description: 'A slow skill', version: '1.0.0', inputs: {} };
  Object.assign(metadata, { invoke_path: '/invoke', health_path: '/health', docs_path: '/docs' });
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (key === 'GET /health') setTimeout(() => send(200, JSON.stringify({ status: 'ok', skill: 'slow' })), healthDelayMs);
    else if (key === 'GET /metadata') send(200, JSON.stringify(metadata));
    else if (key === 'GET /docs') send(200, '<!DOCTYPE html><html></html>', 'text/html');
    else if (key === 'GET /invoke') send(405, '{}');
    else send(404, '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function run(delayMs: number): Promise<SmokeResult> {
  const s = await skillServer(delayMs);
  try {
    return await runSmokeSuite({ skill: 'slow', manifest: MANIFEST, baseUrl: s.url });
  } finally {
    await s.close();
  }
}

const byName = (r: SmokeResult) => Object.fromEntries(r.checks.map((c) => [c.name, c]));

describe('smoke-test response time', () => {
  it('records the time of the health request itself: ≥ 30 ms when the skill takes 30 ms to answer', async () => {
    const r = await run(30);
    assert.equal(r.passed, true, JSON.stringify(r.checks));
    const { health, 'response-time': rt } = byName(r);
    assert.ok(rt.durationMs >= 30, `response-time ${rt.durationMs} ms`);
    assert.ok(rt.durationMs < 1000, `response-time ${rt.durationMs} ms`);
    assert.ok(health.durationMs >= 30, `health ${health.durationMs} ms`);
    assert.match(rt.message, /^GET \/health took \d+ ms \(limit 5\.0 s\)$/);
    assert.equal(rt.message.match(/took (\d+) ms/)?.[1], String(Math.round(rt.durationMs)), 'the message says the recorded time');
  });

  it('keeps a fast local answer to 0.1 ms instead of rounding it to 0', async () => {
    const r = await run(0);
    const { 'response-time': rt, metadata } = byName(r);
    assert.ok(rt.durationMs > 0, `response-time ${rt.durationMs} ms`);
    assert.ok(metadata.durationMs > 0, `metadata ${metadata.durationMs} ms`);
    assert.equal(Math.round(rt.durationMs * 10) / 10, rt.durationMs, 'kept to 0.1 ms');
    assert.match(rt.message, /took \d+(\.\d)? ms/);
  });
});

describe('formatMs', () => {
  it('says milliseconds with the precision that fits', () => {
    assert.equal(formatMs(0.42), '0.4 ms');
    assert.equal(formatMs(3.21), '3.2 ms');
    assert.equal(formatMs(9.96), '10 ms');
    assert.equal(formatMs(184.4), '184 ms');
    assert.equal(formatMs(1500), '1.5 s');
    assert.equal(formatMs(-1), '');
  });
});
