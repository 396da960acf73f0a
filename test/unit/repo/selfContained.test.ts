/**
 * The repository holds everything it reads: a user's clone has no shared folder beside it and no one else's home directory.
 * Dynamic: the repo's own data-reading code runs in a child process whose fs is wrapped by a preload that records every
 * absolute path outside the repository it opens or lists. Static: no source in src/ test/ scripts/ bench/ names one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { OPENAPI_INPUT } from '../../../src/core/appspec/openapi';
import { DO_OPENAPI_DIR, OPENAPI_FILE } from '../../builders/platformApi';
import { REPO_DIR } from '../../builders/paths';

const REPO = REPO_DIR;

/**
 * The preload (an ES module passed as a data: URL, so it needs no file): wraps the fs calls that open or list files and
 * writes the outside paths to $ODOOBO_FS_AUDIT at exit. Paths of the Node runtime, node_modules, /proc, /dev and the
 * temp folder are not data; tsx keeps its transform cache in the temp folder.
 */
const PRELOAD = String.raw`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
const root = process.env.ODOOBO_FS_AUDIT_ROOT + path.sep;
const tmp = fs.realpathSync(os.tmpdir()) + path.sep;
const runtime = path.resolve(path.dirname(process.execPath), '..') + path.sep;
const ignored = (p) => p + path.sep === root || p.startsWith(root) || p.startsWith(runtime) || p.split(path.sep).includes('node_modules') ||
  /^\/(proc|dev)\//.test(p) || ((p.startsWith('/tmp/') || p.startsWith(tmp)) && !root.startsWith(tmp) && !root.startsWith('/tmp/'));
const outside = new Set();
const note = (p) => {
  if (p instanceof URL) p = fileURLToPath(p);
  else if (Buffer.isBuffer(p)) p = p.toString();
  if (typeof p !== 'string') return;
  const abs = path.resolve(p);
  if (!ignored(abs)) outside.add(abs);
};
const writeFileSync = fs.writeFileSync;
const wrap = (obj, names) => {
  for (const name of names) {
    const original = obj[name];
    obj[name] = function (p, ...rest) { note(p); return original.call(this, p, ...rest); };
  }
};
wrap(fs, ['openSync', 'readFileSync', 'readdirSync', 'opendirSync', 'createReadStream', 'open', 'readFile', 'readdir', 'opendir']);
wrap(fs.promises, ['open', 'readFile', 'readdir', 'opendir']);
syncBuiltinESMExports();
process.on('exit', () => writeFileSync(process.env.ODOOBO_FS_AUDIT, JSON.stringify([...outside])));
`;

