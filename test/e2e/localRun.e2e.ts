/**
 * End-to-end screenshot test of the local loop: the packaged extension in code-server on the demo repository, Run
 * Locally on pr-review from the palette (its worktree's files), the tree row with the run's URL, then Invoke… with the
 * example request debug-output: the response editor (status, time, headers, pretty body) is saved as
 * test-results/invoke-response.png (media/invoke-response.png with UPDATE_SCREENSHOTS=1), the run's log channel below
 * it. Stop Local Run ends it.
 *
 *   npm run package && node --import tsx --test test/e2e/localRun.e2e.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import { openSkillsView, rowNamed, runCommand, waitForLabels, widenSideBar } from '../harness/workbench';

/** Picks the row of the open quick pick whose text matches, by typing its label and pressing Enter. */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(label);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

const LOCAL_URL = /^http:\/\/127\.0\.0\.1:\d+$/;

test('Run Locally, then Invoke… shows the answer in an editor (screenshot)', { timeout: 300_000 }, (t) =>
  withPackagedWorkbench(t, 'invoke-response', { viewport: { width: 1400, height: 860 } }, async ({ root, page }) => {
    await openSkillsView(page);
    await waitForLabels(page, (l) => l.includes('pr-review'), 'pr-review in the Skills view', 90_000);

    await runCommand(page, 'Odoobo: Run Locally');
    await pick(page, 'pr-review');
    const pr = rowNamed(page, 'pr-review');
    if ((await pr.getAttribute('aria-expanded')) !== 'true') await pr.locator('.monaco-tl-twistie').click();
    const labels = await waitForLabels(page, (l) => l.some((x) => LOCAL_URL.test(x)), 'the local run row with its URL', 90_000);
    const url = labels.find((x) => LOCAL_URL.test(x))!;
    t.diagnostic(`pr-review runs locally at ${url}`);
    // The walkthrough goes: the response editor gets the room, beside the run's log channel below.
    await runCommand(page, 'View: Close All Editors');

    await runCommand(page, 'Odoobo: Invoke…');
    await pick(page, 'pr-review');
    await pick(page, 'debug-output');
    const editor = page.locator('.editor-instance .view-lines').last();
    await editor.filter({ hasText: 'HTTP 200' }).waitFor({ timeout: 60_000 });
    const text = (await editor.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, new RegExp(`POST ${url.replace(/[.]/g, '\\.')}/invoke`));
    assert.match(text, /"findings"/);

    await runCommand(page, 'Notifications: Clear All Notifications');
    await widenSideBar(page, 120);
    await page.mouse.move(1300, 800);
    await page.waitForTimeout(750);
    await saveScreenshot(page, root, 'invoke-response.png', t);

    await runCommand(page, 'Odoobo: Stop Local Run');
    await pick(page, 'pr-review');
    await waitForLabels(page, (l) => !l.some((x) => LOCAL_URL.test(x)), 'the local run row gone', 30_000);
  }));
