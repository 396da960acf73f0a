/**
 * The frame of every e2e test: the packaged extension (dist/odoobo-skills.vsix, or ODOOBO_VSIX) installed into a
 * fresh code-server started as `npm start` starts it (startCodeServerForPeople), the demo repository open in headless
 * chromium, the extension's walkthrough open as on any first start; on failure a screenshot and the server's output
 * for the CI artifacts; everything stopped and removed afterwards. And how the tests save their screenshots.
 */
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { createDemoRepo, type DemoRepo } from '../../scripts/lib/demoRepo';
import { launchChromium, startCodeServerForPeople, type Chromium, type CodeServer } from './codeServer';
import { ensureEnv, repoRoot } from './env';
import { recordFailure } from './workbench';

/** VS Code's setting that the extension honours before it opens its walkthrough on the first start. */
const WALKTHROUGH_ON_INSTALL = 'workbench.welcomePage.walkthroughs.openOnInstall';

interface Diagnostics {
  diagnostic(message: string): void;
}

export interface WorkbenchSession {
  readonly root: string;
  readonly demo: DemoRepo;
  readonly server: CodeServer;
  readonly page: Page;
}

export interface WorkbenchOptions {
  readonly viewport: { width: number; height: number };
  /** User settings for code-server (e.g. the colour theme). */
  readonly settings?: Record<string, unknown>;
  /** Changes to the demo repository before the workbench opens it. */
  readonly prepare?: (demo: DemoRepo) => Promise<void>;
  /** Called with the page before it loads the workbench (listeners that must hear everything). */
  readonly onPage?: (page: Page) => void;
}

/** Runs `body` on a workbench with the packaged extension and the demo repository; `name` names the failure screenshot. */
export async function withPackagedWorkbench(t: Diagnostics, name: string, options: WorkbenchOptions, body: (s: WorkbenchSession) => Promise<void>): Promise<void> {
  const root = repoRoot();
  const vsix = path.resolve(process.env.ODOOBO_VSIX ?? path.join(root, 'dist', 'odoobo-skills.vsix'));
  assert.ok(existsSync(vsix), `${vsix} does not exist: run \`npm run package\` first`);
  const env = await ensureEnv();

  let demo: DemoRepo | undefined;
  let server: CodeServer | undefined;
  let browser: Chromium | undefined;
  try {
    demo = await createDemoRepo();
    await options.prepare?.(demo);
    let t0 = Date.now();
    server = await startCodeServerForPeople({ env, vsix, ...(options.settings ? { settings: options.settings } : {}) });
    t.diagnostic(`code-server with the VSIX installed up in ${Date.now() - t0} ms`);
    browser = await launchChromium(env, { viewport: options.viewport });
    const { page } = browser;
    options.onPage?.(page);
    t0 = Date.now();
    await page.goto(server.folderUrl(demo.dir), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    t.diagnostic(`workbench shown ${Date.now() - t0} ms after page load started`);
    // On the first start the extension opens its walkthrough, taking the focus: wait for it, or a command palette
    // opened meanwhile would close under the test.
    if (options.settings?.[WALKTHROUGH_ON_INSTALL] !== false) {
      await page.locator('.gettingStartedContainer').first().waitFor({ state: 'visible', timeout: 90_000 });
      t.diagnostic(`walkthrough shown ${Date.now() - t0} ms after page load started`);
    }
    await body({ root, demo, server, page });
  } catch (err) {
    // Keep what the page looked like when it failed, for the CI artifacts.
    await recordFailure(name, root, t, browser, server);
    throw err;
  } finally {
    await browser?.close();
    await server?.stop();
    await demo?.cleanup();
  }
}

/**
 * Saves test-results/<name> and asserts it holds a picture; with UPDATE_SCREENSHOTS=1 copies it to media/ for the
 * README (so an ordinary test run never changes tracked files).
 */
export async function saveScreenshot(page: Page, root: string, name: string, t: Diagnostics): Promise<void> {
  const shot = path.join(root, 'test-results', name);
  await fs.mkdir(path.dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  const size = (await fs.stat(shot)).size;
  assert.ok(size > 10_000, `screenshot ${shot} is suspiciously small (${size} bytes)`);
  t.diagnostic(`screenshot: ${path.relative(root, shot)} (${(size / 1024).toFixed(0)} KiB)`);
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await fs.copyFile(shot, path.join(root, 'media', name));
    t.diagnostic(`copied to media/${name}`);
  }
}
