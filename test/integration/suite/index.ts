// Entry point the VS Code test host loads (`extensionTestsPath`): runs the mocha suite and writes a results file.
import { promises as fs } from 'node:fs';
import Mocha from 'mocha';
import { trustedTests } from './trusted.test';
import { untrustedTests } from './untrusted.test';
import { benchTests } from './bench.test';

export interface SuiteResults {
  passed: number;
  failed: number;
  failures: { title: string; error: string }[];
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The tests are bundled into this file, so give them mocha's globals ourselves.
  mocha.suite.emit('pre-require', globalThis, 'odoobo-integration', mocha);
  // ODOOBO_TEST_GREP=<regexp> runs only the matching tests (while developing one surface).
  if (process.env.ODOOBO_TEST_GREP) mocha.grep(new RegExp(process.env.ODOOBO_TEST_GREP));
  const mode = process.env.ODOOBO_TEST_MODE ?? 'trusted';
  if (mode === 'untrusted') untrustedTests();
  else if (mode === 'bench') benchTests();
  else trustedTests();

  const results: SuiteResults = { passed: 0, failed: 0, failures: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const file = process.env.ODOOBO_TEST_RESULTS;
      const written = file ? fs.writeFile(file, JSON.stringify(results, null, 2)) : Promise.resolve();
      written.then(
        () => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()),
        (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
      );
    });
    runner.on('pass', () => results.passed++);
    runner.on('fail', (test, err: Error) => {
      results.failed++;
      results.failures.push({ title: test.fullTitle(), error: String(err?.stack ?? err) });
    });
  });
}
