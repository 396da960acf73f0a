import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

// The extension's bundles as `npm test` builds them: what activation loads, and what waits for first use.
const root = path.resolve(__dirname, '..', '..');
/** Issue 22: what activation loads stays under this many KiB. */
const ACTIVATION_BUDGET_KIB = 800;

interface Metafile {
  inputs: Record<string, { format?: string }>;
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

/** Files of the deploy path, the dashboard host, diagnostics and the handlers: none may load at activation. */
const DEFERRED = [
  /^src\/vscode\/commands\/(?!support\/)[^/]+\/[^/]+\.ts$/,
  /^src\/vscode\/commands\/handlers\.ts$/,
  /^src\/vscode\/lazy\/deferred\.ts$/,
  /^src\/vscode\/deployService\.ts$/,
  /^src\/vscode\/localPlatform\.ts$/,
  /^src\/vscode\/dashboard\/dashboardPanel\.ts$/,
  /^src\/vscode\/appSpecDiagnostics\.ts$/,
  /^src\/core\/deploy\/pipeline\.ts$/,
  /^src\/core\/do\/(client|http)\.ts$/,
  /^node_modules\/undici\//,
];

describe('the extension bundle: activation loads only the tree, the store and the command stubs', () => {
  let metaDir: string;
  let main: Metafile;
  let lazy: Metafile;

  before(async () => {
    metaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-bundle-'));
    execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, env: { ...process.env, ODOOBO_METAFILE_DIR: metaDir }, stdio: 'ignore' });
    main = JSON.parse(await fs.readFile(path.join(metaDir, 'extension.json'), 'utf8')) as Metafile;
    lazy = JSON.parse(await fs.readFile(path.join(metaDir, 'lazy-deferred.json'), 'utf8')) as Metafile;
  });
  after(() => fs.rm(metaDir, { recursive: true, force: true }));

  it(`keeps dist/extension.js within ${ACTIVATION_BUDGET_KIB} KiB`, () => {
    const kib = statSync(path.join(root, 'dist', 'extension.js')).size / 1024;
    assert.ok(kib <= ACTIVATION_BUDGET_KIB, `dist/extension.js is ${kib.toFixed(0)} KiB, over ${ACTIVATION_BUDGET_KIB} KiB`);
  });

  it('leaves the deploy path, the dashboard host, diagnostics and every command handler out of it', () => {
    const offenders = Object.keys(main.inputs).filter((f) => DEFERRED.some((re) => re.test(f)));
    assert.deepEqual(offenders, [], 'a module loaded at activation imports these: import the exact module, or use it from the lazy bundle');
    // Sanity: the patterns name real files, all in the lazy bundle.
    for (const re of DEFERRED) assert.ok(Object.keys(lazy.inputs).some((f) => re.test(f)), `nothing in dist/lazy/deferred.js matches ${re}`);
  });

  it('never requires the lazy bundle while it loads: only vscode and Node built-ins are required up front', () => {
    const [output] = Object.values(main.outputs).filter((o) => o.imports.length > 0);
    const external = output.imports.filter((i) => i.external).map((i) => i.path);
    assert.deepEqual(external.filter((p) => p !== 'vscode' && !/^(node:)?[a-z_]+(\/[a-z_]+)?$/.test(p)), []);
    assert.ok(!external.some((p) => p.includes('lazy')));
  });

  it('has the lazy bundle reuse every module the extension bundle holds: none exists twice', () => {
    const shared = new Set(Object.entries(main.inputs).filter(([f, i]) => i.format === 'esm' && !f.includes(':')).map(([f]) => f));
    const twice = Object.keys(lazy.inputs).filter((f) => shared.has(f));
    assert.deepEqual(twice, []);
    const reused = Object.keys(lazy.inputs).filter((f) => f.startsWith('odoobo-shared:'));
    // The git runner (one per process), the tree items (commands check `instanceof`) come from dist/extension.js.
    for (const f of ['src/core/git/runner.ts', 'src/vscode/tree/items.ts']) assert.ok(reused.includes(`odoobo-shared:${f}`), `${f} is not reused`);
  });
});
