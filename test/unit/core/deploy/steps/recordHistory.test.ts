/**
 * The record step's history, notifications and incidents, through real deploys on the local App Platform (simulated
 * components, for speed): a JSON receiver and a Slack receiver on 127.0.0.1, and the fake GitHub for incident issues.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deploySkill, listRollbackTargets, rollbackSkill, type DeployResult } from '../../../../../src/core/deploy';
import { HistoryStore } from '../../../../../src/core/history/store';
import type { AlertOptions } from '../../../../../src/core/notify/alerts';
import { DeployFixture, expectResult } from '../../../../builders/deploy';
import { sendJson, startServer, type TestServer } from '../../../../builders/doServer';
import { startFakeGitHub, type FakeGitHub } from '../../../../builders/fakeGitHub';

const SECRET = 'T0000/B0000/hookSecretValue42';

describe('record step: history, notifications, incidents', () => {
  let fx: DeployFixture;
  let hook: TestServer;
  let gh: FakeGitHub;
  let alerts: AlertOptions;
  const history = () => new HistoryStore(path.join(fx.repoDir, '.git')).read();

  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha'], faults: { simulate: true } });
    hook = await startServer((_q, res) => sendJson(res, 200, 'ok'));
    gh = await startFakeGitHub();
    gh.addRepo('acme/skills');
    alerts = {
      notify: {
        destinations: [
          { channel: 'deployments', format: 'json', url: `${hook.url}/deployments/${SECRET}` },
          { channel: 'incidents', format: 'slack', url: `${hook.url}/incidents/${SECRET}` },
        ],
      },
      incidents: { token: gh.token, repository: 'acme/skills', apiUrl: gh.url },
    };
  });
  after(async () => {
    await hook?.close();
    await gh?.close();
    await fx?.stop();
  });

  let first: DeployResult;

  it('a successful deploy is one history line (who, commit, steps) and one notice on deployments', async () => {
    first = await deploySkill({ ...fx.options({ alerts }), skill: 'alpha' });
    expectResult(first, 'succeeded');
    const { records, skipped } = await history();
    assert.equal(skipped, 0);
    assert.equal(records.length, 1);
    const r = records[0];
    assert.deepEqual(
      [r.kind, r.skill, r.environment, r.target, r.outcome, r.commit, r.deploymentId, r.who],
      ['deploy', 'alpha', 'staging', 'local', 'succeeded', first.commit, first.deploymentId, 'Odoobo Test <test@odoobo.invalid>'],
    );
    // post-deploy: no check configured, so it records nothing
    assert.deepEqual(r.steps.map((s) => s.name), ['lock', 'prepare', 'validate', 'apply', 'create', 'monitor', 'health', 'traffic']);
    assert.ok(r.durationMs! >= r.steps.reduce((a, s) => a + s.durationMs, 0) - 5);
    assert.deepEqual(hook.requests.map((q) => q.path.split('/')[1]), ['deployments']);
    const doc = hook.requests[0].json as Record<string, unknown>;
    assert.deepEqual([doc.event, doc.skill, doc.outcome, doc.commit], ['odoobo.deploy', 'alpha', 'succeeded', first.commit]);
  });

  it('an automatic rollback: a history line with the rollback and the incident issue, and a Slack notice on incidents', async () => {
    const postDeploy = async () => ({ ok: false, code: 'ENDPOINT_404', message: 'GET /v1/run answered 404' });
    const r = await deploySkill({ ...fx.options({ alerts, postDeploy }), skill: 'alpha', forceBuild: true });
    expectResult(r, 'rolled-back', 'ENDPOINT_404');
    const [issue] = gh.issues('acme/skills');
    assert.equal(issue.title, '[INCIDENT] Rollback executed for staging');
    assert.deepEqual(issue.labels.map((l) => l.name), ['incident', 'rollback', 'staging']);
    assert.match(issue.body ?? '', new RegExp(`Failed deployment \\| \`${r.deploymentId}\``));
    assert.match(issue.body ?? '', new RegExp(`Restored deployment \\| \`${first.deploymentId}\``));
    const last = (await history()).records.at(-1)!;
    assert.equal(last.outcome, 'rolled-back');
    assert.equal(last.code, 'ENDPOINT_404');
    assert.deepEqual(last.rollback, {
      trigger: 'automatic', status: 'succeeded', fromDeploymentId: r.deploymentId, toDeploymentId: first.deploymentId,
      rollbackDeploymentId: r.rollback!.rollbackDeploymentId,
    });
    assert.equal(last.incident?.issueNumber, issue.number);
    const slack = hook.requests.find((q) => q.path.startsWith('/incidents/'))!.json as { text: string; blocks: unknown[] };
    assert.equal(slack.text, 'Deploy of alpha to staging: rolled-back');
    assert.match(JSON.stringify(slack.blocks), /ENDPOINT_404/);
    assert.match(JSON.stringify(slack.blocks), /Mitigation/);
  });

  it('a manual rollback is recorded as one, and opens an incident too', async () => {
    const [to] = await listRollbackTargets({ ...fx.options(), skill: 'alpha' });
    const r = await rollbackSkill({ ...fx.options({ alerts }), skill: 'alpha', deploymentId: to.id, acceptWarnings: true, commit: true });
    assert.equal(r.status, 'succeeded', JSON.stringify(r.error));
    const last = (await history()).records.at(-1)!;
    const seen = [last.kind, last.outcome, last.rollback?.trigger, last.rollback?.toDeploymentId];
    assert.deepEqual(seen, ['rollback', 'succeeded', 'manual', to.id]);
    assert.equal(gh.issues('acme/skills').length, 2);
    assert.equal(last.incident?.issueNumber, gh.issues('acme/skills')[1].number);
  });

  it('a dead receiver delays the deploy by no more than the request timeout; the warning never shows its URL', async () => {
    const hung = http.createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as AddressInfo).port;
    try {
      const timeout = 500;
      const url = `http://127.0.0.1:${port}/${SECRET}`;
      const destinations = [{ channel: 'deployments', format: 'slack', url }] as const;
      const dead: AlertOptions = { notify: { destinations, requestTimeoutMs: timeout } };
      await fx.setFaults({ simulate: true, failBuilds: 1 });
      const r = await deploySkill({ ...fx.options({ alerts: dead }), skill: 'alpha' });
      expectResult(r, 'failed', 'BUILD_FAILED');
      const rec = r.steps.find((s) => s.name === 'record')!;
      assert.ok(rec.durationMs < timeout + 400, `record took ${rec.durationMs} ms`);
      assert.ok(r.warnings.some((w) => w.startsWith('NOTIFY_FAILED: Slack webhook for deployments')), r.warnings.join('\n'));
      assert.ok(!JSON.stringify(r).includes(SECRET), 'the webhook URL is in the result');
      assert.equal((await history()).records.at(-1)?.code, 'BUILD_FAILED');
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });
});
