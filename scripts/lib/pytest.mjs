// The skills' own tests (skills/<name>/tests, pytest) for scripts/test.mjs. Plain Node ESM with builtins only.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';

/** skills/<name> folders that have a tests/ folder, sorted by name. */
export function skillTestDirs(root) {
  const skills = path.join(root, 'skills');
  if (!existsSync(skills)) return [];
  return readdirSync(skills, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(skills, e.name, 'tests')))
    .map((e) => ({ name: e.name, dir: path.join(skills, e.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Counts from a pytest JUnit XML report: the tests, failures, errors and skipped attributes of its <testsuite>
 * elements, summed (pytest writes one suite inside <testsuites>). Undefined when the file is missing or has none.
 */
export function parseJunit(file) {
  if (!existsSync(file)) return undefined;
  const xml = readFileSync(file, 'utf8');
  const suites = [...xml.matchAll(/<testsuite\b([^>]*)>/g)].map((m) => m[1]);
  if (suites.length === 0) return undefined;
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const attributes of suites) {
    for (const key of Object.keys(total)) {
      const m = new RegExp(`\\b${key}="(\\d+)"`).exec(attributes);
      if (m) total[key] += Number(m[1]);
    }
  }
  return total;
}

/**
 * Runs `<python> -m pytest` in each skill folder (no cache folder, no bytecode written into the repository) and
 * answers the layer's row: passed, failed, status and a note. `run` is scripts/lib/steps.mjs's run().
 */
export async function runSkillTests({ root, python, tmp, run, log }) {
  const skills = skillTestDirs(root);
  if (skills.length === 0) return { failed: 1, status: 'NOT RUN', note: 'no skills/*/tests', ms: 0 };
  const started = Date.now();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const problems = [];
  for (const skill of skills) {
    log(`\n--- ${skill.name} (${path.relative(root, skill.dir)}) ---\n`);
    const report = path.join(tmp, `pytest-${skill.name}.xml`);
    rmSync(report, { force: true });
    const r = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${report}`], {
      cwd: skill.dir,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    const counts = parseJunit(report);
    if (!counts) {
      failed += 1;
      problems.push(`${skill.name}: no report (pytest exit ${r.code})`);
      continue;
    }
    const bad = counts.failures + counts.errors;
    passed += counts.tests - bad - counts.skipped;
    skipped += counts.skipped;
    failed += bad;
    if (bad) problems.push(`${skill.name}: ${bad} failed`);
    else if (r.code !== 0) {
      failed += 1; // e.g. no tests collected (exit 5) or an internal error
      problems.push(`${skill.name}: pytest exited ${r.code}`);
    }
  }
  const note = [`${skills.length} skill(s)`, ...(skipped ? [`${skipped} skipped`] : []), ...problems].join('; ');
  return { passed, failed, status: failed ? 'FAIL' : 'ok', note, ms: Date.now() - started };
}
