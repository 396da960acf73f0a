import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { infraFileKind, lintAppSpec, lintAppSpecFile, lintOverlay, type Finding, type LintOptions } from '../../../../src/core/appspec';
import { parseEnvironments } from '../../../../src/core/environments';
import { REPO_DIR } from '../../../builders/paths';

const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const SPECS = path.join(SHARED, 'do-openapi', 'examples', 'specs');
const REPO = REPO_DIR;
const FIXTURES = path.join(REPO_DIR, 'test', 'fixtures', 'appspecs');

/** A spec with everything that is fine; tests append the problem they test. */
const GOOD_SERVICE = `  - name: web
    github:
      repo: odoobo/odoobo-skills
      branch: main
    run_command: uvicorn main:app --port $PORT
    http_port: 8080
    health_check:
      http_path: /health
`;

async function lint(text: string, options: Partial<LintOptions> = {}) {
  return lintAppSpec(text, { file: 'app.yaml', ...options });
}
const only = (findings: Finding[], code: string) => findings.filter((f) => f.code === code);
/** `line:column-endLine:endColumn severity` of each finding with the code. */
const where = (findings: Finding[], code: string) => only(findings, code).map((f) => `${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.severity}`);

describe('app-spec linter: a clean spec', () => {
  it('reports nothing for a spec that uses every feature correctly (fixture full.yaml)', async () => {
    const r = await lintAppSpecFile(path.join(FIXTURES, 'full.yaml'), { repoRoot: REPO, branchExists: async () => true });
    assert.deepEqual(r.findings, []);
    assert.equal(r.spec?.name, 'full-app');
    assert.equal(r.spec?.services?.[0]?.http_port, 8080);
    assert.ok(r.document, 'the yaml document with positions');
  });
});

describe('APP_SPEC_SYNTAX_ERROR', () => {
  it('points at the exact position yaml reports', async () => {
    const r = await lint('name: app\nservices:\n  - name: web\n   bad: indent\n');
    const f = only(r.findings, 'APP_SPEC_SYNTAX_ERROR');
    assert.ok(f.length >= 1);
    assert.equal(f[0].severity, 'error');
    assert.equal(f[0].line, 4);
    assert.equal(f[0].column, 1);
    assert.match(f[0].message, /Sequence item without - indicator/);
    assert.equal(r.spec, undefined, 'no spec when the YAML is invalid');
  });
  it('reports an unclosed flow sequence and a duplicate key', async () => {
    const a = await lint('name: app\nservices: [\n');
    assert.ok(only(a.findings, 'APP_SPEC_SYNTAX_ERROR').length >= 1);
    const b = await lint('name: app\nname: other\n');
    assert.deepEqual(where(b.findings, 'APP_SPEC_SYNTAX_ERROR'), ['2:1-2:2 error']);
    assert.match(b.findings[0].message, /unique/i);
  });
});

