/**
 * The integration suite in desktop VS Code, for people who have it (downloads VS Code through @vscode/test-electron;
 * that cannot work on the CI machines, which use test/integration/runCodeServer.ts instead).
 *
 *   npm run test:electron          (builds, then runs out/test/runElectron.js)
 *   node --import tsx test/runElectron.ts
 *
 * Runs the same compiled suite (out/test/integration/index.js) twice, each on a fresh fixture workspace: trusted
 * (workspace trust disabled), then untrusted. Exit code 1 when anything failed.
 *
 * runTests() always passes --disable-workspace-trust, so the untrusted run launches the downloaded VS Code itself
 * with the same arguments minus that one.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { createFixtureWorkspace } from './integration/workspace';

/** The folder holding this project's package.json (works from test/ via tsx and from out/test/ when bundled). */
function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(path.join(dir, 'esbuild.mjs'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the project root above ${__dirname}`);
    dir = up;
  }
}

interface SuiteResults {
  passed: number;
  failed: number;
  failures: { title: string; error: string }[];
}

const SETTINGS = {
  'security.workspace.trust.startupPrompt': 'never',
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
};

/** Like runTests(), without --disable-workspace-trust: the workspace opens in restricted mode. */
async function runUntrusted(o: {
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  launchArgs: string[];
  extensionTestsEnv: Record<string, string>;
}): Promise<number> {
  const executable = await downloadAndUnzipVSCode();
  const args = [
    ...o.launchArgs,
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-updates',
    '--skip-welcome',
    '--skip-release-notes',
    `--extensionTestsPath=${o.extensionTestsPath}`,
    `--extensionDevelopmentPath=${o.extensionDevelopmentPath}`,
  ];
  return new Promise<number>((resolve, reject) => {
    const child = spawn(executable, args, { env: { ...process.env, ...o.extensionTestsEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
    const onSigint = (): void => void child.kill('SIGINT');
    process.once('SIGINT', onSigint);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.removeListener('SIGINT', onSigint);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function runMode(root: string, mode: 'trusted' | 'untrusted', resultsDir: string): Promise<{ ok: boolean; passed: number; failed: number }> {
  const fixture = await createFixtureWorkspace();
  const results = path.join(resultsDir, `integration-${mode}.json`);
  try {
    console.log(`[electron:${mode}] fixture workspace ${fixture.dir}`);
    const userDataDir = path.join(resultsDir, `user-data-${mode}`);
    await fs.mkdir(path.join(userDataDir, 'User'), { recursive: true });
    await fs.writeFile(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
    const extensionTestsPath = path.join(root, 'out', 'test', 'integration', 'index.js');
    const launchArgs = [
      fixture.dir,
      '--disable-extensions', // other installed extensions stay out of the way
      `--user-data-dir=${userDataDir}`,
      `--extensions-dir=${path.join(resultsDir, `extensions-${mode}`)}`,
    ];
    const extensionTestsEnv = { ODOOBO_TEST_RESULTS: results, ODOOBO_TEST_MODE: mode, ODOOBO_FIXTURE: fixture.fixtureFile };
    let exitCode: number;
    try {
      exitCode =
        mode === 'trusted'
          ? await runTests({ extensionDevelopmentPath: root, extensionTestsPath, launchArgs, extensionTestsEnv })
          : await runUntrusted({ extensionDevelopmentPath: root, extensionTestsPath, launchArgs, extensionTestsEnv });
    } catch (err) {
      // runTests rejects when VS Code exits non-zero (test failures) or cannot be downloaded/started.
      console.error(`[electron:${mode}] ${err instanceof Error ? err.message : String(err)}`);
      exitCode = 1;
    }
    let suite: SuiteResults | undefined;
    try {
      suite = JSON.parse(await fs.readFile(results, 'utf8')) as SuiteResults;
    } catch {
      console.error(`[electron:${mode}] the suite wrote no results file (${results})`);
    }
    if (suite) {
      console.log(`[electron:${mode}] ${suite.passed} passed, ${suite.failed} failed`);
      for (const f of suite.failures) console.log(`[electron:${mode}]   ✗ ${f.title}\n${f.error}`);
    }
    const failed = suite ? suite.failed : 1;
    return { ok: exitCode === 0 && !!suite && suite.failed === 0, passed: suite?.passed ?? 0, failed: failed || (exitCode === 0 ? 0 : 1) };
  } finally {
    await fixture.cleanup();
  }
}

async function main(): Promise<number> {
  const root = projectRoot();
  const suite = path.join(root, 'out', 'test', 'integration', 'index.js');
  if (!existsSync(suite)) throw new Error(`${suite} does not exist: run \`node esbuild.mjs\` first`);
  const resultsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-electron-'));
  try {
    let passed = 0;
    let failed = 0;
    let ok = true;
    for (const mode of ['trusted', 'untrusted'] as const) {
      const r = await runMode(root, mode, resultsDir);
      passed += r.passed;
      failed += r.failed;
      ok &&= r.ok;
    }
    console.log(`${passed} passed, ${failed} failed`);
    return ok ? 0 : 1;
  } finally {
    await fs.rm(resultsDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test/runElectron: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
