/**
 * A skill's components live (health + instances) as the CLI and the tree read them, from a real skill on the local
 * App Platform; and how the figures are written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatResources, readComponentsLive, withInstances } from '../../../../src/core/operate/instances';
import { liveStatus } from '../../../../src/core/localPlatform/liveApps';
import { DeployedSkill } from '../../../builders/deployedSkill';

describe('core/operate/instances', () => {
  let d: DeployedSkill;
  before(async () => {
    d = await DeployedSkill.start();
  });
  after(async () => {
    await d?.stop();
  });

  it('readComponentsLive: state, CPU %, memory %, replicas and the running instance of each component', async () => {
    const [c, ...rest] = await readComponentsLive(d.client, d.appId);
    assert.equal(rest.length, 0);
    assert.equal(c.name, 'pr-review');
    assert.equal(c.state, 'HEALTHY');
    assert.equal(c.replicasReady, 1);
    assert.equal(c.replicasDesired, 1);
    assert.equal(typeof c.cpuPercent, 'number');
    assert.ok((c.memoryPercent ?? 0) > 0);
    assert.deepEqual(c.instances, (await d.client.listInstances(d.appId)).map((i) => i.instance_name));
  });

  it('withInstances adds each deployed app\'s instances to the live status; an undeployed skill gets none', async () => {
    const apps = [{ skill: 'pr-review', app: 'pr-review' }, { skill: 'x', app: 'x' }];
    const live = await withInstances(d.client, await liveStatus(d.client, apps));
    assert.match(live.apps[0].instances?.[0] ?? '', /^pr-review-[0-9a-f]{10}-\d+$/);
    assert.equal(live.apps[1].instances, undefined);
  });

  it('formatResources writes what the target gave and – for what it did not', () => {
    assert.equal(formatResources({ cpu_usage_percent: 3.456, memory_usage_percent: 7, replicas_ready: 1, replicas_desired: 2 }),
      'cpu 3.5% · mem 7.0% · 1/2 ready');
    assert.equal(formatResources({}), 'cpu – · mem –');
  });
});
