/** `odoobo status --live` against a deployed skill: CPU %, memory %, replicas and the running instance, text and JSON. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeployedSkill } from '../../../builders/deployedSkill';

describe('odoobo status --live', () => {
  let d: DeployedSkill;
  before(async () => {
    d = await DeployedSkill.start();
  });
  after(async () => {
    await d?.stop();
  });

  it('shows each app\'s resources and instances', async () => {
    const [instance] = await d.client.listInstances(d.appId);
    const text = await d.cli(['status', '--live']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /RESOURCES\s+INSTANCES/);
    assert.match(text.out, new RegExp(`cpu \\d+\\.\\d% · mem \\d+\\.\\d% · 1/1 ready\\s+${instance.instance_name}`));
    const json = await d.cli(['status', '--live', '--json']);
    assert.equal(json.code, 0, json.err);
    const app = JSON.parse(json.out).live.apps.find((a: any) => a.skill === 'pr-review');
    assert.deepEqual(app.instances, [instance.instance_name]);
    assert.equal(typeof app.components[0].cpu_usage_percent, 'number');
    assert.equal(typeof app.components[0].memory_usage_percent, 'number');
  });
});
