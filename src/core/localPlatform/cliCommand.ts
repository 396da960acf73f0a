import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** How to run `odoobo` in a new process: an executable and the arguments before the CLI's own. */
export interface CliCommandLine {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * The `odoobo` CLI of this installation. Bundled (dist/cli.js, dist/extension.js) it is dist/cli.js beside this
 * bundle; from source (tsx: tests, `npm run cli`) it is src/cli/odoobo.ts run through tsx's loader, by absolute path
 * so that it resolves from any working folder.
 */
export function defaultCliCommand(): CliCommandLine {
  if (!__filename.endsWith('.ts')) return { command: process.execPath, args: [path.join(__dirname, 'cli.js')] };
  const root = path.resolve(__dirname, '..', '..', '..');
  const loader = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return { command: process.execPath, args: ['--import', loader, path.join(root, 'src', 'cli', 'odoobo.ts')] };
}
