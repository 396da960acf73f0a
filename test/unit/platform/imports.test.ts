/**
 * The local App Platform is reached only over HTTP by the rest of the product, so it imports nothing of it: of
 * `src/core` only dependency-free utilities and data files (listed below and in src/platform/README.md), never the
 * DigitalOcean client, never `vscode`, nothing of `src/cli`, `src/vscode`, `src/webview` or `src/extension.ts`. This
 * suite reads every import of src/platform (static, type-only, re-exports, dynamic) with TypeScript's own scanner.
 */
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT, tempDir } from '../../builders/platform';

/** What src/platform may import from the rest of `src/` (repository paths, without the .ts extension). */
const ALLOWED_OUTSIDE = ['src/core/util/wait', 'src/core/util/processGroup', 'src/core/status/atomicFile', 'src/core/appspec/appSpec.schema.json'];

interface Outside {
  readonly file: string;
  readonly specifier: string;
  /** Repository path of the module, or the package name. */
  readonly target: string;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name)).sort();
}

function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

/** Every import of a file under `platformDir` that leaves it: a module elsewhere in `root`, or a package. */
async function importsLeaving(root: string, platformDir: string): Promise<Outside[]> {
  const out: Outside[] = [];
  for (const file of await sourceFiles(platformDir)) {
    for (const specifier of importsOf(file)) {
      const rel = path.relative(root, file);
      if (!specifier.startsWith('.')) {
        if (!specifier.startsWith('node:')) out.push({ file: rel, specifier, target: specifier });
        continue;
      }
      const resolved = path.resolve(path.dirname(file), specifier);
      if (resolved === platformDir || resolved.startsWith(platformDir + path.sep)) continue;
      out.push({ file: rel, specifier, target: path.relative(root, resolved).replace(/\.ts$/, '').split(path.sep).join('/') });
    }
  }
  return out;
}

/** The imports that break the rule: modules of `src/` beyond the allowed list, and `vscode`. */
function violations(found: readonly Outside[]): string[] {
  return found
    .filter((i) => (i.target.startsWith('src/') ? !ALLOWED_OUTSIDE.includes(i.target) : i.target === 'vscode'))
    .map((i) => `${i.file} imports ${i.specifier}`);
}

describe('src/platform imports', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('imports of src/ only the allowed dependency-free utilities and data files', async () => {
    const found = await importsLeaving(REPO_ROOT, path.join(REPO_ROOT, 'src/platform'));
    assert.ok(found.length > 0, 'the scanner sees the packages src/platform uses (fastify, zod…)');
    assert.deepEqual(violations(found), []);
    // Every allowed module is in use (else it leaves the list) and named in the README.
    const used = new Set(found.map((i) => i.target));
    const readme = await fs.readFile(path.join(REPO_ROOT, 'src/platform/README.md'), 'utf8');
    for (const allowed of ALLOWED_OUTSIDE) {
      assert.ok(used.has(allowed), `${allowed} is allowed but src/platform no longer imports it`);
      const named = allowed.endsWith('.json') ? allowed : `${allowed}.ts`;
      assert.ok(readme.includes(`\`${named}\``), `src/platform/README.md names ${named}`);
    }
  });

  it('the allowed modules of src/core depend on nothing but Node', async () => {
    for (const allowed of ALLOWED_OUTSIDE.filter((a) => !a.endsWith('.json'))) {
      const imports = importsOf(path.join(REPO_ROOT, `${allowed}.ts`));
      assert.deepEqual(imports.filter((s) => !s.startsWith('node:')), [], `${allowed} imports only node: modules`);
    }
  });

  it('reports the client, the CLI, the editor and vscode when a platform file imports them', async () => {
    const root = await tempDir('odoobo-platform-imports-');
    dirs.push(root);
    const platformDir = path.join(root, 'src/platform');
    await fs.mkdir(path.join(platformDir, 'deploy'), { recursive: true });
    const lines = [
      "import { wait } from '../../core/util/wait';",
      "import type { DoClient } from '../../core/do/client';",
      "export { run } from '../../cli/odoobo';",
      "import * as vscode from 'vscode';",
      "import { z } from 'zod';",
      "import { x } from './sibling';",
      "const later = import('../../vscode/extension');",
    ];
    await fs.writeFile(path.join(platformDir, 'deploy/bad.ts'), lines.join('\n'));
    const found = await importsLeaving(root, platformDir);
    assert.deepEqual(violations(found), [
      'src/platform/deploy/bad.ts imports ../../core/do/client',
      'src/platform/deploy/bad.ts imports ../../cli/odoobo',
      'src/platform/deploy/bad.ts imports vscode',
      'src/platform/deploy/bad.ts imports ../../vscode/extension',
    ]);
  });
});
