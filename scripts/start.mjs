#!/usr/bin/env node
// `npm start`: a real VS Code (code-server) in which you can try Odoobo Skills, on http://127.0.0.1:<port>.
//   npm ci when needed → scripts/ensure-env.sh → build → npm run package → scripts/lib/serve.ts, which builds a demo
//   skills repository, installs the VSIX into a fresh extensions dir, starts code-server ($PORT or a free port) with
//   the demo folder open and workspace trust disabled, as a person's workbench (no test-driver option: notifications
//   pop up; the extension's walkthrough opens; the skills' ports are not auto-forwarded), prints
//   `Odoobo Skills is running: http://127.0.0.1:<port>/?folder=<demo path>` and waits.
// Ctrl-C / SIGTERM stops everything it started and removes the temporary folders. Works without a TTY.
import { ensureEnv, header, installSignalForwarding, npmCiIfNeeded, red, root, run } from './lib/steps.mjs';

async function main() {
  installSignalForwarding();
  process.chdir(root);

  header('npm ci (when needed)');
  if (!(await npmCiIfNeeded())) return 1;

  header('Environment (scripts/ensure-env.sh)');
  if (!(await ensureEnv())) return 1;

  header('Build (node esbuild.mjs)');
  let r = await run(process.execPath, ['esbuild.mjs']);
  if (r.code !== 0) {
    process.stderr.write(red(`build failed (exit ${r.code})\n`));
    return 1;
  }

  header('Package (npm run package)');
  r = await run('npm', ['run', '--silent', 'package']);
  if (r.code !== 0) {
    process.stderr.write(red(`npm run package failed (exit ${r.code})\n`));
    return 1;
  }

  header('code-server');
  // Runs until it gets a signal (forwarded by installSignalForwarding) or code-server dies.
  r = await run(process.execPath, ['--import', 'tsx', 'scripts/lib/serve.ts']);
  return r.code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(red(`scripts/start.mjs crashed: ${err?.stack ?? err}\n`));
    process.exit(1);
  },
);
