import * as path from 'node:path';

/**
 * Loads the lazy bundle `dist/lazy/<name>.js` (built by esbuild.mjs from `src/vscode/lazy/<name>.ts`); `require`
 * caches it, so it loads once. It reuses the modules dist/extension.js already holds instead of carrying a second copy
 * (esbuild.mjs makes both sides), so every module with state and every class exists once.
 */
export function loadLazy<T>(name: string): T {
  // A computed path: esbuild leaves this require alone, so the lazy bundle stays out of dist/extension.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(__dirname, 'lazy', `${name}.js`)) as T;
}
