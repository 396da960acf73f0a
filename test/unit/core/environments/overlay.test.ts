import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { defaultEnvironments, EnvironmentError, overlayPathFor, previewEnvironment, specForEnvironment } from '../../../../src/core/environments';

const BASE = [
  '# the base spec',
  'name: pr-review',
  'region: fra',
  'domains:',
  '  - domain: review.example.com',
  'services:',
  '  - name: pr-review',
  '    instance_count: 1',
  '    instance_size_slug: apps-s-1vcpu-0.5gb # small',
  '    envs:',
  '      - key: LOG_LEVEL',
  '        value: debug',
  '      - key: KEEP',
  '        value: "yes"',
  '  - name: helper',
  '    instance_count: 1',
  'alerts:',
  '  - rule: DEPLOYMENT_FAILED',
  '',
].join('\n');

const envs = defaultEnvironments();

test('overlay path sits beside the base', () => {
  assert.equal(overlayPathFor('infra/pr-review.yaml', 'production'), 'infra/pr-review.production.yaml');
  assert.equal(overlayPathFor('/r/infra/a.yml', 'qa'), '/r/infra/a.qa.yml');
});

test('an overlay merges components by name, envs by key, replaces scalars, deletes with null, keeps comments', () => {
  const overlay = [
    'region: nyc',
    'domains: null',
    'services:',
    '  - name: pr-review',
    '    instance_count: 2',
    '    instance_size_slug: apps-d-1vcpu-2gb',
    '    envs:',
    '      - key: LOG_LEVEL',
    '        value: info',
    '      - key: NEW',
    '        value: "1"',
  ].join('\n');
  const out = specForEnvironment(BASE, overlay, envs.get('production'), { overlayFile: 'infra/pr-review.production.yaml' });
  const spec = parse(out.text);
  assert.equal(spec.name, 'pr-review');
  assert.equal(spec.region, 'nyc');
  assert.equal(spec.domains, undefined);
  assert.equal(spec.services.length, 2, 'the helper component stays');
  assert.equal(spec.services[0].instance_count, 2);
  assert.equal(spec.services[0].instance_size_slug, 'apps-d-1vcpu-2gb');
  assert.deepEqual(spec.services[0].envs, [
    { key: 'LOG_LEVEL', value: 'info' },
    { key: 'KEEP', value: 'yes' },
    { key: 'NEW', value: '1' },
  ]);
  assert.deepEqual(spec.alerts, [{ rule: 'DEPLOYMENT_FAILED' }]);
  assert.match(out.text, /# the base spec/);
  const count = out.overlayPaths.find((p) => p.specPath.join('.') === 'services.0.instance_count');
  assert.deepEqual(count, { specPath: ['services', 0, 'instance_count'], overlayPath: ['services', 0, 'instance_count'], overlayLine: 5 });
  const added = out.overlayPaths.find((p) => p.overlayPath.join('.') === 'services.0.envs.1');
  assert.deepEqual(added?.specPath, ['services', 0, 'envs', 2]);
  assert.ok(out.changes.includes('services[0].instance_count = 2 (infra/pr-review.production.yaml)'), out.changes.join('\n'));
});

test('the environment names the app; no overlay and the same name leaves the text untouched', () => {
  const staging = specForEnvironment(BASE, undefined, envs.get('staging'));
  assert.equal(parse(staging.text).name, 'pr-review-staging');
  assert.deepEqual(staging.changes, ['name = pr-review-staging (environment staging)']);
  const production = specForEnvironment(BASE, '', envs.get('production'));
  assert.equal(production.text, BASE);
});

test('a preview is preview-safe: smallest size, one instance, no domains, no alerts, no autoscaling', () => {
  const overlay =
    'services:\n  - name: pr-review\n    instance_count: 3\n    github: {repo: o/r, branch: x, deploy_on_push: true}\n' +
    '    autoscaling: {min_instance_count: 2, max_instance_count: 4}\n';
  const out = specForEnvironment(BASE, overlay, previewEnvironment(12));
  const spec = parse(out.text);
  assert.equal(spec.name, 'pr-review-pr-12');
  assert.equal(spec.domains, undefined);
  assert.equal(spec.alerts, undefined);
  for (const s of spec.services) {
    assert.equal(s.instance_count, 1);
    assert.equal(s.instance_size_slug, 'apps-s-1vcpu-0.5gb');
    assert.equal(s.autoscaling, undefined);
  }
  assert.equal(spec.services[0].github.deploy_on_push, false, 'a preview never deploys by itself on a push');
});

test('bad overlays name their file and line', () => {
  const prod = envs.get('production');
  const f = { overlayFile: 'infra/x.production.yaml' };
  assert.throws(() => specForEnvironment(BASE, 'region: [nyc', prod, f), (e: unknown) => e instanceof EnvironmentError && /^infra\/x.production.yaml:1: /.test(e.message));
  assert.throws(() => specForEnvironment(BASE, '- a\n- b\n', prod, f), /infra\/x.production.yaml:1: an overlay is a mapping of app spec fields, not a list/);
  assert.throws(() => specForEnvironment(BASE, 'region: nyc\nname: other\n', prod, f), /infra\/x.production.yaml:2: name: an overlay cannot rename the app/);
});

test('a base that does not parse is answered unchanged, for the linter to report', () => {
  const broken = 'name: [x\n';
  assert.equal(specForEnvironment(broken, 'region: nyc', envs.get('staging')).text, broken);
});

test('the same base, overlay and environment again: an equal answer the caller owns; any other input is laid anew', () => {
  const overlay = 'services:\n  - name: pr-review\n    instance_count: 2\n';
  const f = { overlayFile: 'infra/pr-review.production.yaml' };
  const first = specForEnvironment(BASE, overlay, envs.get('production'), f);
  const expected = structuredClone(first);
  // What one caller does with its answer does not reach the next caller's.
  first.changes.push('mutated');
  first.overlayPaths[0].specPath.push('mutated');
  first.overlayPaths.pop();
  assert.deepEqual(specForEnvironment(BASE, overlay, envs.get('production'), f), expected);
  assert.equal(parse(specForEnvironment(BASE, overlay.replace('2', '3'), envs.get('production'), f).text).services[0].instance_count, 3);
  assert.equal(parse(specForEnvironment(BASE, overlay, envs.get('staging'), f).text).name, 'pr-review-staging');
  const other = specForEnvironment(BASE, overlay, envs.get('production'), { overlayFile: 'other.yaml' }).changes;
  assert.ok(other.includes('services[0].instance_count = 2 (other.yaml)'), other.join('\n'));
  assert.ok(other.every((c) => c.endsWith('(other.yaml)')), other.join('\n'));
  // An error is not remembered as an answer: the same bad overlay throws again.
  for (let i = 0; i < 2; i++) assert.throws(() => specForEnvironment(BASE, 'region: [nyc', envs.get('production'), f), EnvironmentError);
});
