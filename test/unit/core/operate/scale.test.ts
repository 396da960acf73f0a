/**
 * Planning a scale against the real local App Platform's instance sizes and `propose`: the edit keeps the spec's
 * comments, unknown sizes get the nearest ones, counts out of a size's range are refused with the range, autoscaling
 * replaces instance_count on dedicated sizes only, and the cost before → after matches App Platform's own price.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { AppPlatformClient } from '../../../../src/core/do/client';
import type { InstanceSize } from '../../../../src/core/do/schemas';
import { formatCostChange, proposedCost } from '../../../../src/core/operate/cost';
import { planScale, ScaleError, type ScaleChange } from '../../../../src/core/operate/scale';
import { REPO_ROOT, startTestPlatform, type TestPlatform } from '../../../builders/platform';

const FILE = 'infra/pr-review.yaml';

describe('planScale with the local App Platform’s instance sizes', () => {
  let platform: TestPlatform;
  let client: AppPlatformClient;
  let sizes: InstanceSize[];
  let text: string;
  const plan = (change: ScaleChange, t = text) => planScale({ text: t, file: FILE, change, sizes });
  const refusal = (change: ScaleChange, t = text): ScaleError => {
    try {
      plan(change, t);
    } catch (e) {
      assert.ok(e instanceof ScaleError, String(e));
      return e;
    }
    assert.fail('expected a ScaleError');
  };

  before(async () => {
    platform = await startTestPlatform();
    client = new AppPlatformClient({ baseUrl: platform.url, token: platform.token, budget: false });
    sizes = await client.listInstanceSizes();
    text = await fs.readFile(path.join(REPO_ROOT, FILE), 'utf8');
  });
  after(async () => {
    await client?.close();
    await platform?.stop();
    if (platform) await fs.rm(platform.dataDir, { recursive: true, force: true });
  });

  it('count and size: only those lines change, comments stay, the cost goes $5 → $24 as propose says', async () => {
    const p = plan({ count: 2, size: 'apps-s-1vcpu-1gb' });
    assert.equal(p.component, 'pr-review');
    assert.deepEqual(p.before, { size: 'apps-s-1vcpu-0.5gb', count: 1 });
    assert.deepEqual(p.after, { size: 'apps-s-1vcpu-1gb', count: 2 });
    const removed = p.diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
    const added = p.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
    assert.deepEqual(removed, ['-    instance_count: 1', '-    instance_size_slug: apps-s-1vcpu-0.5gb']);
    assert.deepEqual(added, ['+    instance_count: 2', '+    instance_size_slug: apps-s-1vcpu-1gb']);
    for (const comment of text.split('\n').filter((l) => l.trim().startsWith('#'))) assert.ok(p.text.includes(comment), comment);
    assert.equal(p.cost.before.max, 5);
    assert.equal(p.cost.after.max, 24);
    assert.equal(formatCostChange(p.cost.before, p.cost.after), '$5.00/month → $24.00/month (+$19.00)');
    const [b, a] = await Promise.all([proposedCost(client, p.specBefore), proposedCost(client, p.specAfter)]);
    assert.deepEqual([b.cost, a.cost], [5, 24], JSON.stringify([b, a]));
  });

  it('an unknown size is refused with the nearest valid ones', () => {
    const e = refusal({ size: 'apps-s-1vcpu-1g' });
    assert.equal(e.code, 'UNKNOWN_SIZE');
    assert.ok(e.details.suggestions?.includes('apps-s-1vcpu-1gb'), JSON.stringify(e.details));
    assert.match(e.message, /nearest: .*apps-s-1vcpu-1gb/);
    const far = refusal({ size: 'xl' });
    assert.equal(far.details.suggestions?.length, 3);
  });

  it('a count out of the size’s range is refused with the range (single-instance sizes run 1)', () => {
    const e = refusal({ count: 2 });
    assert.equal(e.code, 'COUNT_OUT_OF_RANGE');
    assert.deepEqual(e.details.range, { min: 1, max: 1 });
    assert.match(e.message, /2 instances of `apps-s-1vcpu-0\.5gb` is out of its range 1–1/);
    assert.equal(refusal({ count: 251, size: 'apps-s-1vcpu-1gb' }).code, 'INVALID_SCALE');
    assert.equal(refusal({ count: 0 }).code, 'INVALID_SCALE');
    // back to a single-instance size with two instances running: refused too
    const two = plan({ count: 2, size: 'apps-s-1vcpu-1gb' }).text;
    assert.equal(refusal({ size: 'apps-s-1vcpu-0.5gb' }, two).code, 'COUNT_OUT_OF_RANGE');
  });

  it('autoscaling replaces instance_count on a dedicated size; a shared size cannot autoscale; min above max refused', () => {
    assert.equal(refusal({ autoscale: { min: 2, max: 4 } }).code, 'NOT_AUTOSCALABLE');
    assert.equal(refusal({ size: 'apps-d-1vcpu-1gb', autoscale: { min: 5, max: 4 } }).code, 'INVALID_SCALE');
    assert.equal(refusal({ size: 'apps-d-1vcpu-1gb', autoscale: { min: 2, max: 4, cpuPercent: 101 } }).code, 'INVALID_SCALE');
    assert.equal(refusal({ count: 2, autoscale: { min: 2, max: 4 } }).code, 'INVALID_SCALE');
    const p = plan({ size: 'apps-d-1vcpu-1gb', autoscale: { min: 2, max: 4, cpuPercent: 70 } });
    const svc = parse(p.text).services[0];
    assert.equal(svc.instance_count, undefined);
    assert.deepEqual(svc.autoscaling, { min_instance_count: 2, max_instance_count: 4, metrics: { cpu: { percent: 70 } } });
    assert.deepEqual([p.cost.after.min, p.cost.after.max], [68, 136]);
    assert.equal(formatCostChange(p.cost.before, p.cost.after), '$5.00/month → $68.00–$136.00/month (+$131.00)');
    // and back to a fixed count
    const back = planScale({ text: p.text, file: FILE, change: { autoscale: false, count: 3 }, sizes });
    const svc2 = parse(back.text).services[0];
    assert.equal(svc2.autoscaling, undefined);
    assert.equal(svc2.instance_count, 3);
  });

  it('a spec with several components asks which; an unknown component is named with the known ones', () => {
    const two = `${text}workers:\n  - name: queue\n    instance_count: 1\n`;
    const e = refusal({ count: 1 }, two);
    assert.equal(e.code, 'UNKNOWN_COMPONENT');
    assert.deepEqual(e.details.suggestions, ['pr-review', 'queue']);
    assert.match(refusal({ component: 'queu', count: 1 }, two).message, /no service, worker or job named `queu`/);
    const p = plan({ component: 'queue', count: 1, size: 'apps-s-1vcpu-1gb' }, two);
    assert.equal(p.kind, 'workers');
    assert.equal(parse(p.text).workers[0].instance_size_slug, 'apps-s-1vcpu-1gb');
  });

  it('nothing to change: the text is the same and there is no diff', () => {
    const p = plan({ count: 1 });
    assert.equal(p.changed, false);
    assert.equal(p.diff, '');
    assert.equal(p.text, text);
  });
});
