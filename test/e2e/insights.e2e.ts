/**
 * End-to-end screenshot test of the Insights view: the packaged extension in code-server with the demo repository,
 * whose deployment history holds a month of constructed deployments (one slow, one rolled back). Opens the view from
 * the command palette, checks its three charts drew without a CSP refusal, opens a chart's table with the keyboard,
 * and saves test-results/insights.png (and media/insights.png with UPDATE_SCREENSHOTS=1).
 *
 *   npm run package && node --import tsx --test test/e2e/insights.e2e.ts
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { HistoryStore } from '../../src/core/history/store';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import { runCommand, until } from '../harness/workbench';

const MIN = 60_000;

/** A month of deployments of two demo skills in two environments. */
async function writeHistory(repoDir: string): Promise<void> {
  const store = new HistoryStore(path.join(repoDir, '.git'));
  const now = Date.now();
  const steps = (build: number, health: number) => [
    { name: 'prepare', status: 'succeeded', durationMs: 1_200 },
    { name: 'validate', status: 'succeeded', durationMs: 1_800 },
    { name: 'apply', status: 'succeeded', durationMs: 4_000 },
    { name: 'create', status: 'succeeded', durationMs: 2_500 },
    { name: 'monitor', status: 'succeeded', durationMs: build },
    { name: 'health', status: 'succeeded', durationMs: health },
    { name: 'traffic', status: 'succeeded', durationMs: 1_500 },
    { name: 'post-deploy', status: 'succeeded', durationMs: 20_000 },
  ];
  const runs: Array<[string, string, number, number]> = [
    ['pr-review', 'staging', 12, 4.2],
    ['pr-review', 'production', 5, 4.5],
    ['odoo-rpc', 'staging', 9, 6.5],
  ];
  let k = 0;
  for (const [skill, environment, n, build] of runs) {
    for (let i = 0; i < n; i++) {
      k++;
      const b = (build + ((i * 7) % 5) * 0.35) * MIN;
      const at = new Date(now - (28 - ((k * 13) % 27)) * 86_400_000 - k * 3_600_000).toISOString();
      const base = { kind: 'deploy', skill, environment, target: 'local', at };
      await store.append({ ...base, durationMs: b + MIN, outcome: 'succeeded', steps: steps(b, 8_000) });
    }
  }
  const day = (d: number) => new Date(now - d * 86_400_000).toISOString();
  const base = { kind: 'deploy', skill: 'odoo-rpc', environment: 'staging', target: 'local' };
  await store.append({ ...base, at: day(5), durationMs: 11.5 * MIN, outcome: 'succeeded', steps: steps(9.6 * MIN, 12_000) });
  const rollback = { trigger: 'automatic' as const, status: 'succeeded' };
  await store.append({
    ...base, at: day(4), durationMs: 7.5 * MIN, outcome: 'rolled-back', code: 'HEALTH_CHECK_FAIL', step: 'health', rollback,
    steps: steps(6 * MIN, 31_000),
  });
}

async function insightsFrame(page: Page, ms: number): Promise<Frame> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (await f.$('main#app canvas').catch(() => null)) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for the Insights webview`);
}

test('Insights view: charts from the history, keyboard table alternative (screenshot)', { timeout: 300_000 }, (t) => {
  const refused: string[] = [];
  const listen = (page: Page) =>
    page.on('console', (m) => void (/Refused to|Content Security Policy/i.test(m.text()) && refused.push(m.text())));
  const options = {
    viewport: { width: 1440, height: 1000 },
    settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    prepare: (demo: { dir: string }) => writeHistory(demo.dir),
    onPage: listen,
  };
  return withPackagedWorkbench(t, 'insights', options, async ({ root, page }) => {
    await page.locator('.activitybar [aria-label*="Odoobo Skills"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    await runCommand(page, 'Odoobo: Show Insights');
    const frame = await insightsFrame(page, 60_000);
    const drawn = await until('three charts', () => frame.locator('canvas').count(), (n) => n === 3, 30_000);
    assert.equal(drawn, 3);
    // Keyboard only: the first chart's "Show table" button opens its table alternative.
    await frame.locator('figure button').first().focus();
    await page.keyboard.press('Enter');
    assert.equal(await frame.locator('#deploy-time-table').isVisible(), true);
    await page.keyboard.press('Enter');
    assert.equal(await frame.locator('#deploy-time-table').isVisible(), false);
    assert.match(await frame.locator('#slow-table').innerText(), /odoo-rpc/);
    await page.waitForTimeout(500);
    assert.deepEqual(refused, []);
    await saveScreenshot(page, root, 'insights.png', t);
  });
});
