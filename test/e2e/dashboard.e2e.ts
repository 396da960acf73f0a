/**
 * End-to-end screenshot test of the deployment dashboard: the packaged extension (dist/odoobo-skills.vsix) in a fresh
 * code-server with the demo skills repository, in headless chromium. Opens the dashboard from the command palette,
 * checks a row per demo skill, then with the keyboard only selects pr-review, tabs to its Deploy button and presses
 * Enter: the skill deploys on the embedded local App Platform and its row, timeline and history follow. Saves
 * test-results/dashboard.png (and media/dashboard.png with UPDATE_SCREENSHOTS=1).
 *
 *   node --import tsx --test test/e2e/dashboard.e2e.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { DEMO_SKILLS } from '../../scripts/lib/demoRepo';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import { UNPUSHED_QUESTION, answerDialog, runCommand, until } from '../harness/workbench';

const SKILL = 'pr-review';

/** The dashboard's document: the webview's inner frame that holds `main#app`. */
async function dashboardFrame(page: Page, ms: number): Promise<Frame> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (await f.$('main#app').catch(() => null)) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for the dashboard webview`);
}

const rowTexts = (f: Frame): Promise<Record<string, string>> =>
  f.$$eval('tr.skill-row', (rows) => Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.skill ?? '', (r as HTMLElement).innerText.replace(/\s+/g, ' ').trim()])));
const focusedKey = (f: Frame): Promise<string | undefined> => f.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.key);

test('Deployment dashboard: rows, keyboard deploy, timeline and history (screenshot)', { timeout: 420_000 }, (t) => {
  // Anything the dashboard's CSP blocks shows up here (scripts, styles, fonts): there must be nothing.
  const refused: string[] = [];
  let probed = false;
  const listen = (page: Page) =>
    page.on('console', (m) => {
      if (/Refused to|Content Security Policy/i.test(m.text())) refused.push(m.text());
      if (m.text() === 'odoobo-console-probe') probed = true;
    });
  // VS Code's default dark theme: the screenshot shows that the dashboard takes its colours from the theme.
  const options = { viewport: { width: 1440, height: 900 }, settings: { 'workbench.colorTheme': 'Default Dark Modern' }, onPage: listen };
  return withPackagedWorkbench(t, 'dashboard', options, async ({ root, page }) => {
    // The Skills view shows once the extension has activated and read the skills.
    await page.locator('.activitybar [aria-label*="Odoobo Skills"]').first().waitFor({ state: 'visible', timeout: 60_000 });

    let t0 = Date.now();
    await runCommand(page, 'Odoobo: Show Deployment Dashboard');
    const frame = await dashboardFrame(page, 60_000);
    t.diagnostic(`dashboard webview loaded ${Date.now() - t0} ms after the command palette opened`);
    const rows = await until('a row per demo skill', () => rowTexts(frame), (r) => DEMO_SKILLS.every((s) => s in r), 60_000);
    t.diagnostic(`dashboard rendered ${Date.now() - t0} ms after the command: ${Object.keys(rows).join(', ')}`);
    for (const s of DEMO_SKILLS) assert.match(rows[s], /Not deployed/, `${s}: ${rows[s]}`);
    assert.equal(await frame.locator('vscode-badge').first().innerText(), 'Local App Platform');

    // Keyboard only: focus the first row, arrow down to pr-review, Enter selects and expands it, Tab reaches Deploy.
    const order = Object.keys(rows);
    await frame.locator('tr.skill-row').first().focus();
    for (let i = 0; i < order.indexOf(SKILL); i++) await page.keyboard.press('ArrowDown');
    assert.equal(await focusedKey(frame), `row:${SKILL}`);
    await page.keyboard.press('Enter');
    const row = frame.locator(`tr.skill-row[data-skill="${SKILL}"]`);
    assert.equal(await row.getAttribute('aria-selected'), 'true');
    assert.equal(await row.getAttribute('aria-expanded'), 'true');
    await frame.locator('#history-title', { hasText: `History · ${SKILL}` }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Tab');
    assert.equal(await focusedKey(frame), `act:${SKILL}:deploy`);

    t0 = Date.now();
    await page.keyboard.press('Enter');
    // The demo's pr-review worktree has a commit origin lacks: deploy what origin has.
    await answerDialog(page, UNPUSHED_QUESTION, 'Deploy Pushed');
    await until(`${SKILL} deploying`, () => rowTexts(frame).then((r) => r[SKILL]), (text) => /Deploying|Active|Failed/.test(text), 30_000);
    const done = await until(`${SKILL} deployed`, () => rowTexts(frame).then((r) => r[SKILL]), (text) => /Active|Failed|Canceled/.test(text), 300_000);
    t.diagnostic(`${SKILL} deployed from the dashboard in ${Date.now() - t0} ms: ${done}`);
    assert.match(done, /Active/);
    assert.match(done, /Healthy/);
    assert.match(done, /6\/6 passed|\d+\/\d+ passed/);

    // The history of the selected skill follows: its deployment with App Platform's progress steps and durations.
    await until('the deployment in the history', () => frame.locator('tr.dep-row').count(), (n) => n >= 1, 60_000);
    const gantt = await until('progress steps with durations', () => frame.locator('.gantt-row .duration').allInnerTexts(), (d) => d.some((x) => /\d/.test(x)), 30_000);
    t.diagnostic(`history: ${await frame.locator('tr.dep-row').count()} deployment(s), ${gantt.length} progress steps`);
    assert.match(await frame.locator('tr.dep-row').first().innerText(), /ACTIVE/);

    // The listener hears the webview's own frame (else "no reports" would prove nothing).
    await frame.evaluate(() => console.info('odoobo-console-probe'));
    await until('the console probe from the webview', async () => probed, (v) => v, 5_000);
    t.diagnostic(`CSP reports: ${refused.length ? refused.join(' | ') : 'none'}`);
    assert.deepEqual(refused.filter((r) => /dashboard|codicon|vscode-resource|nonce/i.test(r)), [], 'the dashboard loads nothing its CSP refuses');

    // The Skills view beside it, no notifications, the pointer away: the screenshot shows what a person works with.
    await page.locator('.activitybar [aria-label*="Odoobo Skills"]').first().click();
    await page.locator('[id="workbench.view.extension.odoobo"] .monaco-list-row', { hasText: SKILL }).first().waitFor({ timeout: 30_000 });
    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.mouse.move(5, 890);
    await page.waitForTimeout(1000);
    await saveScreenshot(page, root, 'dashboard.png', t);

    // A 1280×800 window with the Skills view open: the table fits its panel, no sideways scrolling, every action shown.
    await page.setViewportSize({ width: 1280, height: 800 });
    const fit = await until(
      'the dashboard laid out again at 1280 px',
      () =>
        frame.evaluate(() => {
          const scroller = document.scrollingElement ?? document.documentElement;
          const table = document.querySelector('table.skills')!.getBoundingClientRect();
          const buttons = Array.from(document.querySelectorAll<HTMLElement>('tr.skill-row .actions vscode-button'), (b) => b.getBoundingClientRect());
          return {
            scrollWidth: scroller.scrollWidth,
            clientWidth: scroller.clientWidth,
            tableRight: Math.ceil(table.right),
            buttons: buttons.length,
            outside: buttons.filter((r) => r.width === 0 || r.height === 0 || r.left < 0 || r.right > scroller.clientWidth).length,
          };
        }),
      (m) => m.clientWidth < 1280 - 200,
      10_000,
    );
    t.diagnostic(`at 1280×800: webview ${fit.clientWidth} px wide, content ${fit.scrollWidth} px, table ends at ${fit.tableRight} px`);
    assert.ok(fit.scrollWidth <= fit.clientWidth, `no horizontal overflow: ${JSON.stringify(fit)}`);
    assert.ok(fit.tableRight <= fit.clientWidth, `the table ends inside the panel: ${JSON.stringify(fit)}`);
    assert.equal(fit.buttons, DEMO_SKILLS.length * 5, 'five actions a skill');
    assert.equal(fit.outside, 0, `every action is inside the panel: ${JSON.stringify(fit)}`);
    // Keyboard: Tab from a row still reaches its actions (past its live URL link).
    await frame.locator(`tr.skill-row[data-skill="${SKILL}"]`).focus();
    const tabbed: (string | undefined)[] = [];
    for (let i = 0; i < 3 && !tabbed.some((k) => k?.startsWith('act:')); i++) {
      await page.keyboard.press('Tab');
      tabbed.push(await focusedKey(frame));
    }
    assert.ok(tabbed.some((k) => k?.startsWith(`act:${SKILL}:`)), `Tab reaches the actions: ${tabbed.join(' → ')}`);
    await page.mouse.move(5, 790);
    await page.waitForTimeout(500);
    await saveScreenshot(page, root, 'dashboard-1280.png', t);
  });
});