describe('SCHEMA_ERROR', () => {
  it('reports wrong types with the field path and the position of the value', async () => {
    const r = await lint(`name: app\nservices:\n${GOOD_SERVICE.replace('http_port: 8080', 'http_port: "8080"')}`);
    assert.deepEqual(where(r.findings, 'SCHEMA_ERROR'), ['8:16-8:22 error']);
    assert.match(only(r.findings, 'SCHEMA_ERROR')[0].message, /`services\[0\]\.http_port` must be a number, got the string "8080"/);
    assert.deepEqual(only(r.findings, 'SCHEMA_ERROR')[0].path, ['services', 0, 'http_port']);
  });
  it('hints at quoting when YAML reads a version tag as a number', async () => {
    const r = await lint('name: app\nworkers:\n  - name: wk\n    image:\n      registry_type: DOCR\n      repository: api\n      tag: 1.10\n');
    const f = only(r.findings, 'SCHEMA_ERROR');
    assert.deepEqual(where(r.findings, 'SCHEMA_ERROR'), ['7:12-7:16 error']);
    assert.match(f[0].message, /`workers\[0\]\.image\.tag` must be a string, got number 1\.1 \(YAML reads 1\.1 as a number: quote it\)/);
  });
  it('reports closed enum values with a suggestion and a quick fix', async () => {
    const r = await lint('name: app\nenvs:\n  - key: A\n    type: SECRETT\n    value: x\n');
    assert.deepEqual(where(r.findings, 'SCHEMA_ERROR'), ['4:11-4:18 error']);
    const f = only(r.findings, 'SCHEMA_ERROR')[0];
    assert.match(f.message, /`envs\[0\]\.type` must be one of GENERAL, SECRET; got the string "SECRETT" — did you mean `SECRET`\?/);
    assert.deepEqual(f.fix, { kind: 'replace-value', suggestions: ['SECRET'] });
  });
  it('checks name patterns and ranges', async () => {
    const r = await lint('name: My App\nservices:\n  - name: web-\n    http_port: 70000\n    instance_count: 0\n    health_check: {}\n');
    const msgs = only(r.findings, 'SCHEMA_ERROR').map((f) => `${f.line}:${f.column} ${f.message}`);
    assert.deepEqual(msgs, [
      '1:7 `name` must match lowercase letters, digits and dashes, starting with a letter and not ending with a dash; got the string "My App"',
      '3:11 `services[0].name` must match lowercase letters, digits and dashes, starting with a letter and not ending with a dash; got the string "web-"',
      '4:16 `services[0].http_port` must be at most 65535; got number 70000',
      '5:21 `services[0].instance_count` must be at least 1; got number 0',
    ]);
  });
  it('reports a missing required field at the object that lacks it', async () => {
    const r = await lint('region: fra\nservices:\n  - http_port: 8080\n    health_check: {}\n');
    assert.deepEqual(
      only(r.findings, 'SCHEMA_ERROR').map((f) => `${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.message}`),
      ['1:1-1:12 `name` is required', '3:5-3:20 `services[0].name` is required'],
    );
  });
  it('answers an empty or non-mapping document with one finding', async () => {
    assert.deepEqual(where((await lint('')).findings, 'SCHEMA_ERROR'), ['1:1-1:1 error']);
    assert.match((await lint('- a\n- b\n')).findings[0].message, /mapping.*a list/);
  });
  it('warns on regions and instance sizes it does not know (DigitalOcean adds them), with suggestions', async () => {
    const r = await lint(`name: app\nregion: nyc9\nworkers:\n  - name: wk\n    instance_size_slug: apps-s-1vcpu-0.5gbb\n`);
    assert.deepEqual(where(r.findings, 'SCHEMA_ERROR'), ['2:9-2:13 warning', '5:25-5:44 warning']);
    assert.deepEqual(only(r.findings, 'SCHEMA_ERROR')[0].fix, { kind: 'replace-value', suggestions: ['nyc'] });
    assert.equal((only(r.findings, 'SCHEMA_ERROR')[1].fix as { suggestions: string[] }).suggestions[0], 'apps-s-1vcpu-0.5gb');
    const known = await lint(`name: app\nworkers:\n  - name: wk\n    instance_size_slug: apps-s-9vcpu-99gb\n`, { knownInstanceSizes: ['apps-s-9vcpu-99gb'] });
    assert.deepEqual(known.findings, [], 'sizes from the API (knownInstanceSizes) are accepted');
  });
  it('notes deprecated legacy size slugs as info only', async () => {
    const r = await lint('name: app\nworkers:\n  - name: wk\n    instance_size_slug: basic-xxs\n');
    assert.deepEqual(where(r.findings, 'SCHEMA_ERROR'), ['4:25-4:34 info']);
  });
  it('reads YAML 1.1 booleans as doctl does (yes → true)', async () => {
    const r = await lint(`name: app\nservices:\n${GOOD_SERVICE.replace('branch: main', 'branch: main\n      deploy_on_push: yes')}`);
    assert.deepEqual(r.findings, []);
    assert.equal(r.spec?.services?.[0]?.github?.deploy_on_push, true);
  });
  it('treats `key:` with no value as absent, as doctl does', async () => {
    const r = await lint(`name: app\nenvs:\nservices:\n${GOOD_SERVICE}    routes:\n`);
    assert.deepEqual(r.findings, []);
  });
});

