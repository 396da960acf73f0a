/**
 * The linter's quick fixes (core/appspec/fixes): for every finding with an obvious fix, applying each offered edit to
 * the text and linting again makes that finding go away, and brings no new error.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { lintAppSpec, type Finding, type LintOptions } from '../../../../src/core/appspec';
import { applyFix, minimalEdit, yamlScalar } from '../../../../src/core/appspec/fixes';
import type { Fix } from '../../../../src/core/appspec/types';

const HEALTH = `    health_check:
      http_path: /health
`;
/** A service that lints clean; tests put their problem next to it. */
const service = (extra = '', name = 'web') => `  - name: ${name}
    run_command: uvicorn main:app --port $PORT
    http_port: 8080
${HEALTH}${extra}`;

/** The spec with `envs` (YAML lines) on its service. */
const withEnvs = (envs: string) => `name: app\nservices:\n${service(`    envs:\n${envs}`)}`;

const key = (f: Finding) => `${f.code} ${JSON.stringify(f.path ?? [])}`;

async function lint(text: string, options: Partial<LintOptions> = {}) {
  return (await lintAppSpec(text, { file: 'app.yaml', ...options })).findings;
}

/**
 * Lints `text`, takes the one finding with `code` (and `match`), applies each of its fixes in turn to the original
 * text and lints again: the finding is gone and no error appears that was not there. Answers the fixed texts.
 */
type FixOptions = Partial<LintOptions> & { match?: RegExp; expect?: number };
async function fixes(text: string, code: string, options: FixOptions = {}): Promise<{ fix: Fix; text: string }[]> {
  const before = await lint(text, options);
  const hits = before.filter((f) => f.code === code && (!options.match || options.match.test(f.message)));
  assert.equal(hits.length, 1, `one ${code} finding expected: ${JSON.stringify(before.map((f) => `${f.code}: ${f.message}`))}`);
  const finding = hits[0];
  const offered = finding.fixes ?? [];
  assert.equal(offered.length, options.expect ?? offered.length);
  assert.ok(offered.length > 0, `${code} offers a fix: ${finding.message}`);
  // removing a field is never applied by "auto fix"; any other finding has one fix to apply by itself
  assert.equal(offered.filter((f) => f.preferred).length, /^Remove/.test(offered[0].title) ? 0 : 1, 'one preferred fix');
  const out: { fix: Fix; text: string }[] = [];
  for (const fix of offered) {
    const fixed = applyFix(text, fix);
    const after = await lint(fixed, options);
    const why = `"${fix.title}" removes ${key(finding)}; after:\n${fixed}\n${JSON.stringify(after.map((f) => f.message))}`;
    assert.ok(!after.some((f) => key(f) === key(finding)), why);
    const old = new Set(before.filter((f) => f.severity === 'error').map(key));
    const fresh = after.filter((f) => f.severity === 'error' && !old.has(key(f)));
    assert.deepEqual(fresh.map((f) => f.message), [], `"${fix.title}" brings no new error`);
    out.push({ fix, text: fixed });
  }
  return out;
}

describe('app-spec quick fixes: numbers out of range', () => {
  it('instance_count: 0 becomes 1, the nearest valid value', async () => {
    const text = `name: app\nservices:\n${service('    instance_count: 0\n')}`;
    const [one] = await fixes(text, 'SCHEMA_ERROR', { expect: 1 });
    assert.equal(one.fix.title, 'Change to 1');
    assert.match(one.text, /\n {4}instance_count: 1\n/);
    const at = text.indexOf('instance_count: 0') + 'instance_count: '.length;
    assert.deepEqual(one.fix.edits, [{ start: at, end: at + 1, newText: '1' }], 'only the number changes');
  });

  it('instance_count above what the size runs: 1 (its maximum), or a scalable size', async () => {
    const text = `name: app\nservices:\n${service('    instance_size_slug: apps-s-1vcpu-0.5gb\n    instance_count: 3\n')}`;
    const [count, size] = await fixes(text, 'SCHEMA_ERROR', { match: /single instance/, expect: 2 });
    assert.match(count.text, /instance_count: 1\n/);
    assert.match(size.text, /instance_size_slug: apps-s-1vcpu-1gb\n {4}instance_count: 3\n/);
    // App Platform's default size is a fixed one too
    await fixes(`name: app\nservices:\n${service('    instance_count: 2\n')}`, 'SCHEMA_ERROR', { match: /single instance/, expect: 2 });
  });

  it('an autoscaling maximum over 250 becomes 250', async () => {
    const autoscaling = '    autoscaling:\n      min_instance_count: 1\n      max_instance_count: 900\n      metrics:\n        cpu:\n          percent: 70\n';
    const text = `name: app\nservices:\n${service(`    instance_size_slug: apps-d-1vcpu-1gb\n${autoscaling}`)}`;
    const [max] = await fixes(text, 'SCHEMA_ERROR', { expect: 1 });
    assert.match(max.text, /max_instance_count: 250\n/);
  });
});

