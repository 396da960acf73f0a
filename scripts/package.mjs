// `npm run package`: production bundle, then the VSIX with @vscode/vsce (dependencies are bundled, so --no-dependencies).
import { execFileSync } from 'node:child_process';
import { statSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist', 'odoobo-skills.vsix');
mkdirSync(path.dirname(out), { recursive: true });
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
execFileSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '-o', out], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`VSIX: ${path.relative(root, out)} (${(statSync(out).size / 1024).toFixed(1)} KiB)`);
