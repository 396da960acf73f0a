/**
 * The long-running part of `npm start` (scripts/start.mjs runs it after building and packaging):
 * builds the demo skills repository, installs the packaged extension into a fresh extensions dir, starts
 * code-server on 127.0.0.1 (free port, or $PORT) with the demo folder open and workspace trust disabled, in the
 * people's profile (startCodeServerForPeople, which the e2e tests use too), prints
 * the URL and waits. SIGINT/SIGTERM/SIGHUP stop code-server (its process group) and remove every temporary folder.
 *
 *   node --import tsx scripts/lib/serve.ts [--vsix dist/odoobo-skills.vsix] [--port N]
 */
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { onCleanup, shuttingDown, startCodeServerForPeople } from '../../test/harness/codeServer';
import { ensureEnv, repoRoot } from '../../test/harness/env';
import { createDemoRepo } from './demoRepo';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const root = repoRoot();
  const vsix = path.resolve(arg('--vsix') ?? path.join(root, 'dist', 'odoobo-skills.vsix'));
  if (!existsSync(vsix)) throw new Error(`${vsix} does not exist: run \`npm run package\` first`);
  const portText = arg('--port') ?? process.env.PORT;
  const port = portText ? Number(portText) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`invalid port ${portText}`);

  const env = await ensureEnv();
  const demo = await createDemoRepo();
  // Registered before anything else can fail, so that Ctrl-C at any point removes the demo repository.
  const unregister = onCleanup(demo.cleanup, () => rmSync(demo.base, { recursive: true, force: true }));
  console.log(`[start] demo skills repository: ${demo.dir} (skills: ${demo.skills.join(', ')}; worktrees: ${Object.keys(demo.worktrees).join(', ')})`);

  const started = Date.now();
  // The people's workbench: no test-driver option (it hides every notification toast), the walkthrough on first start.
  const server = await startCodeServerForPeople({ env, vsix, ...(port !== undefined ? { port } : {}) });
  console.log(`[start] code-server ${path.basename(path.dirname(path.dirname(env.codeServer)))} up in ${Date.now() - started} ms (pid ${server.pid}, log ${server.logFile})`);
  console.log(`Odoobo Skills is running: ${server.origin}/?folder=${demo.dir}`);
  console.log('[start] press Ctrl-C (or send SIGTERM) to stop; everything started is stopped and temporary folders are removed');

  // Stays up until a signal (handled by the harness hooks: they stop the server and remove the demo repository)
  // or until code-server dies by itself.
  const how = await server.exited;
  if (shuttingDown()) return; // stopped by a signal: the hooks finish the cleanup and exit
  console.error(`[start] code-server exited unexpectedly (${how}); last output:\n${server.output()}`);
  await server.stop();
  await demo.cleanup();
  unregister();
  process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`[start] FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1); // the exit hooks stop whatever was started
});
