/**
 * Runs the compiled integration suite (out/test/integration/index.js, built by `node esbuild.mjs`) inside
 * code-server's real extension host.
 *
 *   node --import tsx test/integration/runCodeServer.ts --results <file> [--workspace <dir>] [--untrusted]
 *        [--mode trusted|untrusted|bench] [--fixture <fixture.json>] [--tests <index.js>] [--timeout <s>]
 *        [--env KEY=VALUE]...
 *
 * Without --workspace a fresh fixture workspace (test/integration/workspace.ts) is built and removed afterwards.
 * With --workspace, ODOOBO_FIXTURE is --fixture, else `<parent of workspace>/fixture.json` when it exists.
 * The suite gets ODOOBO_TEST_RESULTS, ODOOBO_TEST_MODE and ODOOBO_FIXTURE through the payload's extensionEnvironment
 * and writes {"passed","failed","failures"} to the results file. Exit code: 0 only when the extension host exited
 * with 0 and the results file reports no failure.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stopLocalPlatform } from '../../src/core/localPlatform';
import { defaultLocalDataDir } from '../../src/core/target';
import { repoRoot } from '../harness/env';
import { runExtensionTests } from '../harness/runExtensionTests';
import { createFixtureWorkspace, type FixtureWorkspace } from './workspace';

interface Args {
  workspace?: string;
  results?: string;
  fixture?: string;
  tests?: string;
  mode: string;
  timeoutMs: number;
  env: Record<string, string>;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: node --import tsx test/integration/runCodeServer.ts --results <file> [--workspace <dir>] [--untrusted] ` +
      `[--mode trusted|untrusted|bench] [--fixture <file>] [--tests <index.js>] [--timeout <seconds>] [--env KEY=VALUE]...\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { mode: 'trusted', timeoutMs: 900_000, env: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--workspace': a.workspace = path.resolve(value()); break;
      case '--results': a.results = path.resolve(value()); break;
      case '--fixture': a.fixture = path.resolve(value()); break;
      case '--tests': a.tests = path.resolve(value()); break;
      case '--untrusted': a.mode = 'untrusted'; break;
      case '--trusted': a.mode = 'trusted'; break;
      case '--mode': a.mode = value(); break;
      case '--timeout': {
        const s = Number(value());
        if (!(s > 0)) usage('--timeout needs a positive number of seconds');
        a.timeoutMs = s * 1000;
        break;
      }
      case '--env': {
        const kv = value();
        const eq = kv.indexOf('=');
        if (eq <= 0) usage(`--env expects KEY=VALUE, got ${kv}`);
        a.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      default: usage(`unknown argument ${flag}`);
    }
  }
  if (!a.results) usage('--results <file> is required');
  return a;
}

interface SuiteResults {
  passed: number;
  failed: number;
  failures: { title: string; error: string }[];
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const tests = args.tests ?? path.join(root, 'out', 'test', 'integration', 'index.js');
  const results = args.results!;
  const tag = `[integration:${args.mode}]`;
  if (!existsSync(tests)) throw new Error(`${tests} does not exist: build it first with \`node esbuild.mjs\``);
  const entry = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')).main as string | undefined;
  if (entry && !existsSync(path.join(root, entry))) throw new Error(`the extension main ${entry} does not exist: run \`node esbuild.mjs\``);

  let fixture: FixtureWorkspace | undefined;
  let workspace = args.workspace;
  let fixtureFile = args.fixture;
  const started = Date.now();
  try {
    if (!workspace) {
      fixture = await createFixtureWorkspace();
      workspace = fixture.dir;
      fixtureFile = fixture.fixtureFile;
      console.log(`${tag} fixture workspace ${workspace} (${Date.now() - started} ms)`);
    } else if (!fixtureFile && existsSync(path.join(path.dirname(workspace), 'fixture.json'))) {
      fixtureFile = path.join(path.dirname(workspace), 'fixture.json');
    }
    await fs.mkdir(path.dirname(results), { recursive: true });
    await fs.rm(results, { force: true });

    const extensionEnvironment: Record<string, string> = {
      ODOOBO_TEST_RESULTS: results,
      ODOOBO_TEST_MODE: args.mode,
      ...(fixtureFile ? { ODOOBO_FIXTURE: fixtureFile } : {}),
      ...args.env,
    };
    console.log(`${tag} running ${path.relative(root, tests)} in code-server on ${workspace} (${args.mode === 'untrusted' ? 'untrusted' : 'trusted'} workspace)`);
    const run = await runExtensionTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: tests,
      workspace,
      extensionEnvironment,
      trusted: args.mode !== 'untrusted',
      timeoutMs: args.timeoutMs,
    });
    console.log(
      `${tag} extension host exit code ${run.exitCode}; code-server up in ${run.timings.serverStartMs} ms, ` +
        `workbench + suite ${run.timings.runMs} ms, total ${run.timings.totalMs} ms`,
    );

    let suite: SuiteResults | undefined;
    try {
      suite = JSON.parse(await fs.readFile(results, 'utf8')) as SuiteResults;
    } catch (err) {
      console.error(`${tag} FAILED: the suite wrote no readable results file ${results} (${(err as Error).message})`);
      if (run.exitCode === 0) return 1;
    }
    if (suite) {
      console.log(`${tag} ${suite.passed} passed, ${suite.failed} failed`);
      for (const f of suite.failures ?? []) console.log(`${tag}   ✗ ${f.title}\n${indent(f.error)}`);
    }
    if (run.exitCode !== 0) {
      console.error(`${tag} FAILED: the extension host exited with code ${run.exitCode}`);
      if (!suite || suite.failed === 0) {
        console.error(`${tag} last workbench console lines:\n${run.workbenchLogs.slice(-30).join('\n')}`);
      }
      return 1;
    }
    return suite && suite.failed === 0 ? 0 : 1;
  } finally {
    // The extension starts the repository's local platform detached (it outlives the window): stop it with the run.
    if (workspace) {
      const stopped = await stopLocalPlatform(await defaultLocalDataDir(workspace)).catch(() => undefined);
      if (stopped?.wasRunning) console.log(`${tag} stopped the workspace's local App Platform (pid ${stopped.pid})`);
    }
    await fixture?.cleanup();
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`[integration] FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