/** Runs `code` (CommonJS, through tsx) at the repository root with the fs audit: its stdout and the outside paths it opened. */
async function audit(code: string): Promise<{ stdout: string; outside: string[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-fs-audit-'));
  try {
    const log = path.join(dir, 'outside.json');
    const args = ['--import', 'tsx', '--import', `data:text/javascript,${encodeURIComponent(PRELOAD)}`, '--eval', code];
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: REPO,
      env: { ...process.env, ODOOBO_FS_AUDIT: log, ODOOBO_FS_AUDIT_ROOT: await fs.realpath(REPO) },
      timeout: 60_000,
    });
    return { stdout, outside: JSON.parse(await fs.readFile(log, 'utf8')) as string[] };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The repository's own data readers: the builders' OpenAPI loader, the AppSpec model and schema generators, the linter. */
const WORKLOAD = `
(async () => {
  const assert = require('node:assert/strict');
  const fs = require('node:fs');
  const path = require('node:path');
  const { OpenApiValidator, DO_OPENAPI_DIR } = require('./test/builders/platformApi.ts');
  new OpenApiValidator();
  for (const dir of ['requests', 'responses'].map((d) => path.join(DO_OPENAPI_DIR, 'examples', d))) {
    for (const f of fs.readdirSync(dir)) JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  const { deriveAppSpecModel, OPENAPI_INPUT, GENERATED_FILE } = require('./src/core/appspec/openapi.ts');
  const model = deriveAppSpecModel(JSON.parse(await fs.promises.readFile(OPENAPI_INPUT, 'utf8')), 'check');
  assert.deepEqual(model.schema, JSON.parse(fs.readFileSync(GENERATED_FILE, 'utf8')).schema, 'appSpec.schema.json is current');
  const { appSpecJsonSchema, SCHEMA_FILE } = require('./scripts/gen-app-spec-schema.ts');
  assert.equal(appSpecJsonSchema(), fs.readFileSync(SCHEMA_FILE, 'utf8'), 'media/app-spec.schema.json is current');
  const { lintAppSpecFile } = require('./src/core/appspec/lint.ts');
  const specs = path.join(DO_OPENAPI_DIR, 'examples', 'specs');
  const files = [
    ...fs.readdirSync('infra').filter((f) => /\\.ya?ml$/.test(f)).map((f) => path.join('infra', f)),
    ...fs.readdirSync(specs).map((f) => path.join(specs, f)),
  ];
  for (const f of files) await lintAppSpecFile(f);
  process.stdout.write(files.length + ' specs linted\\n');
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the repository holds everything it reads', () => {
  it('the OpenAPI description the generator and the builders read by default is the vendored copy', async () => {
    const vendored = path.join(REPO, 'vendor', 'do-openapi');
    assert.equal(DO_OPENAPI_DIR, vendored);
    for (const file of [OPENAPI_INPUT, OPENAPI_FILE]) {
      assert.equal(file, path.join(vendored, 'specification', 'apps-only.v2.bundled.json'));
      await fs.access(file);
    }
    // Apache-2.0 data: its license and the upstream commit travel with it.
    await fs.access(path.join(vendored, 'LICENSE'));
    assert.match(await fs.readFile(path.join(vendored, 'README.md'), 'utf8'), /digitalocean\/openapi.*7c1300c479fed9c353cda9fc21cd968619552304/s);
  });

  it('the audit sees a read outside the repository (so the next test can fail)', async () => {
    const parent = path.dirname(await fs.realpath(REPO));
    const { outside } = await audit(`require('node:fs').readdirSync(${JSON.stringify(parent)});`);
    assert.ok(outside.includes(parent), `the audit missed ${parent}: ${JSON.stringify(outside)}`);
  });

  it('the OpenAPI loader, the AppSpec model and schema generators and the linter open nothing outside the repository', async () => {
    const { stdout, outside } = await audit(WORKLOAD);
    assert.match(stdout, /^\d+ specs linted$/m, 'the workload ran to its end');
    assert.deepEqual(outside, [], 'paths outside the repository were opened for data');
  });

  it('no source in src/ test/ scripts/ bench/ names a path outside the repository', async () => {
    const absolute = /\/work\/|\/home\/|\/root\/|\/Users\//;
    // `../shared` is the steering folder beside a checkout; a folder of our own called shared/ is fine: resolve it.
    const relative = /(?:\.\.\/)+shared\b[^'"`\s]*/g;
    const hits: string[] = [];
    for (const top of ['src', 'test', 'scripts', 'bench']) {
      for (const rel of await fs.readdir(path.join(REPO, top), { recursive: true })) {
        const file = path.join(top, rel);
        if (!/\.(ts|tsx|js|mjs|cjs|json|sh|py|ya?ml|md)$/.test(file)) continue;
        const lines = (await fs.readFile(path.join(REPO, file), 'utf8')).split('\n');
        const leaves = (line: string) =>
          [...line.matchAll(relative)].some((m) => path.relative(REPO, path.resolve(REPO, path.dirname(file), m[0])).startsWith('..'));
        lines.forEach((line, i) => (absolute.test(line) || leaves(line)) && hits.push(`${file}:${i + 1}: ${line.trim()}`));
      }
    }
    assert.deepEqual(hits, [], `paths outside the repository:\n${hits.join('\n')}`);
  });
});
