import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LintCache, lintAppSpec, type LintOptions } from '../../../../src/core/appspec';
import { REPO_DIR } from '../../../builders/paths';

const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const SPECS = path.join(SHARED, 'do-openapi', 'examples', 'specs');
const REPO = REPO_DIR;
const FIXTURES = path.join(REPO_DIR, 'test', 'fixtures', 'appspecs');

/** Findings, spec and document text as a plain value, to compare a cached answer with an uncached one. */
async function answer(text: string, options: LintOptions) {
  const r = await lintAppSpec(text, options);
  return { findings: r.findings, spec: r.spec, document: r.document?.toString() };
}

describe('LintCache: the same text linted again reuses the text-only work', () => {
  let tmp: string;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-lintcache-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('answers exactly what an uncached lint answers, first and second time, for every real and fixture spec', async () => {
    const files = [
      ...(await fs.readdir(SPECS)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(SPECS, f)),
      ...(await fs.readdir(path.join(REPO, 'infra')))
        .filter((f) => /^[^.]+\.yaml$/.test(f) && f !== 'environments.yaml') // base specs: no overlays
        .map((f) => path.join(REPO, 'infra', f)),
      path.join(FIXTURES, 'full.yaml'),
      path.join(FIXTURES, 'problems.yaml'),
    ];
    assert.ok(files.length >= 8, `specs found: ${files.length}`);
    const cache = new LintCache();
    for (const file of files) {
      const text = await fs.readFile(file, 'utf8');
      const options: LintOptions = { file, repoRoot: REPO, branchExists: async (b) => b === 'main' };
      const plain = await answer(text, options);
      const first = await answer(text, { ...options, cache });
      const second = await answer(text, { ...options, cache });
      assert.deepEqual(first, plain, `first cached lint of ${file}`);
      assert.deepEqual(second, plain, `second cached lint of ${file}`);
    }
    assert.equal(cache.hits, files.length);
    assert.equal(cache.misses, files.length);
  });

  it('asks the repository again on every call: a folder removed or a branch deleted shows on the cached text', async () => {
    await fs.mkdir(path.join(tmp, 'skills', 'web'), { recursive: true });
    const text = 'name: app\nservices:\n  - name: web\n    source_dir: skills/web\n    git:\n      repo_clone_url: https://example.com/r.git\n      branch: skill/web\n    http_port: 8080\n    health_check:\n      http_path: /health\n';
    const branches = new Set(['skill/web']);
    const cache = new LintCache();
    const options: LintOptions = { file: 'app.yaml', repoRoot: tmp, branchExists: async (b) => branches.has(b), cache };
    const codes = async () => (await lintAppSpec(text, options)).findings.map((f) => f.code).filter((c) => c === 'SOURCE_DIR_MISSING' || c === 'BRANCH_MISSING');
    assert.deepEqual(await codes(), []);
    await fs.rm(path.join(tmp, 'skills', 'web'), { recursive: true });
    branches.clear();
    assert.deepEqual((await codes()).sort(), ['BRANCH_MISSING', 'SOURCE_DIR_MISSING']);
    assert.equal(cache.hits, 1, 'the second answer came from the cache and still saw the change');
  });

  it('gives each caller its own spec and findings: changing one answer does not change the next', async () => {
    const text = 'name: app\nservices:\n  - name: web\n    image:\n      registry_type: DOCR\n      repository: web\n      tag: TODO\n    http_port: 8080\n';
    const cache = new LintCache();
    const a = await lintAppSpec(text, { file: 'app.yaml', cache });
    a.spec!.name = 'changed';
    a.spec!.services![0].http_port = 1;
    a.findings[0].message = 'changed';
    a.findings.pop();
    const b = await lintAppSpec(text, { file: 'app.yaml', cache });
    assert.equal(b.spec!.name, 'app');
    assert.equal(b.spec!.services![0].http_port, 8080);
    assert.notEqual(b.findings[0].message, 'changed');
    assert.equal(b.findings.length, a.findings.length + 1);
  });

  it('keys on what the text-only answer depends on: the file name and the known instance sizes', async () => {
    const text = 'name: app\nservices:\n  - name: web\n    instance_size_slug: apps-s-9vcpu-99gb\n    image:\n      registry_type: DOCR\n      repository: web\n      tag: v1\n';
    const cache = new LintCache();
    const a = await lintAppSpec(text, { file: 'a.yaml', cache });
    const b = await lintAppSpec(text, { file: 'b.yaml', cache });
    assert.ok(a.findings.length > 0 && a.findings.every((f) => f.file === 'a.yaml'));
    assert.ok(b.findings.every((f) => f.file === 'b.yaml'));
    const unknown = (r: typeof a) => r.findings.some((f) => /apps-s-9vcpu-99gb/.test(f.message));
    assert.ok(unknown(a), 'the unknown size is reported');
    assert.ok(!unknown(await lintAppSpec(text, { file: 'a.yaml', cache, knownInstanceSizes: ['apps-s-9vcpu-99gb'] })), 'known from the API: not reported');
    assert.equal(cache.hits, 0);
  });

  it('keeps no text over 32 KiB and stays within its bounds', async () => {
    const big = `name: app\n${Array.from({ length: 4000 }, (_, i) => `# padding comment line ${i} ................`).join('\n')}\n`;
    assert.ok(big.length > LintCache.MAX_TEXT);
    const cache = new LintCache({ maxEntries: 3 });
    await lintAppSpec(big, { file: 'big.yaml', cache });
    assert.equal(cache.size, 0);
    for (let i = 0; i < 5; i++) await lintAppSpec(`name: app-${i}\n`, { file: 'app.yaml', cache });
    assert.equal(cache.size, 3);
  });
});
