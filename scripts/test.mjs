#!/usr/bin/env node
// `npm test`: every layer of tests, in order, with a per-layer table and, alone on the last line, `N passed, N failed`.
//
//   node scripts/test.mjs [--only unit|skills|integration|e2e]
//
// 1 npm ci (when node_modules is missing or older than package-lock.json)   2 scripts/ensure-env.sh (never skipped)
// 3 typecheck   4 build   5 lint (eslint) and unused exports (knip)   6 unit tests (node:test)
// 7 the skills' own tests (pytest in each skills/<name>)   8 integration tests in code-server (trusted, then untrusted)
// 9 package the VSIX + the e2e screenshot test   10 summary.
// Exit code 1 when anything failed or a layer could not run. Plain Node ESM with builtins only (it may run before
// node_modules exists); the system Node runs everything but code-server, which needs Node 24 (from ensure-env).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSkillTests } from './lib/pytest.mjs';
import { ensureEnv, green, header, installSignalForwarding, npmCiIfNeeded, red, root, run, seconds } from './lib/steps.mjs';

const LAYERS = ['unit', 'skills', 'integration', 'e2e'];

function parseArgs(argv) {
  let only;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') only = argv[++i];
    else if (a.startsWith('--only=')) only = a.slice('--only='.length);
    else {
      process.stderr.write(`unknown argument ${a}\nusage: node scripts/test.mjs [--only ${LAYERS.join('|')}]\n`);
      process.exit(2);
    }
  }
  if (only !== undefined && !LAYERS.includes(only)) {
    process.stderr.write(`--only expects one of ${LAYERS.join(', ')}, got ${only}\n`);
    process.exit(2);
  }
  return { only };
}

/** Rows of the summary table. A step that failed or could not run counts as 1 failed in the totals. */
const rows = [];
function record(layer, { passed = 0, failed = 0, status, note = '', ms = 0 }) {
  rows.push({ layer, passed, failed, status, note, ms });
}

