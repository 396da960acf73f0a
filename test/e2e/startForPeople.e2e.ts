/**
 * End-to-end test of `npm start`'s workbench: code-server started by startCodeServerForPeople (the function
 * scripts/lib/serve.ts starts it with), the packaged extension and the demo repository, in headless chromium.
 * On the first start the extension's Get Started walkthrough is open; "Odoobo: Deploy All Skills" from the command
 * palette shows its progress as a notification toast with a Cancel button (the test harness's smoke-test driver hides
 * every toast), then the "Deployed …" message as a toast; no port auto-forward notice appears. Saves
 * test-results/start-deploy-toast.png.
 *
 *   node --import tsx --test test/e2e/startForPeople.e2e.ts
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { DEMO_SKILLS } from '../../scripts/lib/demoRepo';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import { UNPUSHED_QUESTION, answerDialog, openSkillsView, runCommand, waitForLabels } from '../harness/workbench';

const WALKTHROUGH_TITLE = 'Get Started with Odoobo Skills';
const TOASTS = '.notifications-toasts .notification-toast';

test("npm start's workbench: the walkthrough on first start, a deploy's progress toast with Cancel (screenshot)", { timeout: 600_000 }, (t) =>
  withPackagedWorkbench(t, 'start-for-people', { viewport: { width: 1280, height: 800 } }, async ({ root, page, server }) => {
    // What makes it the people's workbench: no test-driver option on the command line, no port auto-forwarding.
    const argv = (await fs.readFile(`/proc/${server.pid}/cmdline`, 'utf8')).split('\0');
    assert.ok(!argv.some((a) => a.includes('smoke-test-driver')), `code-server runs without the smoke-test driver: ${argv.join(' ')}`);
    const settings = JSON.parse(await fs.readFile(path.join(server.userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['remote.autoForwardPorts'], false, 'the skills\' local ports are not auto-forwarded');

    // First start: the extension opens its walkthrough in an editor.
    let t0 = Date.now();
    const walkthrough = page.locator('.gettingStartedContainer', { hasText: WALKTHROUGH_TITLE });
    await walkthrough.first().waitFor({ state: 'visible', timeout: 90_000 });
    // VS Code 1.139 titles the tab of an extension's walkthrough "Welcome" (its own ones "Walkthrough: <title>").
    const active = (await page.locator('.tabs-container .tab.active .label-name').allInnerTexts()).map((s) => s.trim());
    t.diagnostic(`walkthrough shown ${Date.now() - t0} ms after the workbench; active editor tab: ${JSON.stringify(active)}`);
    assert.deepEqual(active, ['Welcome'], 'the walkthrough is the active editor');
    assert.match(await walkthrough.first().innerText(), /Choose where to deploy/);

    await openSkillsView(page);
    await waitForLabels(page, (l) => DEMO_SKILLS.every((s) => l.includes(s)), 'the five demo skills', 90_000);

    // The deploy's progress is a toast (not only a line in the notification centre) with its Cancel button.
    t0 = Date.now();
    await runCommand(page, 'Odoobo: Deploy All Skills');
    // pr-review's worktree has a commit origin lacks: a modal says so before anything is deployed (README screenshot).
    const dialog = page.locator('.monaco-dialog-box', { hasText: UNPUSHED_QUESTION }).first();
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await dialog.innerText(), /pr-review/);
    await saveScreenshot(page, root, 'deploy-unpushed-prompt.png', t);
    await answerDialog(page, UNPUSHED_QUESTION, 'Deploy Pushed');
    const progress = page.locator(TOASTS, { hasText: /Deploying \d+ skills/ }).first();
    await progress.waitFor({ state: 'visible', timeout: 30_000 });
    const cancel = progress.locator('.monaco-button', { hasText: /^Cancel$/ });
    await cancel.waitFor({ state: 'visible', timeout: 10_000 });
    t.diagnostic(`progress toast with Cancel ${Date.now() - t0} ms after the command: ${JSON.stringify((await progress.innerText()).replace(/\s+/g, ' '))}`);
    await page.mouse.move(640, 400);
    await saveScreenshot(page, root, 'start-deploy-toast.png', t);

    // The end of the deploy pops up too, and no port was announced on the way.
    const done = page.locator(TOASTS, { hasText: /Deployed [a-z]/ }).first();
    await done.waitFor({ state: 'visible', timeout: 300_000 });
    t.diagnostic(`"Deployed …" toast ${Date.now() - t0} ms after the command: ${(await done.innerText()).replace(/\s+/g, ' ')}`);
    const messages = await page.locator('.notification-list-item-message').allInnerTexts();
    t.diagnostic(`notifications: ${JSON.stringify(messages)}`);
    assert.deepEqual(messages.filter((m) => /\bports?\b|forward/i.test(m)), [], 'no port auto-forward notice');
  }));
