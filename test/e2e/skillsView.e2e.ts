/**
 * End-to-end screenshot test: the packaged extension (dist/odoobo-skills.vsix, `npm run package`) installed into a
 * fresh code-server, the demo skills repository open, the Odoobo Skills view shown in headless chromium.
 * (ODOOBO_VSIX overrides the package.) Asserts the five skills are listed and that pr-review expands to its worktree (branch skill/pr-review), then
 * saves test-results/skills-view.png and copies it to media/skills-view.png.
 *
 *   node --import tsx --test test/e2e/skillsView.e2e.ts
 */
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createDemoRepo, DEMO_SKILLS, type DemoRepo } from '../../scripts/lib/demoRepo';
import { launchChromium, startCodeServer, type Chromium, type CodeServer } from '../harness/codeServer';
import { ensureEnv, repoRoot } from '../harness/env';
import { openSkillsView, recordFailure, rowNamed, waitForLabels, widenSideBar } from '../harness/workbench';

test('Skills view lists the demo skills and a worktree (screenshot)', { timeout: 300_000 }, async (t) => {
  const root = repoRoot();
  const vsix = path.resolve(process.env.ODOOBO_VSIX ?? path.join(root, 'dist', 'odoobo-skills.vsix'));
  assert.ok(existsSync(vsix), `${vsix} does not exist: run \`npm run package\` first`);
  const env = await ensureEnv();

  let demo: DemoRepo | undefined;
  let server: CodeServer | undefined;
  let browser: Chromium | undefined;
  try {
    demo = await createDemoRepo();
    let t0 = Date.now();
    server = await startCodeServer({ env, trusted: true, installExtensions: [vsix] });
    t.diagnostic(`code-server with the VSIX installed up in ${Date.now() - t0} ms`);
    browser = await launchChromium(env, { viewport: { width: 1280, height: 800 } });
    const { page } = browser;

    t0 = Date.now();
    await page.goto(server.folderUrl(demo.dir), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await openSkillsView(page);
    const labels = await waitForLabels(page, (l) => DEMO_SKILLS.every((s) => l.includes(s)), `the skills ${DEMO_SKILLS.join(', ')}`, 90_000);
    t.diagnostic(`Skills view populated ${Date.now() - t0} ms after page load: ${labels.join(', ')}`);
    for (const s of DEMO_SKILLS) assert.ok(labels.includes(s), `skill ${s} is listed`);

    // Expand pr-review (click its twisty) and find its worktree row, labelled with the branch.
    const pr = rowNamed(page, 'pr-review');
    if ((await pr.getAttribute('aria-expanded')) !== 'true') await pr.locator('.monaco-tl-twistie').click();
    const expanded = await waitForLabels(page, (l) => l.includes('skill/pr-review'), 'the worktree row skill/pr-review under pr-review', 30_000);
    assert.equal(await pr.getAttribute('aria-expanded'), 'true', 'pr-review is expanded');
    const wtIndex = expanded.indexOf('skill/pr-review');
    assert.ok(wtIndex > expanded.indexOf('pr-review'), `the worktree row comes after pr-review: ${JSON.stringify(expanded)}`);
    // Its description shows that the branch is one commit ahead of origin (the demo repository's local commit).
    const wtRow = rowNamed(page, 'skill/pr-review');
    const wtText = (await wtRow.innerText()).replace(/\s+/g, ' ');
    t.diagnostic(`worktree row: ${wtText}`);
    assert.match(wtText, /↑1/, 'the worktree row shows the unpushed commit');

    // Widen the side bar (drag its sash) so descriptions are readable in the screenshot.
    await widenSideBar(page, 260);

    // Let the row decorations/icons settle, move the mouse away from hovers, then take the screenshot.
    await page.mouse.move(900, 600);
    await page.waitForTimeout(750);
    const shot = path.join(root, 'test-results', 'skills-view.png');
    await fs.mkdir(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot });
    const size = (await fs.stat(shot)).size;
    assert.ok(size > 10_000, `screenshot ${shot} is suspiciously small (${size} bytes)`);
    t.diagnostic(`screenshot: ${path.relative(root, shot)} (${(size / 1024).toFixed(0)} KiB)`);
    // The README's copy is refreshed on request only, so a test run never changes tracked files.
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      await fs.copyFile(shot, path.join(root, 'media', 'skills-view.png'));
      t.diagnostic('copied to media/skills-view.png');
    }
  } catch (err) {
    // Keep what the page looked like when it failed, for the CI artifacts.
    await recordFailure('skills-view', root, t, browser, server);
    throw err;
  } finally {
    await browser?.close();
    await server?.stop();
    await demo?.cleanup();
  }
});