describe('UNKNOWN_FIELD', () => {
  it('warns on an unknown nested field and suggests the closest known one', async () => {
    const r = await lint(`name: app\nservices:\n${GOOD_SERVICE.replace('health_check:', 'helth_check:')}`);
    assert.deepEqual(where(r.findings, 'UNKNOWN_FIELD'), ['9:5-9:16 warning']);
    const f = only(r.findings, 'UNKNOWN_FIELD')[0];
    assert.match(f.message, /unknown field `helth_check` in `services\[0\]` — did you mean `health_check`\?/);
    assert.deepEqual(f.fix, { kind: 'rename-field', suggestions: ['health_check'] });
    assert.deepEqual(f.path, ['services', 0, 'helth_check']);
  });
  it('makes an unknown top-level field an error, as doctl rejects it', async () => {
    const r = await lint('name: app\nservice:\n  - name: web\n');
    assert.deepEqual(where(r.findings, 'UNKNOWN_FIELD'), ['2:1-2:8 error']);
    assert.match(only(r.findings, 'UNKNOWN_FIELD')[0].message, /did you mean `services`\?/);
  });
  it('offers to remove a field nothing resembles', async () => {
    const r = await lint('name: app\ndomains:\n  - domain: example.com\n    zzzzzz: 1\n');
    assert.deepEqual(only(r.findings, 'UNKNOWN_FIELD')[0].fix, { kind: 'remove-field' });
  });
  it('knows the fields real specs use beyond the OpenAPI model (app envs, alerts, features; component alerts)', async () => {
    const r = await lint(
      `name: app\nfeatures:\n  - buildpack-stack=ubuntu-22\nalerts:\n  - rule: DEPLOYMENT_FAILED\nenvs:\n  - key: A\n    value: b\nservices:\n${GOOD_SERVICE}    alerts:\n      - rule: CPU_UTILIZATION\n        operator: GREATER_THAN\n        value: 80\n        window: FIVE_MINUTES\n`,
    );
    assert.deepEqual(r.findings, []);
  });
});

describe('PLACEHOLDER_VALUES', () => {
  it('flags YOUR_…, TODO, CHANGEME, PLACEHOLDER and <…> exactly where they are', async () => {
    const r = await lint(
      `name: app\nservices:\n  - name: web\n    github:\n      repo: YOUR_ORG/app\n      branch: main\n    health_check:\n      http_path: /health\n    envs:\n      - key: A\n        value: "TODO"\n      - key: B\n        value: changeme\n      - key: C\n        value: PLACEHOLDER\nstatic_sites:\n  - name: site\n    git:\n      repo_clone_url: <repo-url>\n`,
    );
    assert.deepEqual(where(r.findings, 'PLACEHOLDER_VALUES'), ['5:13-5:21 error', '11:17-11:21 error', '13:16-13:24 error', '15:16-15:27 error', '19:23-19:33 error']);
    assert.deepEqual(only(r.findings, 'PLACEHOLDER_VALUES')[0].fix, { kind: 'replace-placeholder' });
    assert.match(only(r.findings, 'PLACEHOLDER_VALUES')[0].message, /`services\[0\]\.github\.repo` still holds the placeholder `YOUR_ORG`/);
  });
  it('does not mistake names like todo-app for placeholders', async () => {
    const r = await lint(`name: todo-app\nservices:\n${GOOD_SERVICE.replace('name: web', 'name: todo-api')}`);
    assert.deepEqual(r.findings, []);
  });
  it('accepts the bindable variables App Platform expands in env values', async () => {
    const r = await lint(
      `name: app\nenvs:\n  - key: BASE\n    value: \${APP_URL}\nservices:\n${GOOD_SERVICE}    envs:\n      - key: SELF\n        value: \${_self.PRIVATE_URL}\n      - key: OTHER\n        value: "\${api.PRIVATE_URL}/v1 \${APP_DOMAIN} \${APP_ID}"\n      - key: DB\n        value: \${db.DATABASE_URL}\n      - key: FROM_APP\n        value: \${BASE}/x\n  - name: api\n    github:\n      repo: odoobo/odoobo-skills\n      branch: main\n    health_check:\n      http_path: /health\ndatabases:\n  - name: db\n    engine: PG\n`,
    );
    assert.deepEqual(r.findings, []);
  });
  it('warns on unknown ${…} references in env values, with a suggestion', async () => {
    const r = await lint(`name: app\nservices:\n${GOOD_SERVICE}    envs:\n      - key: A\n        value: \${_self.PRIVAT_URL}\n      - key: B\n        value: x \${apii.PRIVATE_URL}\n  - name: api\n    health_check:\n      http_path: /h\n`);
    assert.deepEqual(where(r.findings, 'PLACEHOLDER_VALUES'), ['13:16-13:35 warning', '15:18-15:37 warning']);
    const [a, b] = only(r.findings, 'PLACEHOLDER_VALUES');
    assert.match(a.message, /did you mean `_self\.PRIVATE_URL`\?/);
    assert.deepEqual(b.fix, { kind: 'replace-value', suggestions: ['${api.PRIVATE_URL}'] });
  });
  it('flags ${…} outside env values as an error, but not in shell commands', async () => {
    const r = await lint(`name: app\nservices:\n${GOOD_SERVICE.replace('odoobo/odoobo-skills', '${REPO}').replace('--port $PORT', '--port ${PORT:-8080}')}`);
    assert.deepEqual(where(r.findings, 'PLACEHOLDER_VALUES'), ['5:13-5:20 error']);
    assert.match(only(r.findings, 'PLACEHOLDER_VALUES')[0].message, /expands `\$\{…\}` bindable variables only in env values/);
  });
});

