// Bundles the extension (dist/extension.js and its lazy bundles dist/lazy/*.js), the CLI and the integration-test suite.
// `--production` minifies; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

const require = createRequire(import.meta.url);

/** zod re-exports all 64 message locales (~250 KiB minified); we only ever use English. */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}zod${path.sep}`) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined,
    );
    const en = require.resolve('zod/v4/locales/en.js').split(path.sep).join('/');
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({
      contents: `export { default as en } from ${JSON.stringify(en)};`,
      loader: 'js',
      resolveDir: path.dirname(en),
    }));
  },
};

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
  // jsonc-parser's UMD `main` loads its parts with a runtime require; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  plugins: [zodEnglishOnly],
};

/** Lazy bundles: `src/vscode/lazy/<name>.ts` → `dist/lazy/<name>.js`, loaded by `loadLazy('<name>')` on first use. */
const LAZY = ['deferred'];
/** Where dist/extension.js publishes its modules for the lazy bundles (a global: the host may load it by any path). */
const SHARED_KEY = 'Symbol.for("odoobo.sharedModules")';
const extensionBase = { ...common, outfile: 'dist/extension.js', external: ['vscode'] };

/**
 * The extension's entry: src/extension.ts, plus every ES module it bundles published under SHARED_KEY, so that a lazy
 * bundle uses those very modules (one copy of each module with state, one identity of each class).
 */
async function extensionBuild() {
  const probe = await esbuild.build({ ...extensionBase, entryPoints: ['src/extension.ts'], write: false, metafile: true, minify: false, sourcemap: false });
  const shared = Object.entries(probe.metafile.inputs)
    .filter(([file, input]) => input.format === 'esm' && !file.includes(':'))
    .map(([file]) => file);
  const lines = [`export * from ${JSON.stringify(path.resolve('src/extension.ts'))};`];
  shared.forEach((file, i) => lines.push(`import * as m${i} from ${JSON.stringify(path.resolve(file))};`));
  lines.push(`globalThis[${SHARED_KEY}] = { ${shared.map((file, i) => `${JSON.stringify(file)}: m${i}`).join(', ')} };`);
  return { ...extensionBase, stdin: { contents: lines.join('\n'), resolveDir: process.cwd(), sourcefile: 'extension-entry.js' }, shared };
}

/** In a lazy bundle, a module dist/extension.js holds is read from what it published, with live bindings. */
function sharedModules(shared) {
  const keys = new Map(shared.map((file) => [path.resolve(file), file]));
  return {
    name: 'odoobo-shared-modules',
    setup(build) {
      // Resolved as esbuild would, then swapped for a virtual CommonJS module (a namespace of its own, so a package's
      // `"type": "module"` does not make esbuild read `module.exports` as ESM).
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'odoobo-shared-probe' || args.kind === 'entry-point') return undefined;
        const { path: resolved, errors } = await build.resolve(args.path, {
          kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'odoobo-shared-probe',
        });
        const key = errors.length === 0 ? keys.get(resolved) : undefined;
        return key ? { path: key, namespace: 'odoobo-shared' } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'odoobo-shared' }, (args) => {
        const read = `var ns = globalThis[${SHARED_KEY}][${JSON.stringify(args.path)}];`;
        const copy = 'var out = Object.defineProperty({}, "__esModule", { value: true });\n'
          + 'Object.keys(ns).forEach(function (k) { Object.defineProperty(out, k, { enumerable: true, get: function () { return ns[k]; } }); });';
        return { contents: `${read}\n${copy}\nmodule.exports = out;`, loader: 'js' };
      });
    },
  };
}

const extension = await extensionBuild();
const lazyBuilds = LAZY.map((name) => ({
  ...common,
  entryPoints: [`src/vscode/lazy/${name}.ts`],
  outfile: `dist/lazy/${name}.js`,
  external: ['vscode'],
  plugins: [zodEnglishOnly, sharedModules(extension.shared)],
}));

const builds = [
  (({ shared: _shared, ...b }) => b)(extension),
  ...lazyBuilds,
  { ...common, entryPoints: ['src/cli/odoobo.ts'], outfile: 'dist/cli.js' },
  { ...common, entryPoints: ['test/integration/suite/index.ts'], outfile: 'out/test/integration/index.js', external: ['vscode', 'mocha'], sourcemap: 'inline', minify: false },
  // The bench's tests alone, for the extension host `npm run bench` measures activation in (see bench/hostSuite.ts).
  { ...common, entryPoints: ['bench/hostSuite.ts'], outfile: 'out/bench/hostSuite.js', external: ['vscode', 'mocha'], sourcemap: false },
  { ...common, entryPoints: ['test/runElectron.ts'], outfile: 'out/test/runElectron.js', external: ['vscode', '@vscode/test-electron'], minify: false },
  // The dashboard webview: a browser script (and its CSS) with vscode-elements and the shared protocol bundled in.
  { ...common, platform: 'browser', target: 'chrome120', format: 'iife', mainFields: ['browser', 'module', 'main'], entryPoints: ['src/webview/dashboard/main.ts'], outfile: 'dist/webview/dashboard.js', minify: true },
  // The Insights view: its script with Chart.js bundled in (drawn locally, no remote resources), and its CSS.
  { ...common, platform: 'browser', target: 'chrome120', format: 'iife', mainFields: ['browser', 'module', 'main'], entryPoints: ['src/webview/insights/main.ts'], outfile: 'dist/webview/insights.js', minify: true },
];

/** The codicon font for the webview (vscode-elements' icons link this stylesheet from the page). */
async function copyCodicons() {
  const from = path.dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  await mkdir('dist/webview', { recursive: true });
  await Promise.all(['codicon.css', 'codicon.ttf'].map((f) => copyFile(path.join(from, f), path.join('dist/webview', f))));
}

if (watch) {
  await copyCodicons();
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('esbuild: watching');
} else {
  const started = Date.now();
  // ODOOBO_METAFILE_DIR: where to write esbuild's metafiles of the extension's bundles (the bundle test reads them).
  const metaDir = process.env.ODOOBO_METAFILE_DIR;
  const results = await Promise.all([...builds.map((b) => esbuild.build(metaDir ? { ...b, metafile: true } : b)), copyCodicons()]);
  if (metaDir) {
    await mkdir(metaDir, { recursive: true });
    const named = ['extension', ...LAZY.map((n) => `lazy-${n}`)];
    await Promise.all(named.map((name, i) => writeFile(path.join(metaDir, `${name}.json`), JSON.stringify(results[i].metafile))));
  }
  console.log(`esbuild: built ${builds.map((b) => b.outfile).join(', ')} in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
