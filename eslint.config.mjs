// ESLint (flat config): typescript-eslint's recommended rules, the type-aware rules that catch lost promises, and
// import cycles. `npm run lint`; scripts/test.mjs runs it before the unit layer.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'out/', 'test-results/', 'skills/', 'media/', 'infra/'],
  },
  {
    files: ['**/*.{ts,mjs}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.node },
      parserOptions: {
        // The .mjs files are outside tsconfig.json's include: they get a default project built from it.
        projectService: {
          allowDefaultProject: ['*.mjs', 'scripts/*.mjs', 'scripts/lib/*.mjs'],
          defaultProject: 'tsconfig.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    settings: {
      // Without the extensions and parsers, import-x never reads a .ts file's imports and finds no cycle at all.
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/external-module-folders': importX.flatConfigs.typescript.settings['import-x/external-module-folders'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // A promise nobody awaits hides its failure (in tests: a test that passes while its assertion never ran).
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test runs top-level describe/it itself (a `t.test` subtest is still checked: it must be awaited).
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // The CLI's renderer and its tests match terminal escape sequences on purpose.
      'no-control-regex': 'off',
      // Expected CLI output is column-aligned text; `/a  b/` reads better there than `/a {2}b/`.
      'no-regex-spaces': 'off',
      // tsc's noUnusedLocals/noUnusedParameters already report these; `_`-prefixed names are deliberate.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests read untyped JSON from real servers and CLIs; `any` there is a deliberate shortcut, not a hole in src/.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The dashboard webview runs in the browser, not Node.
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'The webview runs in a browser: no Node modules.' }] }],
    },
  },
  {
    // The layers (CONTRIBUTING.md): core is what the CLI and plain unit tests run, so it never reaches up or into VS Code.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core must not import vscode: the CLI and plain unit tests use it.' }],
          patterns: [
            { regex: '(^|/)(platform|cli|vscode|webview)(/|$)', message: 'src/core imports no other layer of src/ (the platform is reached over HTTP).' },
          ],
        },
      ],
    },
  },
);
