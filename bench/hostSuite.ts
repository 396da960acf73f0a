// What `npm run bench` runs inside the extension host: only the bench's tests, in a bundle of their own. The whole
// integration suite (megabytes, with inline source maps) would be parsed in the host while the extension activates and
// distort the very activation the bench measures.
import Mocha from 'mocha';
import { benchTests } from '../test/integration/suite/bench.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The tests are bundled into this file, so give them mocha's globals ourselves.
  mocha.suite.emit('pre-require', globalThis, 'odoobo-bench', mocha);
  benchTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} bench test(s) failed`)) : resolve()));
  });
}
