/**
 * End-to-end screenshot test of operating a deployed skill: the packaged extension in code-server on the demo
 * repository, pr-review deployed, its app row showing health (CPU %, memory %, ready replicas), then Open Console
 * from the palette: a terminal on the running instance's shell (the integration suite checks what it prints). Saved
 * as test-results/operate-console.png
 * (media/operate-console.png with UPDATE_SCREENSHOTS=1).
 *
 *   npm run package && node --import tsx --test test/e2e/operate.e2e.ts
 */
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import {
  answerDialog, openSkillsView, rowNamed, runCommand, SKILL_ROWS, until, UNPUSHED_QUESTION, waitForLabels, widenSideBar,
} from '../harness/workbench';

/** Picks the row of the open quick pick whose text matches, by typing its label and pressing Enter. */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(label);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** Each Skills row's label → its whole text (label and description). */
async function rowTexts(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await page.locator(SKILL_ROWS).all()) {
    const label = (await r.locator('.label-name').innerText().catch(() => '')).trim();
    if (label) out[label] = (await r.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
  }
  return out;
}

const APP_ROW = /^http:\/\/127\.0\.0\.1:\d+/;

test('the app row shows health, and Open Console runs a shell in the instance (screenshot)', { timeout: 400_000 }, (t) =>
  withPackagedWorkbench(t, 'operate-console', { viewport: { width: 1400, height: 860 } }, async ({ root, page }) => {
    await openSkillsView(page);
    await waitForLabels(page, (l) => l.includes('pr-review'), 'pr-review in the Skills view', 90_000);
    await widenSideBar(page, 260);

    await runCommand(page, 'Odoobo: Deploy Skill');
    // The demo's pr-review worktree has a commit origin lacks: deploy origin's.
    await answerDialog(page, UNPUSHED_QUESTION, 'Deploy Pushed');
    await until('pr-review active', () => rowTexts(page), (rows) => /^pr-review ?active\b/.test(rows['pr-review'] ?? ''), 240_000, 500);

    const pr = rowNamed(page, 'pr-review');
    if ((await pr.getAttribute('aria-expanded')) !== 'true') await pr.locator('.monaco-tl-twistie').click();
    const rows = await until('health on pr-review\'s app row', () => rowTexts(page),
      (r) => Object.entries(r).some(([l, text]) => APP_ROW.test(l) && /cpu \d+% · mem \d+% · 1\/1 ready/.test(text)), 60_000, 500);
    t.diagnostic(`app row: ${Object.entries(rows).find(([l]) => APP_ROW.test(l))![1]}`);

    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Odoobo: Open Console');
    await pick(page, 'pr-review');
    // The terminal draws on a canvas: its tab names the console; the integration suite reads the shell's output.
    await page.getByText(/Console: pr-review(-staging)?\/pr-review/).first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(2000);
    await page.keyboard.type('echo "hello from $(basename "$PWD"): $(python3 --version)"; ls\n');
    await page.waitForTimeout(2000);

    await runCommand(page, 'Notifications: Clear All Notifications');
    await page.mouse.move(1300, 300);
    await page.waitForTimeout(750);
    await saveScreenshot(page, root, 'operate-console.png', t);
  }));
