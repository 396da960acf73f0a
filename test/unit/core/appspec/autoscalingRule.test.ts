/** The linter's autoscaling checks: instance_count next to autoscaling, min above max, a size that cannot autoscale. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintAppSpec } from '../../../../src/core/appspec';
import { applyFix } from '../../../../src/core/appspec/fixes';

const spec = (lines: string) => `name: app
services:
  - name: web
    run_command: uvicorn main:app --port $PORT
    http_port: 8080
    health_check:
      http_path: /health
${lines}`;

async function autoscalingFindings(text: string) {
  const { findings } = await lintAppSpec(text, { file: 'app.yaml' });
  return findings.filter((f) => f.code === 'SCHEMA_ERROR' && JSON.stringify(f.path ?? []).match(/autoscaling|instance_count/));
}

describe('autoscaling rule', () => {
  it('a dedicated size with min ≤ max and no instance_count is clean', async () => {
    const text = spec('    instance_size_slug: apps-d-1vcpu-1gb\n    autoscaling:\n      min_instance_count: 2\n' +
      '      max_instance_count: 4\n' +
      '      metrics:\n        cpu:\n          percent: 70\n');
    assert.deepEqual(await autoscalingFindings(text), []);
  });

  it('instance_count with autoscaling is an error whose fix removes the count', async () => {
    const text = spec('    instance_count: 2\n    instance_size_slug: apps-d-1vcpu-1gb\n    autoscaling:\n      min_instance_count: 2\n' +
      '      max_instance_count: 4\n');
    const [f, ...rest] = await autoscalingFindings(text);
    assert.equal(rest.length, 0);
    assert.equal(f.severity, 'error');
    assert.deepEqual(f.path, ['services', 0, 'instance_count']);
    assert.equal(f.line, 8);
    const fixed = applyFix(text, f.fixes![0]);
    assert.doesNotMatch(fixed, /^ +instance_count:/m);
    assert.deepEqual(await autoscalingFindings(fixed), []);
  });

  it('min above max, and a shared size, are errors naming the field', async () => {
    const text = spec('    instance_size_slug: apps-s-1vcpu-1gb\n    autoscaling:\n      min_instance_count: 5\n' +
      '      max_instance_count: 4\n');
    const found = await autoscalingFindings(text);
    assert.deepEqual(found.map((f) => f.path), [['services', 0, 'autoscaling'], ['services', 0, 'autoscaling', 'min_instance_count']]);
    assert.match(found[0].message, /`apps-s-1vcpu-1gb` cannot autoscale; App Platform autoscales dedicated sizes only/);
    assert.match(found[1].message, /\(5\) is above `max_instance_count` \(4\)/);
  });
});
