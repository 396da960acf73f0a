import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  appNameFor,
  branchFor,
  EnvironmentError,
  loadEnvironments,
  parseEnvironments,
  previewEnvironment,
  previewOf,
} from '../../../../src/core/environments';

test('without infra/environments.yaml: staging (default, <app>-staging, skill branch) and production (<app>, approval)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'envs-'));
  try {
    const envs = await loadEnvironments(dir);
    assert.equal(envs.file, undefined);
    assert.equal(envs.defaultName, 'staging');
    assert.equal(envs.mergeGate, 'staging');
    assert.deepEqual(envs.list.map((e) => e.name), ['staging', 'production']);
    const staging = envs.get();
    assert.equal(appNameFor(staging, 'pr-review'), 'pr-review-staging');
    assert.equal(branchFor(staging, 'pr-review'), 'skill/pr-review');
    assert.equal(staging.requiresApproval, false);
    const production = envs.get('production');
    assert.equal(appNameFor(production, 'pr-review'), 'pr-review');
    assert.equal(branchFor(production, 'pr-review'), 'env/production/pr-review');
    assert.equal(production.requiresApproval, true);
    assert.equal(production.protected, true);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a declared file: other names, a chosen default and merge gate, templates with {env} and {skill}', () => {
  const envs = parseEnvironments(
    [
      'default: dev',
      'mergeGate: qa',
      'environments:',
      '  dev: {}',
      '  qa:',
      '    app: "{app}-qa"',
      '    approval: true',
      '  live:',
      '    app: "{app}"',
      '    branch: "release/{skill}"',
      '    protected: true',
    ].join('\n'),
  );
  assert.equal(envs.file, 'infra/environments.yaml');
  assert.equal(envs.defaultName, 'dev');
  assert.equal(envs.mergeGate, 'qa');
  assert.equal(appNameFor(envs.get('dev'), 'nl-sql'), 'nl-sql-dev');
  assert.equal(branchFor(envs.get('dev'), 'nl-sql'), 'skill/nl-sql');
  assert.equal(envs.get('qa').requiresApproval, true);
  assert.equal(envs.get('qa').protected, true, 'an environment that needs approval is protected unless it says otherwise');
  assert.equal(branchFor(envs.get('qa'), 'nl-sql'), 'env/qa/nl-sql');
  assert.equal(branchFor(envs.get('live'), 'nl-sql'), 'release/nl-sql');
  assert.equal(envs.get('live').requiresApproval, false);
  assert.throws(() => envs.get('production'), /unknown environment "production": infra\/environments.yaml declares dev, qa, live/);
});

test('bad files name the line and the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['default: prod\nenvironments:\n  staging: {}\n', /environments.yaml:1: default: "prod" is not one of the environments \(staging\)/],
    ['environments:\n  staging:\n    aproval: true\n', /environments.yaml:3: environments.staging: Unrecognized key: "aproval"/],
    ['environments:\n  staging:\n    app: "{app}-{stage}"\n', /environments.yaml:3: environments.staging.app: unknown placeholder \{stage\}/],
    ['environments:\n  staging:\n    app: "{app}_stg"\n', /:3: environments.staging.app: "\{app\}_stg" gives "my-skill_stg".*not a valid App Platform app name/],
    ['environments:\n  a: {app: "{app}"}\n  b: {app: "{app}"}\n', /environments a and b name their apps alike/],
    ['environments: {}\n', /declares no environments/],
    ['environments:\n  Staging: {}\n', /:2: environments.Staging: an environment name is lowercase/],
    ['environments:\n  staging: {}\n  staging: {}\n', /environments.yaml:3: Map keys must be unique/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseEnvironments(text), (e: unknown) => e instanceof EnvironmentError && re.test(e.message), text);
  }
});

test('previews are named <app>-pr-<n> and recognised by name', () => {
  const env = previewEnvironment(42, 'feature/x');
  assert.equal(env.name, 'pr-42');
  assert.equal(appNameFor(env, 'pr-review'), 'pr-review-pr-42');
  assert.equal(branchFor(env, 'pr-review'), 'feature/x');
  assert.equal(branchFor(previewEnvironment(7), 'pr-review'), 'skill/pr-review');
  assert.deepEqual(previewOf('pr-review-pr-42'), { app: 'pr-review', pr: 42 });
  assert.equal(previewOf('pr-review-staging'), undefined);
  assert.throws(() => previewEnvironment(0), /positive integer/);
});
