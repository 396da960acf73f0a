/**
 * Env vars of an app spec without hand-editing YAML: set (a setting with its value, a secret as a key without one),
 * unset, list (never values), where a key goes, and refusals (not an env var name, a credential as a setting).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { EnvVarError, listEnvVars, setEnvVar, unsetEnvVar } from '../../../../src/core/operate/envVars';
import { REPO_DIR } from '../../../builders/paths';

const FILE = 'infra/pr-review.yaml';
const refused = (fn: () => unknown, code: string): EnvVarError => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EnvVarError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
};

describe('env vars of an app spec', () => {
  let text: string;
  before(async () => {
    text = await fs.readFile(path.join(REPO_DIR, FILE), 'utf8');
  });

  it('a new setting goes to the only component, double-quoted, comments kept', () => {
    const e = setEnvVar(text, FILE, { key: 'FEATURE_FLAG', secret: false, value: 'yes' });
    assert.deepEqual(e.place, { component: 'pr-review', kind: 'services' });
    assert.equal(e.scope, 'RUN_AND_BUILD_TIME');
    assert.match(e.text, /- key: FEATURE_FLAG\n\s+scope: RUN_AND_BUILD_TIME\n\s+type: GENERAL\n\s+value: "yes"\n/);
    const env = parse(e.text, { version: '1.1' }).services[0].envs.find((x: any) => x.key === 'FEATURE_FLAG');
    assert.equal(env.value, 'yes', 'YAML 1.1 reads a string, not true');
    for (const c of text.split('\n').filter((l) => l.trim().startsWith('#'))) assert.ok(e.text.includes(c), c);
  });

  it('a secret is a key with type SECRET and no value; a value the repository had is removed', () => {
    const e = setEnvVar(text, FILE, { key: 'MODEL', secret: true });
    const env = parse(e.text).services[0].envs.find((x: any) => x.key === 'MODEL');
    assert.deepEqual(env, { key: 'MODEL', scope: 'RUN_TIME', type: 'SECRET' });
    const same = setEnvVar(text, FILE, { key: 'GITHUB_TOKEN', secret: true });
    assert.equal(same.changed, false, 'GITHUB_TOKEN is a SECRET without a value already');
    const app = setEnvVar(text, FILE, { key: 'SHARED_KEY', secret: true, appLevel: true, scope: 'RUN_AND_BUILD_TIME' });
    assert.deepEqual(parse(app.text).envs, [{ key: 'SHARED_KEY', scope: 'RUN_AND_BUILD_TIME', type: 'SECRET' }]);
  });

  it('unset removes the entry; an absent key is NOT_FOUND', () => {
    const e = unsetEnvVar(text, FILE, { key: 'MODEL' });
    assert.ok(!parse(e.text).services[0].envs.some((x: any) => x.key === 'MODEL'));
    assert.equal(e.text.split('\n').length, text.split('\n').length - 4);
    refused(() => unsetEnvVar(text, FILE, { key: 'NOPE' }), 'NOT_FOUND');
  });

  it('refuses what is not an env var name, a credential as a setting, an unknown component', () => {
    for (const key of ['1ABC', 'A-B', 'A B', '', 'KEY=value']) refused(() => setEnvVar(text, FILE, { key, secret: true }), 'INVALID_KEY');
    const e = refused(() => setEnvVar(text, FILE, { key: 'GH', secret: false, value: `ghp_${'a'.repeat(36)}` }), 'LOOKS_SECRET');
    assert.ok(!e.message.includes('aaaa'), 'the value is not quoted back');
    refused(() => setEnvVar(text, FILE, { key: 'X', secret: true, component: 'web' }), 'UNKNOWN_COMPONENT');
  });

  it('list shows keys, places, scopes, types and the live state, never a value', () => {
    const live = parse(text);
    live.services[0].envs[0].value = 'EV[1:abc:def]';
    const rows = listEnvVars(text, FILE, live);
    const token = rows.find((r) => r.key === 'GITHUB_TOKEN')!;
    const want = { key: 'GITHUB_TOKEN', component: 'pr-review', scope: 'RUN_TIME', type: 'SECRET', valueInRepo: false, live: 'set' };
    assert.deepEqual(token, want);
    assert.equal(rows.find((r) => r.key === 'ANTHROPIC_API_KEY')!.live, 'empty');
    assert.ok(!JSON.stringify(rows).includes('api.github.com') && !JSON.stringify(rows).includes('EV['), 'no values');
    assert.equal(listEnvVars(text, FILE).find((r) => r.key === 'MODEL')!.live, undefined);
  });
});