describe('app-spec quick fixes: values', () => {
  it('a region or an instance size a typo away: the nearest known one', async () => {
    const [region] = await fixes(`name: app\nregion: nycc\nservices:\n${service()}`, 'SCHEMA_ERROR');
    assert.match(region.text, /^region: nyc$/m);
    const [size] = await fixes(`name: app\nservices:\n${service('    instance_size_slug: apps-s-1vcpu-0.5gbb\n')}`, 'SCHEMA_ERROR');
    assert.match(size.text, /instance_size_slug: apps-s-1vcpu-0\.5gb\n/);
  });

  it('a closed enum (env type): the nearest allowed value', async () => {
    const [fixed] = await fixes(withEnvs('      - key: MODE\n        value: fast\n        type: GENERL\n'), 'SCHEMA_ERROR');
    assert.match(fixed.text, /type: GENERAL\n/);
  });

  it('a number where a string belongs is quoted; a numeric string where a number belongs is unquoted', async () => {
    const [quoted] = await fixes(withEnvs('      - key: WORKERS\n        value: 4\n'), 'SCHEMA_ERROR');
    assert.match(quoted.text, /value: "4"\n/);
    const [bool] = await fixes(`name: app\nservices:\n${service('    envs:\n      - key: DEBUG\n        value: yes\n')}`, 'SCHEMA_ERROR');
    assert.match(bool.text, /value: "true"\n/, 'YAML 1.1 reads yes as true: the fix writes what doctl would send');
    const quotedPort = `name: app\nservices:\n  - name: web\n    run_command: uvicorn main:app --port $PORT\n    http_port: "8080"\n${HEALTH}`;
    const [number] = await fixes(quotedPort, 'SCHEMA_ERROR');
    assert.match(number.text, /http_port: 8080\n/);
  });

  it('a component name DigitalOcean refuses becomes its lowercase-and-dashes form', async () => {
    const [fixed] = await fixes(`name: app\nservices:\n${service('', 'My_Web')}`, 'SCHEMA_ERROR');
    assert.match(fixed.text, /- name: my-web\n/);
  });

  it('a duplicate component name: the first free name', async () => {
    const [fixed] = await fixes(`name: app\nservices:\n${service()}${service('', 'web-2')}${service()}`, 'DUPLICATE_COMPONENT');
    assert.equal(fixed.fix.title, 'Rename to "web-3"');
  });

  it('a bindable variable a typo away', async () => {
    const [fixed] = await fixes(withEnvs('      - key: URL\n        value: ${APP_URLL}/x\n'), 'PLACEHOLDER_VALUES');
    assert.match(fixed.text, /value: \$\{APP_URL\}\/x\n/);
  });

  it('a placeholder has no edit to compute (the user gives the value through a command)', async () => {
    const findings = await lint(`name: app\nservices:\n${service('    envs:\n      - key: REGION_NAME\n        value: YOUR_REGION\n')}`);
    const f = findings.find((x) => x.code === 'PLACEHOLDER_VALUES');
    assert.deepEqual(f?.fix, { kind: 'replace-placeholder' });
    assert.equal(f?.fixes, undefined);
  });
});

