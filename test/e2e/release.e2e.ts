/**
 * End-to-end screenshot test of a promotion: the packaged extension in code-server on the demo repository with
 * staging and production declared (infra/environments.yaml, committed and pushed before the workbench opens).
 * pr-review is deployed to staging and smoke-tested from its inline actions, then "Promote to…" from the palette
 * opens the pre-flight diff editor and the approval modal beside it. Saved as test-results/promote-approval.png
 * (media/promote-approval.png with UPDATE_SCREENSHOTS=1); the modal is then cancelled and nothing is promoted.
 *
 *   npm run package && node --import tsx --test test/e2e/release.e2e.ts
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import {
  answerDialog, openSkillsView, rowNamed, runCommand, SKILL_ROWS, until, UNPUSHED_QUESTION, waitForLabels, widenSideBar,
} from '../harness/workbench';

const SKILL = 'pr-review';
const ENVIRONMENTS = [
  'default: staging',
  'environments:',
  '  staging:',
  "    app: '{app}-staging'",
  '  production:',
  "    app: '{app}'",
  '    branch: env/production/{skill}',
  '    approval: true',
  '',
].join('\n');
const APPROVAL = new RegExp(`Promote ${SKILL} from staging to production at [0-9a-f]{7}\\?`);

const git = (cwd: string, ...args: string[]) => promisify(execFile)('git', args, { cwd }).then((r) => r.stdout.trim());

/** Each Skills row's label → its whole text (label and description). */
async function rowTexts(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await page.locator(SKILL_ROWS).all()) {
    const label = (await r.locator('.label-name').innerText().catch(() => '')).trim();
    if (label) out[label] = (await r.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
  }
  return out;
}

/** Clicks the inline action `title` of a Skills row (shown on hover). */
async function inlineAction(page: Page, label: string, title: string): Promise<void> {
  const row = rowNamed(page, label);
  await row.hover();
  await row.locator(`.actions .action-label[aria-label^="${title}"]`).first().click();
}

/** Picks the row of the open quick pick whose text matches, by typing its label and pressing Enter. */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(label);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

const prepare = async (demo: { dir: string }) => {
  await fs.writeFile(path.join(demo.dir, 'infra', 'environments.yaml'), ENVIRONMENTS);
  await git(demo.dir, 'add', '--', 'infra/environments.yaml');
  await git(demo.dir, 'commit', '-q', '-m', 'environments: staging and production', '--', 'infra/environments.yaml');
  await git(demo.dir, 'push', '-q', 'origin', 'main');
};

test('Promote to…: the approval modal beside the pre-flight diff (screenshot)', { timeout: 480_000 }, (t) => {
  const options = { viewport: { width: 1440, height: 900 }, settings: { 'workbench.colorTheme': 'Default Dark Modern' }, prepare };
  return withPackagedWorkbench(t, 'promote-approval', options, async ({ root, page, demo }) => {
    await openSkillsView(page);
    await waitForLabels(page, (l) => l.includes(SKILL), `${SKILL} in the Skills view`, 90_000);
    // Wide enough for descriptions, and the diff editor still side by side (VS Code inlines it under 900 px).
    await widenSideBar(page, 90);

    let t0 = Date.now();
    await inlineAction(page, SKILL, 'Deploy Skill');
    // The demo's pr-review worktree has a commit origin lacks: deploy origin's.
    await answerDialog(page, UNPUSHED_QUESTION, 'Deploy Pushed');
    const active = new RegExp(`^${SKILL} ?active\\b`);
    await until(`${SKILL} active`, () => rowTexts(page), (rows) => active.test(rows[SKILL] ?? ''), 240_000, 500);
    t.diagnostic(`${SKILL} deployed to staging in ${Date.now() - t0} ms`);

    t0 = Date.now();
    await inlineAction(page, SKILL, 'Test Skill');
    await page.locator('.notifications-toasts', { hasText: `Smoke tests passed: ${SKILL}` }).first().waitFor({ timeout: 60_000 });
    t.diagnostic(`smoke tests passed in staging in ${Date.now() - t0} ms`);
    await runCommand(page, 'Notifications: Clear All Notifications');
    await runCommand(page, 'View: Close All Editors');

    // Expanded: the staging app, and production not deployed yet.
    const pr = rowNamed(page, SKILL);
    if ((await pr.getAttribute('aria-expanded')) !== 'true') await pr.locator('.monaco-tl-twistie').click();
    const rows = await until('the production row', () => rowTexts(page), (r) => /not deployed/.test(r.production ?? ''), 30_000, 500);
    t.diagnostic(`production: ${rows.production}`);

    await runCommand(page, 'Odoobo: Promote to…');
    await pick(page, SKILL);
    const dialog = page.locator('.monaco-dialog-box', { hasText: APPROVAL }).first();
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    // The diff editor opened before the modal: the live side (no app yet) against production's spec.
    await page.locator('.tab', { hasText: `${SKILL} (production)` }).first().waitFor({ timeout: 10_000 });
    await page.locator('.editor-instance .monaco-diff-editor').first().waitFor({ timeout: 10_000 });
    const text = (await dialog.innerText()).replace(/\s+/g, ' ');
    t.diagnostic(`approval: ${text}`);
    assert.match(text, /✓ source-smoke-passed/);
    assert.match(text, /monthly cost \S+ → \$\d/);
    await page.mouse.move(1400, 880);
    await page.waitForTimeout(1000);
    await saveScreenshot(page, root, 'promote-approval.png', t);

    await answerDialog(page, APPROVAL, 'Cancel');
    const refusal = page.locator('.notifications-toasts', { hasText: `${SKILL} was not promoted to production` });
    await refusal.first().waitFor({ timeout: 30_000 });
    assert.equal(await git(demo.dir, 'ls-remote', 'origin', `refs/heads/env/production/${SKILL}`), '', 'nothing was promoted');
  });
});