describe('PLAINTEXT_SECRET and SECRET_NOT_ENCRYPTED', () => {
  const token = (prefix: string, body: string) => prefix + body;
  const SECRETS: [string, string][] = [
    ['DigitalOcean token', token('dop_v1_', 'a1'.repeat(32))],
    ['DigitalOcean token', token('doo_v1_', 'b2'.repeat(32))],
    ['Anthropic API key', token('sk-ant-api03-', 'Zx9_'.repeat(20))],
    ['OpenAI API key', token('sk-proj-', 'Qw3rTy'.repeat(8))],
    ['OpenAI API key', token('sk-', 'Abc123xyz'.repeat(4))],
    ['GitHub token', token('ghp_', 'A1b2C3d4E5'.repeat(4))],
    ['GitHub token', token('gho_', 'Z9y8X7w6V5'.repeat(4))],
    ['GitHub fine-grained token', token('github_pat_', '11ABCDEFG0'.repeat(5))],
    ['JSON Web Token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
    ['AWS access key id', token('AKIA', 'IOSFODNN7EXAMPL1')],
  ];
  for (const [kind, secret] of SECRETS) {
    it(`finds a plaintext ${kind} and never echoes it`, async () => {
      const r = await lint(`name: app\nenvs:\n  - key: SOMETHING\n    value: "prefix ${secret}"\n`);
      assert.deepEqual(where(r.findings, 'PLAINTEXT_SECRET'), [`4:20-4:${20 + secret.length} error`]);
      const f = only(r.findings, 'PLAINTEXT_SECRET')[0];
      assert.match(f.message, new RegExp(kind));
      assert.ok(!f.message.includes(secret), 'the message masks the secret');
      assert.ok(!f.message.includes(secret.slice(-8)), 'not even its tail');
      assert.deepEqual(f.fix, { kind: 'make-secret', envPath: ['envs', 0] });
      assert.equal(only(r.findings, 'SECRET_NOT_ENCRYPTED').length, 0, 'one finding per value');
    });
  }
  it('finds a private key block anywhere', async () => {
    const r = await lint('name: app\nservices:\n  - name: wk\n    health_check: {}\n    envs:\n      - key: TLS\n        type: SECRET\n        value: |\n          -----BEGIN RSA PRIVATE KEY-----\n          MIIEowIBAAKCAQEA\n          -----END RSA PRIVATE KEY-----\n');
    assert.deepEqual(where(r.findings, 'PLAINTEXT_SECRET'), ['9:11-9:42 error']);
    assert.ok(!only(r.findings, 'PLAINTEXT_SECRET')[0].message.includes('MIIE'));
  });
  it('accepts encrypted EV[1:…] values and secrets without a value', async () => {
    const r = await lint('name: app\nenvs:\n  - key: GITHUB_TOKEN\n    type: SECRET\n    value: EV[1:abcdefghijklmnopqrstuvwx:yzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789]\n  - key: ANTHROPIC_API_KEY\n    type: SECRET\n');
    assert.deepEqual(r.findings, []);
  });
  it('warns when an env var named like a secret holds a plaintext GENERAL value', async () => {
    const r = await lint('name: app\nenvs:\n  - key: DB_PASSWORD\n    value: hunter2\n  - key: PUBLIC_KEY\n    value: ssh-ed25519 AAAA\n  - key: JWT_SECRET\n    type: GENERAL\n    value: s3cr3t\n  - key: DB_PASS_REF\n    value: ${db.PASSWORD}\ndatabases:\n  - name: db\n');
    assert.deepEqual(where(r.findings, 'SECRET_NOT_ENCRYPTED'), ['3:10-3:21 warning', '7:10-7:20 warning']);
    assert.deepEqual(only(r.findings, 'SECRET_NOT_ENCRYPTED')[0].fix, { kind: 'make-secret', envPath: ['envs', 0] });
    assert.ok(!only(r.findings, 'SECRET_NOT_ENCRYPTED')[0].message.includes('hunter2'));
  });
});

describe('MISSING_IMAGE_TAG', () => {
  it('warns on an image without tag or digest, and on tag: latest', async () => {
    const r = await lint('name: app\nworkers:\n  - name: aa\n    image:\n      registry_type: DOCKER_HUB\n      repository: nginx\n  - name: bb\n    image:\n      registry_type: DOCR\n      repository: api\n      tag: latest\n  - name: cc\n    image:\n      registry_type: DOCR\n      repository: api\n      digest: sha256:0123\n');
    assert.deepEqual(where(r.findings, 'MISSING_IMAGE_TAG'), ['4:5-4:10 warning', '11:12-11:18 warning']);
    assert.deepEqual(only(r.findings, 'MISSING_IMAGE_TAG')[0].fix, { kind: 'pin-image', imagePath: ['workers', 0, 'image'] });
  });
});

describe('MISSING_HEALTH_CHECK', () => {
  it('warns on a service without health_check, at its name', async () => {
    const r = await lint('name: app\nservices:\n  - name: web\n    http_port: 8080\n');
    assert.deepEqual(where(r.findings, 'MISSING_HEALTH_CHECK'), ['3:11-3:14 warning']);
    assert.deepEqual(only(r.findings, 'MISSING_HEALTH_CHECK')[0].fix, { kind: 'add-health-check', servicePath: ['services', 0] });
  });
});

describe('PORT_MISMATCH', () => {
  const svc = (cmd: string, port = 'http_port: 8080\n    ', envs = '') => `name: app\nservices:\n  - name: web\n    ${port}health_check: {}\n    run_command: ${cmd}\n${envs}`;
  it('accepts $PORT, ${PORT}, ${PORT:-N} with N = http_port, and matching literal ports', async () => {
    for (const cmd of ['uvicorn m:app --port $PORT', 'gunicorn -b 0.0.0.0:${PORT} app:app', 'uvicorn m:app --port ${PORT:-8080}', 'node s.js --port=8080', 'PORT=8080 node s.js', 'hypercorn --bind [::]:8080 a:b', 'mkdir -p out && npm start']) {
      assert.deepEqual((await lint(svc(cmd))).findings, [], cmd);
    }
  });
  it('errors when run_command listens on another port than http_port (or the 8080 default)', async () => {
    const r = await lint(svc('gunicorn app:app --bind 0.0.0.0:3000'));
    assert.deepEqual(where(r.findings, 'PORT_MISMATCH'), ['6:50-6:54 error']);
    assert.match(only(r.findings, 'PORT_MISMATCH')[0].message, /listens on port 3000 but .* http_port 8080/);
    const d = await lint(svc('node s.js -p 3000', ''));
    assert.match(only(d.findings, 'PORT_MISMATCH')[0].message, /default http_port 8080 \(http_port is not set\)/);
    const e = await lint(svc('PORT=9000 node s.js'));
    assert.deepEqual(where(e.findings, 'PORT_MISMATCH'), ['6:23-6:27 error']);
  });
  it('warns when the ${PORT:-N} fallback differs from http_port', async () => {
    const r = await lint(svc('uvicorn m:app --port ${PORT:-3000}'));
    assert.deepEqual(where(r.findings, 'PORT_MISMATCH'), ['6:39-6:52 warning']);
    assert.deepEqual(only(r.findings, 'PORT_MISMATCH')[0].fix, { kind: 'replace-value', suggestions: ['${PORT:-8080}'] });
  });
  it('errors when an env var sets PORT to another value than http_port', async () => {
    const r = await lint(svc('uvicorn m:app --port $PORT', undefined, '    envs:\n      - key: PORT\n        value: "9000"\n'));
    assert.deepEqual(where(r.findings, 'PORT_MISMATCH'), ['6:39-6:44 error']);
  });
});

describe('SOURCE_DIR_MISSING', () => {
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-appspec-'));
    await fs.mkdir(path.join(root, 'skills', 'present'), { recursive: true });
  });
  after(() => fs.rm(root, { recursive: true, force: true }));
  it('errors on a source_dir that does not exist under the repo root; `/` and existing dirs pass', async () => {
    const spec = 'name: app\nworkers:\n  - name: aa\n    source_dir: skills/present\n  - name: bb\n    source_dir: /\n  - name: cc\n    source_dir: skills/absent\n  - name: dd\n    source_dir: ../outside\n';
    const r = await lint(spec, { repoRoot: root });
    assert.deepEqual(where(r.findings, 'SOURCE_DIR_MISSING'), ['8:17-8:30 error', '10:17-10:27 error']);
    assert.match(only(r.findings, 'SOURCE_DIR_MISSING')[1].message, /outside the repository/);
    assert.deepEqual((await lint(spec)).findings, [], 'not checked without a repo root');
  });
});

