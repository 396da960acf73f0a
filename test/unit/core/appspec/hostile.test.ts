import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { benchLint } from '../../../../bench/appspecLint';
import { LIMITS, lintAppSpec, lintAppSpecFile, type LintResult } from '../../../../src/core/appspec';
import { REPO_DIR } from '../../../builders/paths';

/** Lints and fails the test if it takes longer than `ms` (the linter must answer, never hang). */
async function bounded(run: () => Promise<LintResult>, ms: number): Promise<{ result: LintResult; took: number }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    const result = await Promise.race([run(), timeout]);
    return { result, took: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

const BILLION_LAUGHS = `name: lol
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

describe('app-spec linter on hostile input', () => {
  it('answers a billion-laughs alias bomb with one error finding, without expanding it', async () => {
    const before = process.memoryUsage().heapUsed;
    const { result } = await bounded(() => lintAppSpec(BILLION_LAUGHS, { file: 'bomb.yaml' }), 5000);
    assert.deepEqual(result.findings.map((f) => `${f.line}:${f.column} ${f.severity} ${f.code}`), ['3:8 error APP_SPEC_TOO_MANY_ALIASES']);
    assert.ok(process.memoryUsage().heapUsed - before < 200 * 1024 * 1024, 'no memory blow-up');
  });

  it('still accepts a few aliases, as real specs use them for shared envs', async () => {
    const spec = 'name: app\nworkers:\n  - name: one\n    envs: &envs\n      - key: A\n        value: b\n  - name: two\n    envs: *envs\n';
    const { result } = await bounded(() => lintAppSpec(spec, { file: 'a.yaml' }), 5000);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.spec?.workers?.[1]?.envs, [{ key: 'A', value: 'b' }]);
  });

  it('refuses a 5 MiB file with one clear error finding, without parsing it', async () => {
    const huge = 'name: app\nenvs:\n' + '  - key: A\n    value: x\n'.repeat(Math.ceil((5 * 1024 * 1024) / 24));
    assert.ok(huge.length >= 5 * 1024 * 1024);
    const { result, took } = await bounded(() => lintAppSpec(huge, { file: 'huge.yaml' }), 2000);
    assert.equal(result.findings.length, 1);
    assert.equal(result.findings[0].code, 'APP_SPEC_TOO_LARGE');
    assert.equal(result.findings[0].severity, 'error');
    assert.deepEqual([result.findings[0].line, result.findings[0].column], [1, 1]);
    assert.match(result.findings[0].message, /5\.0 MiB; an app spec is at most 1 MiB/);
    assert.ok(took < 1000, `took ${took} ms`);

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-huge-'));
    try {
      const file = path.join(dir, 'huge.yaml');
      await fs.writeFile(file, huge);
      const fromFile = await bounded(() => lintAppSpecFile(file), 2000);
      assert.deepEqual(fromFile.result.findings.map((f) => f.code), ['APP_SPEC_TOO_LARGE']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('measures the cap in bytes, not characters', async () => {
    const multibyte = 'name: app\n# ' + 'é'.repeat(LIMITS.maxBytes / 2 + 10) + '\n';
    assert.ok(multibyte.length < LIMITS.maxBytes);
    const { result } = await bounded(() => lintAppSpec(multibyte, { file: 'mb.yaml' }), 2000);
    assert.deepEqual(result.findings.map((f) => f.code), ['APP_SPEC_TOO_LARGE']);
  });

  for (const [name, text] of [
    ['10,000-deep flow sequences', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['10,000-deep flow mappings', 'name: app\nx: ' + '{a: '.repeat(10_000) + '1' + '}'.repeat(10_000) + '\n'],
    ['10,000-deep flow sequences in a value', 'name: app\nservices: ' + '['.repeat(10_000) + ']'.repeat(10_000) + '\n'],
  ] as const) {
    it(`answers ${name} with one error finding`, async () => {
      const { result } = await bounded(() => lintAppSpec(text, { file: 'deep.yaml' }), 10_000);
      assert.equal(result.findings.length, 1, JSON.stringify(result.findings.slice(0, 3)));
      assert.equal(result.findings[0].code, 'APP_SPEC_TOO_DEEP');
      assert.equal(result.findings[0].severity, 'error');
    });
  }

  it('caps nesting the parser survives too (100 levels of block mappings)', async () => {
    const text = 'name: app\nx:\n' + Array.from({ length: 100 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n') + ' 1\n';
    const { result } = await bounded(() => lintAppSpec(text, { file: 'deep.yaml' }), 5000);
    assert.deepEqual(result.findings.map((f) => `${f.line} ${f.code}`), [`${LIMITS.maxDepth + 3} APP_SPEC_TOO_DEEP`]);
  });

  it('survives binary garbage and odd YAML without throwing', async () => {
    for (const text of ['\u0000\u0001\u0002', '%YAML 1.2\n---\nname: a\n...\n---\nname: b\n', '!!binary aGVsbG8=', '? [a, b]\n: c\n', 'name: !!int x\n', '"\\u00']) {
      const { result } = await bounded(() => lintAppSpec(text, { file: 'odd.yaml' }), 2000);
      assert.ok(result.findings.length >= 1, JSON.stringify(text));
    }
  });
});

describe('app-spec linter speed (regression guard; bench/appspecLint.ts reports the numbers)', () => {
  it('lints a 2,000-line spec in a small multiple of yaml\'s own parse time', async () => {
    const r = await benchLint(2000, 9);
    assert.equal(r.lines, 2000);
    assert.equal(r.findings, 0, 'the generated spec is clean');
    assert.ok(r.ms < 500, `median ${r.ms.toFixed(1)} ms`);
    assert.ok(r.ms < 2.5 * r.parseMs, `lint ${r.ms.toFixed(1)} ms vs parse ${r.parseMs.toFixed(1)} ms`);
  });
});

describe('app-spec linter on every wrong type in every place', () => {
  it('never throws when any value of a full spec is replaced by a list, a mapping, a number, a boolean or null', async () => {
    const text = await fs.readFile(path.join(REPO_DIR, 'test', 'fixtures', 'appspecs', 'full.yaml'), 'utf8');
    const lines = text.split('\n');
    let runs = 0;
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*(?:- )?[a-z_]+:) (.+)$/.exec(lines[i]);
      if (!m) continue;
      for (const replacement of ['[]', '{}', '7', 'true', '~', '[1, {a: b}]']) {
        const mutated = [...lines.slice(0, i), `${m[1]} ${replacement}`, ...lines.slice(i + 1)].join('\n');
        const r = await lintAppSpec(mutated, { file: 'fuzz.yaml', repoRoot: REPO_DIR, branchExists: async () => true });
        assert.ok(Array.isArray(r.findings));
        runs++;
      }
    }
    assert.ok(runs > 300, `${runs} mutations`);
  });
});