describe('app-spec quick fixes: fields', () => {
  it('an unknown field a typo away is renamed; one with no near name is removed', async () => {
    const [renamed] = await fixes(`name: app\nservices:\n${service('    instance_cont: 1\n')}`, 'UNKNOWN_FIELD');
    assert.match(renamed.text, /\n {4}instance_count: 1\n/);
    const [removed] = await fixes(`name: app\nservices:\n${service('    zzzzzzzz: 1\n')}`, 'UNKNOWN_FIELD');
    assert.equal(removed.text, `name: app\nservices:\n${service()}`);
  });

  it('a missing health_check is added (GET /health)', async () => {
    const text = 'name: app\nservices:\n  - name: web\n    run_command: uvicorn main:app --port $PORT\n    http_port: 8080\n';
    const [fixed] = await fixes(text, 'MISSING_HEALTH_CHECK');
    assert.match(fixed.text, /health_check:\n {6}http_path: \/health\n/);
    assert.ok(fixed.fix.edits[0].start > text.indexOf('http_port'), 'the edit touches only what it adds');
  });

  it('a plaintext secret, or a secret-named plaintext env, becomes type: SECRET without its value', async () => {
    const token = 'dop_v1_' + '0123456789abcdef'.repeat(4);
    const [secret] = await fixes(withEnvs(`      - key: DO_TOKEN\n        value: ${token}\n`), 'PLAINTEXT_SECRET');
    assert.ok(!secret.text.includes(token));
    assert.match(secret.text, /- key: DO_TOKEN\n {8}type: SECRET\n/);
    const [named] = await fixes(withEnvs('      - key: API_PASSWORD\n        value: hunter2hunter2\n'), 'SECRET_NOT_ENCRYPTED');
    assert.match(named.text, /- key: API_PASSWORD\n {8}type: SECRET\n/);
  });
});

describe('app-spec quick fixes: ports', () => {
  const portService = (cmd: string, extra = '') =>
    `name: app\nservices:\n  - name: web\n    run_command: ${cmd}\n    http_port: 8080\n${HEALTH}${extra}`;

  it('a command that listens on another port: $PORT, the http_port, or http_port set to the command\'s', async () => {
    const out = await fixes(portService('uvicorn main:app --port 9000'), 'PORT_MISMATCH', { expect: 3 });
    assert.deepEqual(out.map((o) => o.fix.title), ['Change to "${PORT}"', 'Change to "8080"', 'Set http_port to 9000']);
    assert.match(out[0].text, /--port \$\{PORT\}\n/);
    assert.match(out[2].text, /http_port: 9000\n/);
  });

  it('a fallback port that differs; and $PORT set by an env to another port', async () => {
    const [fallback] = await fixes(portService('uvicorn main:app --port ${PORT:-9000}'), 'PORT_MISMATCH');
    assert.match(fallback.text, /--port \$\{PORT:-8080\}/);
    const portEnv = '    envs:\n      - key: PORT\n        value: "9000"\n';
    const [env] = await fixes(portService('uvicorn main:app --port $PORT', portEnv), 'PORT_MISMATCH');
    assert.match(env.text, /http_port: 9000\n/);
  });
});

describe('app-spec quick fixes: the repository', () => {
  it('a source_dir a typo away from a folder that exists', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-quickfix-'));
    try {
      await fs.mkdir(path.join(root, 'skills', 'pr-review'), { recursive: true });
      const typo = `name: app\nservices:\n${service('    source_dir: /skills/pr-reviw\n')}`;
      const [fixed] = await fixes(typo, 'SOURCE_DIR_MISSING', { repoRoot: root });
      assert.match(fixed.text, /source_dir: \/skills\/pr-review\n/);
      const far = await lint(`name: app\nservices:\n${service('    source_dir: skills/something-else\n')}`, { repoRoot: root });
      assert.equal(far.find((f) => f.code === 'SOURCE_DIR_MISSING')?.fixes, undefined, 'no folder is near: no guess');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('app-spec quick fixes: helpers', () => {
  it('quotes a value only when YAML would read it as something else', () => {
    assert.equal(yamlScalar('nyc'), 'nyc');
    assert.equal(yamlScalar('8080'), '"8080"');
    assert.equal(yamlScalar('yes'), '"yes"');
    assert.equal(yamlScalar('a: b'), '"a: b"');
    assert.equal(yamlScalar(3), '3');
  });

  it('a minimal edit keeps the common head and tail', () => {
    assert.deepEqual(minimalEdit('abcXdef', 'abcYYdef'), { start: 3, end: 4, newText: 'YY' });
    assert.equal(minimalEdit('same', 'same'), undefined);
  });
});
