/**
 * `odoobo console` as a real process against a deployed skill on the local App Platform: stdin (not a terminal) goes
 * through a real exec session, the shell's output comes back, the session ends with stdin; clear failures otherwise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeployedSkill } from '../../../builders/deployedSkill';
import { platformProcesses } from '../../../builders/platform';

describe('odoobo console', () => {
  let d: DeployedSkill;
  before(async () => {
    d = await DeployedSkill.start();
  });
  after(async () => {
    await d?.stop();
  });

  it('runs `echo hi` in the instance (its folder, its environment) and exits 0 when stdin ends', async () => {
    const before = platformProcesses(d.platform.dataDir).length;
    const r = await d.spawnCli(['console', 'pr-review'], 'echo "hi from $(basename "$PWD") on $HOST"\n');
    assert.equal(r.code, 0, `stderr: ${r.err}`);
    assert.match(r.out, /hi from pr-review on 127\.0\.0\.1/);
    assert.match(r.err, /connected to pr-review \(staging\) pr-review pr-review-[0-9a-f]+-\d+/);
    assert.ok(!r.err.includes('token='), 'the exec URL (with its token) is never printed');
    // The shell and its pty helper are gone: only the app's own processes are left.
    assert.equal(platformProcesses(d.platform.dataDir).length, before);
  });

  it('an unknown instance is a usage error naming the running ones (exit 2)', async () => {
    const r = await d.cli(['console', 'pr-review', '--instance', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /UNKNOWN_INSTANCE: pr-review has no instance "nope" \(running: pr-review-\S+ \(pr-review-0\)\)/);
  });

  it('a skill with no running instance gets a clear message (exit 1)', async () => {
    const app = await d.client.getApp(d.appId);
    const spec = structuredClone(app.spec);
    await d.client.deleteApp(d.appId);
    const fresh = await d.client.createApp(spec);
    await d.client.cancelDeployment(fresh.id, fresh.pending_deployment!.id!).catch(() => undefined);
    const r = await d.cli(['console', 'pr-review']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /NO_RUNNING_INSTANCE: pr-review has no running instance\n\s+→ deploy it/);
  });
});
