/**
 * Deploying to an environment (issue 18) against the real local App Platform: the environment's overlay laid on the
 * base spec, the app named after the environment, the branch it builds from, the status file per environment, and
 * the single-app behaviour of a repository without infra/environments.yaml.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lintAppSpec } from '../../../../src/core/appspec';
import { deploySkill } from '../../../../src/core/deploy';
import { prepareSpec } from '../../../../src/core/deploy/spec';
import { defaultEnvironments, parseEnvironments, resolveEnvironment } from '../../../../src/core/environments';
import { loadSkill } from '../../../../src/core/skills/loadSkills';
import { skillEnvStatus } from '../../../../src/core/status';
import { DeployFixture, EventLog, expectResult } from '../../../builders/deploy';
import { git } from '../../../builders/repo';

const ENVIRONMENTS = [
  'default: staging',
  'environments:',
  '  staging:',
  '    app: "{app}-staging"',
  '  production:',
  '    app: "{app}"',
  '    approval: true',
  '    branch: env/production/{skill}',
  '',
].join('\n');

const OVERLAY = ['services:', '  - name: alpha', '    instance_count: 2', '    instance_size_slug: apps-s-1vcpu-1gb', ''].join('\n');

describe('deploying to an environment', () => {
  let fx: DeployFixture;

  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha', 'beta'], faults: { simulate: true, buildMs: 50, deployMs: 50 } });
  });
  after(async () => {
    await fx?.stop();
  });

  it('without infra/environments.yaml: one app per skill, named as its spec (as before), records at the top level', async () => {
    const log = new EventLog();
    const r = await deploySkill({ ...fx.options({ onEvent: log.listener }), skill: 'beta' });
    expectResult(r, 'succeeded');
    assert.equal(r.environment, 'staging');
    assert.ok(await fx.app('beta'), 'the app keeps the spec name');
    assert.equal(await fx.app('beta-staging'), undefined);
    assert.ok(log.events.every((e) => e.environment === 'staging'), 'events carry it');
    const s = (await fx.statusFile()).skills.beta;
    assert.equal(s.lastDeployment?.deploymentId, r.deploymentId);
    assert.equal(s.environments?.staging.lastDeployment?.deploymentId, r.deploymentId);
    // production would share that one app: refused, naming the file to write.
    const p = await deploySkill({ ...fx.options({ environment: 'production' }), skill: 'beta' });
    expectResult(p, 'failed', 'ENVIRONMENT_INVALID');
    assert.match(p.error!.message, /infra\/environments\.yaml/);
    assert.throws(() => resolveEnvironment(defaultEnvironments(), 'production'), /give production an app of its own/);
  });

  it('with infra/environments.yaml: staging and production apps, the overlay, the branch, the status per environment', async () => {
    await fs.writeFile(path.join(fx.repoDir, 'infra', 'environments.yaml'), ENVIRONMENTS);
    await fs.writeFile(path.join(fx.repoDir, 'infra', 'alpha.production.yaml'), OVERLAY);

    const staging = await deploySkill({ ...fx.options(), skill: 'alpha' });
    expectResult(staging, 'succeeded');
    assert.equal(staging.environment, 'staging');
    const stagingApp = await fx.app('alpha-staging');
    assert.equal(stagingApp.spec.services[0].instance_count, 1, 'the production overlay is not staging\'s');
    assert.equal(stagingApp.spec.services[0].github.branch, 'skill/alpha');

    // Production builds from env/production/alpha: refused until promotion made it, nothing created.
    const refused = await deploySkill({ ...fx.options({ environment: 'production' }), skill: 'alpha' });
    expectResult(refused, 'failed', 'ENVIRONMENT_BRANCH_MISSING');
    assert.match(refused.error!.message, /env\/production\/alpha.*promote first/);
    assert.equal(await fx.app('alpha'), undefined);

    await git(fx.repoDir, 'push', '-q', 'origin', 'main:refs/heads/env/production/alpha');
    const log = new EventLog();
    const prod = await deploySkill({ ...fx.options({ environment: 'production', onEvent: log.listener }), skill: 'alpha' });
    expectResult(prod, 'succeeded');
    assert.equal(prod.environment, 'production');
    const prodApp = await fx.app('alpha');
    assert.equal(prodApp.id, prod.appId);
    assert.notEqual(prodApp.id, stagingApp.id);
    assert.deepEqual(
      [prodApp.spec.services[0].instance_count, prodApp.spec.services[0].instance_size_slug, prodApp.spec.services[0].github.branch],
      [2, 'apps-s-1vcpu-1gb', 'env/production/alpha'],
    );
    assert.match(prod.steps.find((s) => s.name === 'prepare')?.message ?? '', /instance_count = 2 \(infra\/alpha\.production\.yaml\)/);
    assert.ok(log.events.some((e) => e.type === 'deploy-finished' && e.environment === 'production'));

    const s = (await fx.statusFile()).skills.alpha;
    assert.equal(s.lastDeployment?.deploymentId, staging.deploymentId, 'the top level stays staging\'s');
    assert.equal(skillEnvStatus(s, 'production', 'staging').lastDeployment?.deploymentId, prod.deploymentId);
    assert.equal(skillEnvStatus(s, 'staging', 'staging').lastDeployment?.appId, stagingApp.id);
  });

  it('an unknown environment fails before anything changes, naming infra/environments.yaml and the known names', async () => {
    const r = await deploySkill({ ...fx.options({ environment: 'qa' }), skill: 'alpha' });
    expectResult(r, 'failed', 'ENVIRONMENT_INVALID');
    assert.match(r.error!.message, /unknown environment "qa": infra\/environments\.yaml declares staging, production/);
    assert.deepEqual(r.steps.map((s) => s.name), ['lock']);
  });
});

describe('prepareSpec with an overlay', () => {
  let fx: DeployFixture;
  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha'], faults: { simulate: true } });
  });
  after(async () => {
    await fx?.stop();
  });
  const envs = parseEnvironments(ENVIRONMENTS);
  const prepare = async (overlay: string) => {
    await fs.writeFile(path.join(fx.repoDir, 'infra', 'alpha.production.yaml'), overlay);
    const { skill } = await loadSkill(fx.repoDir, 'skills', 'alpha');
    return prepareSpec(skill!, { repoRoot: fx.repoDir, lint: lintAppSpec, environment: envs.get('production') });
  };
  const rejectsWith = async (overlay: string, code: string, pattern: RegExp) => {
    await assert.rejects(prepare(overlay), (e: { code: string; message: string }) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      return true;
    });
  };

  it('names the overlay file and line for an unknown field (a warning, as in a base spec), a wrong type, a bad enum', async () => {
    const p = await prepare('services:\n  - name: alpha\n    instance_cont: 2\n');
    assert.ok(p.warnings.some((w) => /^infra\/alpha\.production\.yaml:3:5 UNKNOWN_FIELD .*instance_count/.test(w)), p.warnings.join('\n'));
    await rejectsWith('region: fra\nservices:\n  - name: alpha\n    instance_count: two\n', 'SPEC_VALIDATION_FAILED', /alpha\.production\.yaml:4:\d+ SCHEMA_ERROR/);
    await rejectsWith('ingress:\n  rules:\n    - match: { path: { prefix: / } }\n      component: { name: alpha }\n      cors: { allow_credentials: maybe }\n', 'SPEC_VALIDATION_FAILED', /alpha\.production\.yaml:5:/);
  });

  it('reports an error of the merged spec that comes from the overlay on the overlay (a component it adds)', async () => {
    const extra = 'services:\n  - name: extra\n    run_command: uvicorn main:app --port 9000\n    http_port: 8080\n';
    await rejectsWith(extra, 'SPEC_VALIDATION_FAILED', /its production spec has errors: infra\/alpha\.production\.yaml:2:1 PORT_MISMATCH/);
  });

  it('refuses an overlay that renames the app, naming its line', async () => {
    await rejectsWith('name: other\n', 'SPEC_VALIDATION_FAILED', /alpha\.production\.yaml:1: name: an overlay cannot rename the app/);
  });

  it('an overlay or a base that is a FIFO, a folder or over 1 MiB: APP_SPEC_MISSING naming it, and nothing waits', async () => {
    const overlay = path.join(fx.repoDir, 'infra', 'alpha.production.yaml');
    await fs.rm(overlay, { force: true });
    execFileSync('mkfifo', [overlay]); // no writer: a blocking read would hang the process
    try {
      await rejectsWithFile('APP_SPEC_MISSING', /cannot read the production overlay infra\/alpha\.production\.yaml: not a regular file/);
    } finally {
      await fs.rm(overlay, { force: true });
    }
    await fs.mkdir(overlay);
    try {
      await rejectsWithFile('APP_SPEC_MISSING', /cannot read the production overlay infra\/alpha\.production\.yaml: not a regular file/);
    } finally {
      await fs.rm(overlay, { recursive: true, force: true });
    }
    const base = path.join(fx.repoDir, 'infra', 'alpha.yaml');
    const text = await fs.readFile(base, 'utf8');
    await fs.writeFile(base, text + `# ${'x'.repeat(1024 * 1024)}\n`);
    try {
      await rejectsWithFile('APP_SPEC_MISSING', /cannot read its app spec infra\/alpha\.yaml: \d+ bytes, over the 1 MiB an app spec may have/);
    } finally {
      await fs.writeFile(base, text);
    }
  });
  const rejectsWithFile = async (code: string, pattern: RegExp) => {
    const { skill } = await loadSkill(fx.repoDir, 'skills', 'alpha');
    await assert.rejects(prepareSpec(skill!, { repoRoot: fx.repoDir, lint: lintAppSpec, environment: envs.get('production') }), (e: { code: string; message: string }) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, pattern);
      return true;
    });
  };

  it('lays a clean overlay on the base and names the app after the environment; the base file is not rewritten', async () => {
    const before = await fs.readFile(path.join(fx.repoDir, 'infra', 'alpha.yaml'), 'utf8');
    const p = await prepare(OVERLAY);
    assert.equal(p.spec.name, 'alpha');
    assert.equal(p.spec.services?.[0].instance_count, 2);
    assert.equal(p.overlayFile, 'infra/alpha.production.yaml');
    const staging = await (async () => {
      const { skill } = await loadSkill(fx.repoDir, 'skills', 'alpha');
      return prepareSpec(skill!, { repoRoot: fx.repoDir, lint: lintAppSpec, environment: envs.get('staging'), writeSpec: true });
    })();
    assert.equal(staging.spec.name, 'alpha-staging');
    assert.equal(staging.spec.services?.[0].instance_count, 1);
    assert.equal(await fs.readFile(path.join(fx.repoDir, 'infra', 'alpha.yaml'), 'utf8'), before);
  });
});
