/**
 * End-to-end screenshot test: the packaged extension in a fresh code-server with the demo repository, in headless
 * chromium. "Odoobo: Deploy All Skills" from the command palette deploys the five real skills on the embedded local
 * App Platform: the Skills view shows them deploying (screenshot test-results/tree-deploying.png), then all active
 * with their status-bar count. Then an app spec with problems is opened: squiggles in the editor and the linter's
 * findings, with codes, in the Problems panel (screenshot test-results/diagnostics.png). With UPDATE_SCREENSHOTS=1
 * both are copied to media/ for the README.
 *
 *   node --import tsx --test test/e2e/deployAndDiagnostics.e2e.ts
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_SKILLS } from '../../scripts/lib/demoRepo';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import {
  SKILL_ROWS, UNPUSHED_QUESTION, answerDialog, openSkillsView, rowNamed, runCommand, until, waitForLabels, widenSideBar,
} from '../harness/workbench';

/** An app spec a person might write first: every kind of finding the editor shows. */
const SPEC_WITH_PROBLEMS = `# A first try at an app spec for a new skill
name: invoice-ocr
region: fra
services:
  - name: invoice-ocr
    github:
      repo: odoobo/odoobo-skills
      branch: skill/invoice-ocr
    source_dir: skills/invoice-ocr
    run_command: uvicorn main:app --host 0.0.0.0 --port 8080
    http_port: 8000
    instance_size_slug: apps-s-1vcpu-0.5gbb
    envs:
      - key: OPENAI_API_KEY
        value: sk-proj-${'A1b2C3d4'.repeat(5)}
      - key: ODOO_URL
        value: https://YOUR_ODOO_HOST
`;

/** Each Skills row's label → its whole text (label and description). */
async function rowTexts(page: Page): Promise<Record<string, string>> {
  const rows = await page.locator(SKILL_ROWS).all();
  const out: Record<string, string> = {};
  for (const r of rows) {
    const label = (await r.locator('.label-name').innerText().catch(() => '')).trim();
    if (label) out[label] = (await r.innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
  }
  return out;
}

/**
 * The app spec with problems, and a build step of a few seconds in each demo skill's spec (as installing packages
 * would take): cloning alone takes well under a second, so App Platform's BUILDING phase could end between two polls
 * and never show in the tree the test looks at.
 */
async function prepareDemo(dir: string): Promise<void> {
  await fs.writeFile(path.join(dir, 'infra', 'invoice-ocr.yaml'), SPEC_WITH_PROBLEMS);
  for (const skill of DEMO_SKILLS) {
    const file = path.join(dir, 'infra', `${skill}.yaml`);
    const spec = await fs.readFile(file, 'utf8');
    const slow = spec.replace(/^(\s+)environment_slug: python$/m, '$1environment_slug: python\n$1build_command: sleep 4');
    assert.notEqual(slow, spec, `${file}: no environment_slug line to put the build command after`);
    await fs.writeFile(file, slow);
  }
}

/** Moves the pointer away from hovers, lets the workbench settle, and saves the screenshot. */
async function screenshot(page: Page, root: string, name: string, t: { diagnostic(m: string): void }): Promise<void> {
  await page.mouse.move(1200, 780);
  await page.waitForTimeout(500);
  await saveScreenshot(page, root, name, t);
}

test('Deploy all from the palette: the tree mid-deploy and live; app-spec diagnostics (screenshots)', { timeout: 600_000 }, (t) =>
  withPackagedWorkbench(
    t,
    'deploy-diagnostics',
    { viewport: { width: 1280, height: 800 }, prepare: (demo) => prepareDemo(demo.dir) },
    async ({ root, page }) => {
      await openSkillsView(page);
      await waitForLabels(page, (l) => DEMO_SKILLS.every((s) => l.includes(s)), 'the five demo skills', 90_000);
      await widenSideBar(page, 300);

      // Deploy all five in parallel; the rows turn to "deploying (…)" with a spinner as the procedure reports steps.
      const t0 = Date.now();
      await runCommand(page, 'Odoobo: Deploy All Skills');
      // The demo's pr-review worktree has a commit origin lacks: the extension says so first (a modal); deploy origin's.
      t.diagnostic(`asked first: ${await answerDialog(page, UNPUSHED_QUESTION, 'Deploy Pushed')}`);
      // A row's text is its label followed by its description.
      const described = (rows: Record<string, string>, s: string) => (rows[s] ?? '').slice(s.length).trim();
      const during = await until(
        'three skills deploying at once, App Platform building them',
        () => rowTexts(page),
        (rows) => DEMO_SKILLS.filter((s) => /^deploying \(/.test(described(rows, s))).length >= 3 && DEMO_SKILLS.some((s) => /^deploying \(BUILDING/.test(described(rows, s))),
        120_000,
        100,
      );
      t.diagnostic(`mid-deploy after ${Date.now() - t0} ms: ${JSON.stringify(during)}`);
      const ours = page.locator('.statusbar-item[id$="odoobo.deployStatus"]');
      const statusDuring = (await ours.innerText()).replace(/\s+/g, ' ').trim();
      t.diagnostic(`status bar while deploying: ${JSON.stringify(statusDuring)}`);
      assert.ok(await ours.locator('.codicon-sync').count(), 'the status bar item spins while skills deploy');
      await screenshot(page, root, 'tree-deploying.png', t);

      const done = await until('every skill active', () => rowTexts(page), (rows) => DEMO_SKILLS.every((s) => /^active\b/.test(described(rows, s))), 300_000, 500);
      t.diagnostic(`all active after ${Date.now() - t0} ms: ${JSON.stringify(done)}`);
      const status = await until('the status bar to count five active skills', async () => (await ours.innerText()).replace(/\s+/g, ' ').trim(), (v) => v === '5', 30_000);
      assert.equal(await ours.locator('.codicon-check').count(), 1, `status bar: ${status}`);
      assert.equal(await ours.locator('.codicon-sync').count(), 0, 'nothing deploying any more');

      // Expand pr-review: its app (live URL, region, size and price) and its recent deployments.
      const pr = rowNamed(page, 'pr-review');
      if ((await pr.getAttribute('aria-expanded')) !== 'true') await pr.locator('.monaco-tl-twistie').click();
      const expanded = await until('pr-review\'s app row', () => rowTexts(page), (rows) => Object.keys(rows).some((l) => /^http:\/\/127\.0\.0\.1:\d+/.test(l)), 30_000);
      const appRow = Object.entries(expanded).find(([l]) => /^http:\/\/127\.0\.0\.1:\d+/.test(l))![1];
      assert.match(appRow, /fra · apps-s-1vcpu-0\.5gb · \$\d+(\.\d+)?\/mo/);

      // The app spec with problems: squiggles, and the findings with their codes in the Problems panel.
      await page.keyboard.press('Control+P');
      const quick = page.locator('.quick-input-widget input');
      await quick.waitFor({ state: 'visible', timeout: 10_000 });
      await quick.fill('invoice-ocr.yaml');
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'invoice-ocr.yaml' }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 30_000 });
      await runCommand(page, 'View: Focus Problems');
      const problems = await until(
        'the linter findings in the Problems panel',
        async () => (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).join('\n'),
        (text) => ['PLAINTEXT_SECRET', 'PLACEHOLDER_VALUES', 'PORT_MISMATCH'].every((c) => text.includes(c)),
        30_000,
      );
      t.diagnostic(`problems:\n${problems}`);
      // The deploy's "Deployed …" toast would cover the Problems panel.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await screenshot(page, root, 'diagnostics.png', t);
    },
  ));
