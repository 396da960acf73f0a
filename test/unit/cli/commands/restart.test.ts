/**
 * `odoobo restart` against a deployed skill on the local App Platform: a rolling restart (the live URL answers all
 * along), progress and --json, exit codes for an unknown component, an undeployed environment and a protected one.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { watchHealth } from '../../../builders/clientPlatform';
import { DeployedSkill } from '../../../builders/deployedSkill';

describe('odoobo restart', () => {
  let d: DeployedSkill;
  before(async () => {
    d = await DeployedSkill.start();
  });
  after(async () => {
    await d?.stop();
  });

  it('--json: every instance replaced, the app serving all along; exit 0', async () => {
    const [old] = await d.client.listInstances(d.appId);
    const watcher = watchHealth(d.liveUrl, 10);
    const r = await d.cli(['restart', 'pr-review', '--json']);
    const served = await watcher.stop();
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.ok, true);
    assert.equal(doc.environment, 'staging');
    assert.equal(doc.app, 'pr-review');
    assert.deepEqual(doc.result.components, ['pr-review']);
    assert.deepEqual(doc.result.before, [old.instance_name]);
    assert.equal(doc.result.after.length, 1);
    assert.notEqual(doc.result.after[0], old.instance_name);
    assert.match(r.err, /restart requested for pr-review \(1 instance\)[\s\S]*replaced pr-review-\S+ \(1\/1\)[\s\S]*pr-review ready/);
    assert.deepEqual(served.failures, []);
  });

  it('an unknown component: exit 2 naming the running ones', async () => {
    const r = await d.cli(['restart', 'pr-review', '--component', 'web']);
    assert.equal(r.code, 2);
    assert.match(r.err, /UNKNOWN_COMPONENT: no running component named web \(running: pr-review\)/);
  });

  it('environments: an environment without an app exits 1 naming it; a protected one needs --yes without a terminal', async () => {
    const file = path.join(d.repo.fixture.dir, 'infra', 'environments.yaml');
    await fs.writeFile(file, 'default: staging\nenvironments:\n  staging: {}\n  production: {}\n');
    try {
      const staging = await d.cli(['restart', 'pr-review', '--json']);
      assert.equal(staging.code, 1);
      assert.equal(JSON.parse(staging.out).error.code, 'APP_NOT_DEPLOYED');
      assert.match(JSON.parse(staging.out).error.message, /no app "pr-review-staging" \(staging\)/);
      const refused = await d.cli(['restart', 'pr-review', '--env', 'production']);
      assert.equal(refused.code, 2);
      assert.match(refused.err, /production is a protected environment: add --yes/);
      const [old] = await d.client.listInstances(d.appId);
      const ok = await d.cli(['restart', 'pr-review', '--env', 'production', '--yes']);
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /restart every component of pr-review \(production\)[\s\S]*restarted pr-review in /);
      assert.notEqual((await d.client.listInstances(d.appId))[0].instance_name, old.instance_name);
      assert.equal((await d.cli(['restart', 'pr-review', '--env', 'nowhere'])).code, 2);
    } finally {
      await fs.rm(file, { force: true });
    }
  });
});
