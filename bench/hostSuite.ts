// What `npm run bench` runs inside the extension host: only the bench's tests, in a bundle of their own. The whole
// integration suite (megabytes, with inline source maps) would be parsed in the host while the extension activates and
// distort the very activation the bench measures.
import type MochaType from 'mocha';
import * as vscode from 'vscode';
import type { OdooboApi } from '../src/extension';

// test/integration/suite/helpers.ts's, not imported: its imports would load with this module.
const EXTENSION_ID = 'odoobo.odoobo-skills';

export async function run(): Promise<void> {
  // The host starts the tests right after activating the extension; evaluating the tests (mocha, the API client's
  // schemas) blocked its event loop for 150–290 ms while the first model's git answers waited. A user's window never
  // loads them, so they load once the extension's models are complete (the times are read from its API afterwards).
  const ext = vscode.extensions.getExtension<OdooboApi>(EXTENSION_ID);
  await (ext?.isActive ? ext.exports : await ext?.activate())?.ready;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof MochaType;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { benchTests } = require('../test/integration/suite/bench.test') as typeof import('../test/integration/suite/bench.test');
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // The tests are bundled into this file, so give them mocha's globals ourselves.
  mocha.suite.emit('pre-require', globalThis, 'odoobo-bench', mocha);
  benchTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} bench test(s) failed`)) : resolve()));
  });
}