describe('BRANCH_MISSING', () => {
  it('asks the context for each branch once and warns on missing ones', async () => {
    const asked: string[] = [];
    const branchExists = async (b: string) => {
      asked.push(b);
      return b === 'main';
    };
    const r = await lint('name: app\nworkers:\n  - name: aa\n    github:\n      repo: o/r\n      branch: main\n  - name: bb\n    git:\n      repo_clone_url: https://example.com/r.git\n      branch: feature/x\n  - name: cc\n    gitlab:\n      repo: o/r\n      branch: feature/x\n', { branchExists });
    assert.deepEqual(where(r.findings, 'BRANCH_MISSING'), ['10:15-10:24 warning', '14:15-14:24 warning']);
    assert.deepEqual(asked.sort(), ['feature/x', 'main']);
  });
});

describe('DUPLICATE_COMPONENT', () => {
  it('errors on a name used twice across component kinds, databases included', async () => {
    const r = await lint('name: app\nworkers:\n  - name: api\njobs:\n  - name: api\ndatabases:\n  - name: api\n');
    assert.deepEqual(where(r.findings, 'DUPLICATE_COMPONENT'), ['5:11-5:14 error', '7:11-7:14 error']);
    assert.match(only(r.findings, 'DUPLICATE_COMPONENT')[0].message, /already used by workers\[0\]/);
  });
});