/** All files under `dir` (recursively) whose name ends with `suffix`, sorted. */
function findFiles(dir, suffix) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findFiles(p, suffix));
    else if (e.isFile() && e.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

/**
 * Counts from node:test's spec summary (`ℹ pass N`, `ℹ fail N`, `ℹ cancelled N`; cancelled counts as failed), the
 * last one printed. Read from the run's own stdout rather than a second reporter's file: with --test-force-exit the
 * runner exits before a file destination is flushed, and a TAP file then ends without its summary.
 */
function parseSpecSummary(out) {
  const text = out.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (key) => {
    const all = [...text.matchAll(new RegExp(`^ℹ ${key} (\\d+)\\s*$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const pass = count('pass');
  const fail = count('fail');
  if (pass === undefined || fail === undefined) return undefined;
  return { passed: pass, failed: fail + (count('cancelled') ?? 0) };
}

/** Runs node:test on `files` with spec output on stdout (echoed as it comes, and counted), and records the layer. */
// Per test and per layer: a test that hangs fails on its own (and a file left with an open handle exits) instead of
// running the whole run into CI's 90-minute limit. Local runs take ~10 min for unit and ~5 min for e2e.
const BUDGET = {
  unit: { testMs: 300_000, layerMs: 40 * 60_000 },
  e2e: { testMs: 600_000, layerMs: 25 * 60_000 },
};

async function nodeTestLayer(layer, files) {
  const budget = BUDGET[layer];
  const r = await run(
    process.execPath,
    [
      '--import', 'tsx',
      '--test',
      `--test-timeout=${budget.testMs}`,
      // A file whose tests are done exits even if something it started (a server, a timer) is still open.
      '--test-force-exit',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      ...files,
    ],
    { timeoutMs: budget.layerMs, captureStdout: true, echoStdout: true },
  );
  const counts = parseSpecSummary(r.stdout);
  const overrun = r.timedOut ? `; stopped after its ${budget.layerMs / 60_000} min budget` : '';
  if (!counts) {
    record(layer, { failed: 1, status: 'NOT RUN', note: `node --test exit ${r.code}, no summary${overrun}`, ms: r.ms });
    return;
  }
  const { passed } = counts;
  let { failed } = counts;
  let note = `${files.length} file(s)${overrun}`;
  if (r.code !== 0 && failed === 0) {
    failed = 1;
    note += `; node --test exited ${r.code}`;
  }
  record(layer, { passed, failed, status: failed ? 'FAIL' : 'ok', note, ms: r.ms });
}

async function integrationLayer(tmp) {
  for (const mode of ['trusted', 'untrusted']) {
    const layer = `integration (${mode})`;
    header(`8. Integration tests in code-server: ${mode} workspace`);
    const started = Date.now();
    const ws = await run(process.execPath, ['--import', 'tsx', path.join('test', 'integration', 'workspace.ts')], { captureStdout: true });
    let fixture;
    try {
      fixture = JSON.parse(ws.stdout.trim().split('\n').pop() ?? '');
    } catch {
      /* reported below */
    }
    if (ws.code !== 0 || !fixture?.dir) {
      record(layer, { failed: 1, status: 'NOT RUN', note: 'could not build the fixture workspace', ms: Date.now() - started });
      continue;
    }
    process.stdout.write(`fixture workspace: ${fixture.dir}\n`);
    const results = path.join(tmp, `integration-${mode}.json`);
    try {
      const r = await run(process.execPath, [
        '--import', 'tsx',
        path.join('test', 'integration', 'runCodeServer.ts'),
        '--workspace', fixture.dir,
        '--fixture', fixture.fixtureFile,
        '--results', results,
        ...(mode === 'untrusted' ? ['--untrusted'] : []),
      ]);
      let suite;
      try {
        suite = JSON.parse(readFileSync(results, 'utf8'));
      } catch {
        /* no results */
      }
      if (!suite || typeof suite.passed !== 'number' || typeof suite.failed !== 'number') {
        record(layer, { failed: 1, status: 'NOT RUN', note: `no results file (runner exit ${r.code})`, ms: Date.now() - started });
        continue;
      }
      let failed = suite.failed;
      let note = '';
      if (r.code !== 0 && failed === 0) {
        failed = 1;
        note = `runner exited ${r.code}`;
      }
      record(layer, { passed: suite.passed, failed, status: failed ? 'FAIL' : 'ok', note, ms: Date.now() - started });
    } finally {
      rmSync(fixture.base, { recursive: true, force: true });
    }
  }
}

function printSummary() {
  header('Summary');
  const w = Math.max(...rows.map((r) => r.layer.length), 5);
  const line = (a, b, c, d, e, f) => `${a.padEnd(w)}  ${b.padStart(6)}  ${c.padStart(6)}  ${d.padEnd(7)}  ${e.padStart(8)}  ${f}`;
  process.stdout.write(line('layer', 'passed', 'failed', 'status', 'time', 'note') + '\n');
  process.stdout.write('-'.repeat(w + 46) + '\n');
  for (const r of rows) {
    const text = line(r.layer, String(r.passed), String(r.failed), r.status, seconds(r.ms), r.note);
    process.stdout.write((r.status === 'ok' ? text : red(text)) + '\n');
  }
  const passed = rows.reduce((n, r) => n + r.passed, 0);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const ok = failed === 0 && rows.every((r) => r.status === 'ok');
  process.stdout.write('\n' + (ok ? green('ALL GREEN') : red('FAILED')) + '\n');
  // The last line, alone, exactly `N passed, N failed`.
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return ok;
}

async function main() {
  const { only } = parseArgs(process.argv.slice(2));
  const want = (layer) => !only || only === layer;
  installSignalForwarding();
  process.chdir(root);

  header('1. Dependencies (npm ci when needed)');
  let t = Date.now();
  if (!(await npmCiIfNeeded())) {
    record('npm ci', { failed: 1, status: 'FAIL', ms: Date.now() - t });
    return printSummary();
  }

  header('2. Environment (scripts/ensure-env.sh)');
  t = Date.now();
  const env = await ensureEnv();
  if (!env) {
    record('ensure-env', { failed: 1, status: 'FAIL', note: 'see the output above', ms: Date.now() - t });
    return printSummary();
  }
  record('ensure-env', { status: 'ok', ms: Date.now() - t });

  header('3. Typecheck (tsc -p . --noEmit)');
  let r = await run('npx', ['--no-install', 'tsc', '-p', '.', '--noEmit']);
  record('typecheck', r.code === 0 ? { status: 'ok', ms: r.ms } : { failed: 1, status: 'FAIL', note: `tsc exit ${r.code}`, ms: r.ms });

  header('4. Build (node esbuild.mjs)');
  r = await run(process.execPath, ['esbuild.mjs']);
  const built = r.code === 0;
  record('build', built ? { status: 'ok', ms: r.ms } : { failed: 1, status: 'FAIL', note: `esbuild exit ${r.code}`, ms: r.ms });

  // Before the tests: a floating promise, an import cycle or a dead export fails the run like a failing test.
  header('5. Lint (eslint .) and unused exports (knip)');
  r = await run('npx', ['--no-install', 'eslint', '.']);
  record('lint', r.code === 0 ? { status: 'ok', ms: r.ms } : { failed: 1, status: 'FAIL', note: `eslint exit ${r.code}`, ms: r.ms });
  r = await run('npx', ['--no-install', 'knip', '--no-progress']);
  record('unused exports', r.code === 0 ? { status: 'ok', ms: r.ms } : { failed: 1, status: 'FAIL', note: `knip exit ${r.code}`, ms: r.ms });

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'odoobo-test-'));
  try {
    if (want('unit')) {
      header('6. Unit tests (node:test)');
      const files = findFiles(path.join(root, 'test', 'unit'), '.test.ts').map((f) => path.relative(root, f));
      if (files.length === 0) record('unit', { failed: 1, status: 'NOT RUN', note: 'no test/unit/**/*.test.ts' });
      else await nodeTestLayer('unit', files);
    }

    if (want('skills')) {
      header('7. Skill tests (pytest in skills/<name>)');
      const python = env.PYTHON ?? process.env.ODOOBO_PYTHON ?? '/usr/bin/python3';
      const log = (text) => process.stdout.write(text);
      record('skills (pytest)', await runSkillTests({ root, python, tmp, run, log }));
    }

    if (want('integration')) {
      if (!built || !existsSync(path.join(root, 'out', 'test', 'integration', 'index.js'))) {
        header('8. Integration tests');
        process.stdout.write(red('cannot run: the build failed or produced no out/test/integration/index.js\n'));
        record('integration', { failed: 1, status: 'NOT RUN', note: 'build failed' });
      } else {
        await integrationLayer(tmp);
      }
    }

    if (want('e2e')) {
      header('9. Package (npm run package) and the e2e screenshot test');
      r = await run('npm', ['run', '--silent', 'package']);
      if (r.code !== 0 || !existsSync(path.join(root, 'dist', 'odoobo-skills.vsix'))) {
        record('package', { failed: 1, status: 'FAIL', note: `npm run package exit ${r.code}`, ms: r.ms });
        record('e2e', { failed: 1, status: 'NOT RUN', note: 'no VSIX' });
      } else {
        record('package', { status: 'ok', ms: r.ms });
        const files = findFiles(path.join(root, 'test', 'e2e'), '.e2e.ts').map((f) => path.relative(root, f));
        if (files.length === 0) record('e2e', { failed: 1, status: 'NOT RUN', note: 'no test/e2e/**/*.e2e.ts' });
        else await nodeTestLayer('e2e', files);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const leftovers = stopLeftoverPlatforms();
  if (leftovers.length) {
    process.stdout.write(red(`local App Platform processes the tests left running (now stopped):\n  ${leftovers.join('\n  ')}\n`));
    record('leftover processes', { failed: 1, status: 'FAIL', note: `${leftovers.length} process(es) of a test's local platform` });
  }
  return printSummary();
}

/**
 * The local platform outlives whoever started it, so each test stops the one it started. Whatever still runs with a
 * data folder in a temporary folder, the test repositories' folder or a folder that is gone is a test's leftover:
 * stopped here (process group first), and reported.
 */
function stopLeftoverPlatforms() {
  const marker = 'ODOOBO_PLATFORM_DATA_DIR=';
  const roots = [os.tmpdir(), path.join(os.homedir(), '.cache', 'odoobo-test-repos')];
  const found = [];
  for (const e of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let env = '';
    try {
      env = readFileSync(`/proc/${e}/environ`, 'latin1');
    } catch {
      continue;
    }
    const dir = env.split('\0').find((v) => v.startsWith(marker))?.slice(marker.length);
    if (!dir || !(roots.some((r) => dir.startsWith(r + path.sep)) || !existsSync(dir))) continue;
    found.push(`${e} (${dir})`);
    for (const target of [-Number(e), Number(e)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        /* gone, or not a group leader */
      }
    }
  }
  return found;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => {
    process.stderr.write(red(`scripts/test.mjs crashed: ${err?.stack ?? err}\n`));
    process.stdout.write('0 passed, 1 failed\n');
    process.exit(1);
  },
);
