/**
 * Blue-green switching under load: a bounded loop of 2,000 requests to an app's stable local URL while the app is
 * redeployed and then rolled back. Not one request may fail — including slow requests that are in flight on the old
 * deployment when traffic switches. The test app exits at once on SIGTERM, so it is the platform's drain (wait for
 * the old deployment's in-flight requests, then stop it) that keeps them from failing.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform, waitFor, waitForDeployment, waitNoProcesses, type TestPlatform, validatedResponses } from '../../builders/platform';
import { SkillRepo } from '../../builders/platformRepo';

const TOTAL = 2000;
// A slow endpoint, and no graceful shutdown: on SIGTERM the process exits at once, so only the platform's drain (wait
// for in-flight requests, then stop) keeps slow requests from failing.
const SLOW_ENDPOINT = `

import asyncio as _asyncio
import os as _os
import signal as _signal


@app.get("/slow")
async def slow(ms: int = 300) -> Dict[str, Any]:
    await _asyncio.sleep(ms / 1000)
    return {"status": "ok", "version": VERSION, "slept_ms": ms}


@app.on_event("startup")
async def _exit_at_once_on_sigterm() -> None:
    _signal.signal(_signal.SIGTERM, lambda *_: _os._exit(0))
`;

after(() => console.log(`${validatedResponses()} API responses validated against DigitalOcean's OpenAPI schemas`));

describe('local App Platform: blue-green under load', () => {
  let repo: SkillRepo;
  let p: TestPlatform;
  let appId = '';
  let liveUrl = '';
  let first: any;

  before(async () => {
    repo = await SkillRepo.create('pr-review');
    await repo.change('main.py', (t) => t + SLOW_ENDPOINT, 'add a slow endpoint');
    p = await startTestPlatform({ repos: { 'odoobo/odoobo-skills': repo.origin } });
    const { app } = await p.api.expect(200, 'POST', '/v2/apps', { spec: await repo.spec() });
    appId = app.id;
    liveUrl = app.live_url;
    first = await waitForDeployment(p.api, appId, app.pending_deployment.id);
    assert.equal(first.phase, 'ACTIVE');
  });

  after(async () => {
    await p?.stop();
    if (p) await waitNoProcesses(p.dataDir);
    await repo?.remove();
    if (p) await fs.rm(p.dataDir, { recursive: true, force: true });
  });

  it(`${TOTAL} requests across a redeploy and a rollback: 0 failed`, async () => {
    let sent = 0;
    let switching = true;
    const failures: string[] = [];
    const versions = new Map<string, number>();
    let slowCompleted = 0;
    const sequence: string[] = [];

    const one = async (path: string): Promise<void> => {
      try {
        const res = await fetch(`${liveUrl}${path}`, { signal: AbortSignal.timeout(15_000) });
        const text = await res.text();
        if (res.status !== 200) {
          failures.push(`${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
          return;
        }
        const version = (JSON.parse(text) as { version: string }).version;
        versions.set(version, (versions.get(version) ?? 0) + 1);
        if (sequence[sequence.length - 1] !== version) sequence.push(version);
        if (path.startsWith('/slow')) slowCompleted++;
      } catch (err) {
        failures.push(`${path}: ${(err as Error).message}`);
      }
    };
    const worker = async (path: string): Promise<void> => {
      while (sent < TOTAL) {
        sent++;
        await one(path);
        // Paced while deployments switch, so that the 2,000 requests span both switches; full speed afterwards.
        if (switching) await new Promise((r) => setTimeout(r, sent > 1200 ? 100 : 15));
      }
    };
    // Three workers on a fast endpoint, one that always has a 300 ms request in flight.
    const load = Promise.all([worker('/health'), worker('/health'), worker('/health'), worker('/slow?ms=300')]);

    await new Promise((r) => setTimeout(r, 300));
    const commit = await repo.setVersion('0.2.0');
    const { deployment } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/deployments`, {});
    const redeployed = await waitForDeployment(p.api, appId, deployment.id);
    assert.equal(redeployed.phase, 'ACTIVE');
    assert.equal(redeployed.services[0].source_commit_hash, commit);
    await waitFor('responses from the new deployment', async () => (versions.get('0.2.0') ?? 0) > 20, 30_000);
    const atRedeploy = sent;

    const { deployment: rb } = await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback`, { deployment_id: first.id });
    const rolledBack = await waitForDeployment(p.api, appId, rb.id);
    assert.equal(rolledBack.phase, 'ACTIVE');
    await p.api.expect(200, 'POST', `/v2/apps/${appId}/rollback/commit`);
    const before = versions.get('0.1.0') ?? 0;
    await waitFor('responses from the rolled-back deployment', async () => (versions.get('0.1.0') ?? 0) > before + 20, 30_000);
    const atRollback = sent;
    switching = false;
    await load;

    const okCount = [...versions.values()].reduce((a, b) => a + b, 0);
    console.log(
      `blue-green: ${sent} requests (${slowCompleted} slow), ${failures.length} failed; versions served in order ${sequence.join(' → ')}; ` +
        `${atRedeploy} sent when the redeploy served, ${atRollback} when the rollback served; ${JSON.stringify(Object.fromEntries(versions))}`,
    );
    assert.ok(atRollback < TOTAL, `both switches happened inside the ${TOTAL}-request loop (${atRollback} sent at the second switch)`);
    assert.deepEqual(failures, [], `${failures.length} requests failed`);
    assert.equal(sent, TOTAL);
    assert.equal(okCount, TOTAL);
    assert.ok(slowCompleted > 0);
    // 0.1.0 → 0.2.0 → 0.1.0, possibly interleaved briefly while in-flight requests of the old deployment finish.
    assert.equal(sequence[0], '0.1.0');
    assert.equal(sequence[sequence.length - 1], '0.1.0');
    assert.ok(sequence.includes('0.2.0'));
    const { deployment: old } = await p.api.expect(200, 'GET', `/v2/apps/${appId}/deployments/${redeployed.id}`);
    assert.equal(old.phase, 'SUPERSEDED');
  });
});