describe('real specs', () => {
  it('upstream examples give no errors; warnings only where justified', async () => {
    const files = (await fs.readdir(SPECS)).filter((f) => !f.includes('INVALID')).sort();
    assert.equal(files.length, 4);
    const got: Record<string, string[]> = {};
    for (const f of files) {
      const r = await lintAppSpecFile(path.join(SPECS, f));
      got[f] = r.findings.map((x) => `${x.severity} ${x.code}`);
      assert.ok(r.spec, f);
    }
    assert.deepEqual(got, {
      // a `web` service without health_check (TCP check only); basic-xxs is a deprecated legacy size
      'app_action.testdata.sample-golang.yaml': ['info SCHEMA_ERROR', 'warning MISSING_HEALTH_CHECK'],
      // the same, plus `tag: latest`
      'app_action.testdata.updatedAppSpec.yaml': ['warning MISSING_IMAGE_TAG', 'info SCHEMA_ERROR', 'warning MISSING_HEALTH_CHECK'],
      // doctl's test specs: a `web` service without health_check
      'doctl.internal-apps-test.valid.json': ['warning MISSING_HEALTH_CHECK'],
      'doctl.internal-apps-test.valid.yaml': ['warning MISSING_HEALTH_CHECK'],
    });
  });
  it('flags the INVALID spec: `bugField` is an unknown top-level field, an error as in doctl', async () => {
    const r = await lintAppSpecFile(path.join(SPECS, 'doctl.internal-apps-test.unknown-field.INVALID.yaml'));
    const errors = r.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors.map((f) => `${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.code}`), ['2:1-2:9 UNKNOWN_FIELD']);
    assert.match(errors[0].message, /`bugField`/);
  });
  it("the repository's infra/*.yaml give no errors and no warnings beyond missing skill branches", async () => {
    const files = (await fs.readdir(path.join(REPO, 'infra'))).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length >= 5);
    let overlays = 0;
    for (const f of files) {
      const file = path.join(REPO, 'infra', f);
      const kind = infraFileKind(file);
      const options = { repoRoot: REPO, branchExists: async () => true };
      if (kind.kind === 'environments') {
        assert.doesNotThrow(() => parseEnvironments(readFileSync(file, 'utf8')), f);
        continue;
      }
      if (kind.kind === 'overlay') overlays++;
      const r = kind.kind === 'overlay'
        ? await lintOverlay(await fs.readFile(file, 'utf8'), file, { ...options, file })
        : await lintAppSpecFile(file, options);
      assert.deepEqual(r.findings, [], f);
    }
    assert.ok(overlays >= 5, `overlays: ${overlays}`);
  });
});

