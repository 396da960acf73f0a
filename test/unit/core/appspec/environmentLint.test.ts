import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyFix } from '../../../../src/core/appspec/fixes';
import { infraFileKind, lintAppSpec, lintEnvironmentsFile, lintOverlay } from '../../../../src/core/appspec';
import { overlayJsonSchema } from '../../../../src/core/appspec/schema';
import { appSpecFor, RepoFixture } from '../../../builders/repo';

const at = (f: { line: number; column: number; code: string }) => `${f.line}:${f.column} ${f.code}`;

describe('infraFileKind', () => {
  it('tells base specs, overlays and the environments file of infra/ apart (and nothing outside infra/ is an overlay)', () => {
    assert.deepEqual(infraFileKind('/r/infra/pr-review.yaml'), { kind: 'spec' });
    assert.deepEqual(infraFileKind('/r/infra/environments.yaml'), { kind: 'environments' });
    assert.deepEqual(infraFileKind('/r/infra/pr-review.production.yml'), {
      kind: 'overlay',
      baseFile: '/r/infra/pr-review.yml',
      env: 'production',
    });
    assert.deepEqual(infraFileKind('/r/.do/deploy.template.yaml'), { kind: 'spec' });
  });
});

describe('lintEnvironmentsFile', () => {
  it('answers nothing for a valid file, and the first problem at its line with its field otherwise', () => {
    assert.deepEqual(lintEnvironmentsFile('environments:\n  staging: {}\n', 'infra/environments.yaml'), []);
    const [f, ...more] = lintEnvironmentsFile('default: prod\nenvironments:\n  staging: {}\n', 'infra/environments.yaml');
    assert.deepEqual(more, []);
    assert.deepEqual([f.file, f.line, f.severity, f.code], ['infra/environments.yaml', 1, 'error', 'SCHEMA_ERROR']);
    assert.match(f.message, /^default: "prod" is not one of the environments \(staging\)/);
  });
});

describe('an overlay linted alone', () => {
  const lint = (text: string) => lintAppSpec(text, { file: 'infra/alpha.production.yaml', kind: 'overlay' });

  it('needs no name, health check or other required field; an empty overlay is valid', async () => {
    assert.deepEqual((await lint('services:\n  - name: alpha\n    instance_count: 2\n')).findings, []);
    assert.deepEqual((await lint('alerts:\n  - rule: DEPLOYMENT_FAILED\n')).findings, []);
    assert.deepEqual((await lint('')).findings, []);
    assert.deepEqual((await lint('# nothing differs yet\n')).findings, []);
    // The same text as a base spec is missing its name and health check.
    const asBase = await lintAppSpec('services:\n  - name: alpha\n    instance_count: 2\n', { file: 'infra/alpha.yaml' });
    assert.ok(asBase.findings.some((f) => f.code === 'SCHEMA_ERROR' && /name/.test(f.message)));
  });

  it('reports unknown fields (with a rename quick fix), enums and types at their line and column', async () => {
    const text = 'region: fra\nservices:\n  - name: alpha\n    instance_cont: 2\n    instance_size_slug: 3\ningress:\n  rules:\n    - cors: { allow_credentials: maybe }\n';
    const r = await lint(text);
    assert.deepEqual(r.findings.map(at), ['4:5 UNKNOWN_FIELD', '5:25 SCHEMA_ERROR', '8:34 SCHEMA_ERROR']);
    const fix = r.findings[0].fixes?.[0];
    assert.ok(fix);
    assert.match(applyFix(text, fix), /instance_count: 2/);
    assert.deepEqual((await lint('services: {}\n')).findings.map((f) => f.code), ['SCHEMA_ERROR']);
    assert.match((await lint('- a\n')).findings[0].message, /an overlay is a mapping of the fields that differ/);
  });

  it('its JSON Schema is the AppSpec schema with no `required` anywhere', () => {
    const text = JSON.stringify(overlayJsonSchema());
    assert.doesNotMatch(text, /"required"/);
    assert.match(text, /"instance_size_slug"/);
  });
});

describe('lintOverlay: laid on its base in its environment', () => {
  let repo: RepoFixture;
  let infra: string;
  before(async () => {
    repo = await RepoFixture.create({ prefix: 'odoobo-overlay-', skills: [{ name: 'alpha' }] });
    infra = path.join(repo.dir, 'infra');
    await fs.writeFile(path.join(infra, 'environments.yaml'), 'environments:\n  staging: {}\n  production:\n    approval: true\n');
  });
  after(() => repo?.remove());

  const lintFile = async (name: string, text: string) => {
    const file = path.join(infra, name);
    await fs.writeFile(file, text);
    return lintOverlay(text, file, { file, repoRoot: repo.dir });
  };

  it('a clean overlay gives nothing; one whose count the base\'s size cannot run is warned on its own line', async () => {
    const clean = 'services:\n  - name: alpha\n    instance_count: 2\n    instance_size_slug: apps-s-1vcpu-1gb\n';
    assert.deepEqual((await lintFile('alpha.production.yaml', clean)).findings, []);
    const r = await lintFile('alpha.production.yaml', 'services:\n  - name: alpha\n    instance_count: 2\n');
    assert.deepEqual(r.findings.map((f) => `${f.severity} ${at(f)}`), ['warning 3:1 SCHEMA_ERROR']);
    assert.match(r.findings[0].message, /apps-s-1vcpu-0\.5gb` runs a single instance only/);
  });

  it("reports the merged spec's errors that come from the overlay on the overlay's lines, not the base's", async () => {
    const text = '# production\nservices:\n  - name: alpha\n    run_command: uvicorn main:app --port 9000\n';
    const r = await lintFile('alpha.production.yaml', text);
    assert.deepEqual(r.findings.map((f) => `${path.basename(f.file)} ${at(f)}`), ['alpha.production.yaml 4:1 PORT_MISMATCH']);
  });

  it('an overlay for an environment the file does not declare, or one that renames the app, is an error on it', async () => {
    const unknown = await lintFile('alpha.qa.yaml', 'services:\n  - name: alpha\n    instance_count: 2\n');
    assert.deepEqual(unknown.findings.map(at), ['1:1 UNKNOWN_ENVIRONMENT']);
    assert.match(unknown.findings[0].message, /unknown environment "qa": infra\/environments.yaml declares staging, production/);
    const renamed = await lintFile('alpha.staging.yaml', 'region: fra\nname: beta\n');
    assert.deepEqual(renamed.findings.map(at), ['2:1 SCHEMA_ERROR']);
    assert.match(renamed.findings[0].message, /cannot rename the app/);
  });

  it('an overlay without a base beside it is a warning naming the missing file', async () => {
    const r = await lintFile('gamma.production.yaml', 'region: fra\n');
    assert.deepEqual(r.findings.map((f) => `${f.severity} ${f.code}`), ['warning APP_SPEC_UNREADABLE']);
    assert.match(r.findings[0].message, /gamma\.yaml/);
  });

  it('the base as the fixture builds it stays a clean base spec', async () => {
    assert.deepEqual((await lintAppSpec(appSpecFor('alpha'), { file: 'infra/alpha.yaml' })).findings, []);
  });
});
