// Bundles the extension, the CLI and the integration-test suite. `--production` minifies; `--watch` rebuilds.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import { copyFile, mkdir } from 'node:fs/promises';
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

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli/odoobo.ts'], outfile: 'dist/cli.js' },
  { ...common, entryPoints: ['test/integration/suite/index.ts'], outfile: 'out/test/integration/index.js', external: ['vscode', 'mocha'], sourcemap: 'inline', minify: false },
  { ...common, entryPoints: ['test/runElectron.ts'], outfile: 'out/test/runElectron.js', external: ['vscode', '@vscode/test-electron'], minify: false },
  // The dashboard webview: a browser script (and its CSS) with vscode-elements and the shared protocol bundled in.
  { ...common, platform: 'browser', target: 'chrome120', format: 'iife', mainFields: ['browser', 'module', 'main'], entryPoints: ['src/webview/dashboard/main.ts'], outfile: 'dist/webview/dashboard.js', minify: true },
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
  await Promise.all([...builds.map((b) => esbuild.build(b)), copyCodicons()]);
  console.log(`esbuild: built ${builds.map((b) => b.outfile).join(', ')} in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