describe('every problem at once (fixture problems.yaml)', () => {
  it('pins each finding to its line and column', async () => {
    const r = await lintAppSpecFile(path.join(FIXTURES, 'problems.yaml'), { repoRoot: REPO, branchExists: async (b) => b === 'main' });
    assert.deepEqual(
      r.findings.map((f) => `${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.severity} ${f.code}`),
      [
        '3:1-3:7 error UNKNOWN_FIELD',
        '6:12-6:56 error PLAINTEXT_SECRET',
        '7:10-7:21 warning SECRET_NOT_ENCRYPTED',
        '10:11-10:14 warning MISSING_HEALTH_CHECK',
        '12:13-12:21 error PLACEHOLDER_VALUES',
        '13:15-13:30 warning BRANCH_MISSING',
        '14:17-14:31 error SOURCE_DIR_MISSING',
        '15:42-15:46 error PORT_MISMATCH',
        '17:5-17:16 warning UNKNOWN_FIELD',
        '19:11-19:14 error DUPLICATE_COMPONENT',
        '20:5-20:10 warning MISSING_IMAGE_TAG',
        '23:21-23:24 error SCHEMA_ERROR',
      ],
    );
    assert.match(r.findings[0].message, /did you mean `region`\?/);
    assert.ok(!r.findings[1].message.includes('AAAAAAAAAAAA'));
  });
});

describe('secrets never leak into messages', () => {
  it('masks a secret even where another check quotes the value', async () => {
    const secret = 'ghp_' + 'Q'.repeat(36);
    const r = await lint(`name: app\nworkers:\n  - name: wk\n    image:\n      registry_type: ${secret}\n      repository: x\n      tag: v1\n`);
    assert.deepEqual(r.findings.map((f) => f.code).sort(), ['PLAINTEXT_SECRET', 'SCHEMA_ERROR']);
    for (const f of r.findings) assert.ok(!f.message.includes('QQQQQQQQ'), f.message);
  });
  it('does not take ordinary words for keys', async () => {
    const r = await lint('name: app\nenvs:\n  - key: MODEL\n    value: sk-learn-preprocessing-pipeline-step-two\n  - key: TOKEN_URL\n    value: https://auth.example.com/oauth/token\n');
    assert.deepEqual(r.findings, []);
  });
});
