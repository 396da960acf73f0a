/**
 * Driving VS Code's workbench in the browser (code-server + playwright-core): the command palette, the Odoobo Skills
 * view and its rows. Shared by the e2e screenshot tests.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';

export const SKILLS_CONTAINER = '[id="workbench.view.extension.odoobo"]';
export const SKILL_ROWS = `${SKILLS_CONTAINER} .monaco-list-row`;

/** Runs a command from the command palette (F1), by its title as the palette shows it. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // The workbench may take the focus once more while it settles (an editor opening closes the palette): try again.
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 10_000 });
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      const dialog = page.locator('.monaco-dialog-box');
      if (await dialog.isVisible()) throw new Error(`a modal dialog blocks the command palette: ${await dialog.innerText()}`);
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/** The question the extension asks before deploying a skill whose worktree has work origin does not have. */
export const UNPUSHED_QUESTION = /App Platform builds the branch on origin/;

/**
 * Waits for VS Code's modal dialog whose text matches `message`, presses its `button` (by its label) and waits for the
 * dialog to close; answers the dialog's text.
 */
export async function answerDialog(page: Page, message: RegExp, button: string, ms = 30_000): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box', { hasText: message }).first();
  await dialog.waitFor({ state: 'visible', timeout: ms });
  const text = (await dialog.innerText()).replace(/\s+/g, ' ').trim();
  await dialog.locator('.monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  return text;
}

/** Polls `read` until `ok` accepts its value; the error names `what` and the last value. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
    v = await read();
  }
  return v;
}

/** The label (not the description) of every row of the Skills tree, in order. */
export async function rowLabels(page: Page): Promise<string[]> {
  return (await page.locator(`${SKILL_ROWS} .label-name`).allInnerTexts()).map((l) => l.trim());
}

export function waitForLabels(page: Page, wanted: (labels: string[]) => boolean, what: string, ms: number): Promise<string[]> {
  return until(what, () => rowLabels(page), wanted, ms);
}

/** Opens the Odoobo activity-bar container: its activity-bar item, else "View: Show Odoobo Skills" from F1. */
export async function openSkillsView(page: Page): Promise<void> {
  if (await page.locator(SKILLS_CONTAINER).isVisible().catch(() => false)) return;
  const item = page.locator('.activitybar .action-item a.action-label[aria-label*="Odoobo Skills"], .activitybar .action-item [aria-label*="Odoobo Skills"]').first();
  try {
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await item.click();
    await page.locator(SKILLS_CONTAINER).waitFor({ state: 'visible', timeout: 10_000 });
    return;
  } catch {
    /* fall back to the command palette */
  }
  await runCommand(page, 'View: Show Odoobo Skills');
  await page.locator(SKILLS_CONTAINER).waitFor({ state: 'visible', timeout: 15_000 });
}

/** The Skills tree's row whose label is exactly `label`. */
export function rowNamed(page: Page, label: string): Locator {
  return page.locator(SKILL_ROWS).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}\\s*$`) }) }).first();
}

/** Widens the side bar by `px` (drags its sash) so that descriptions are readable in screenshots. */
export async function widenSideBar(page: Page, px: number): Promise<void> {
  const side = await page.locator('.part.sidebar').boundingBox();
  if (!side) return;
  const y = side.y + side.height / 2;
  await page.mouse.move(side.x + side.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(side.x + side.width + px, y, { steps: 8 });
  await page.mouse.up();
}

/**
 * What a failed e2e test leaves for the CI artifacts: a screenshot of the page (test-results/<name>-failure.png), the
 * workbench's notifications and the tail of code-server's output, as test diagnostics.
 */
export async function recordFailure(
  name: string,
  root: string,
  t: { diagnostic(message: string): void },
  browser: { page: Page } | undefined,
  server: { output(): string } | undefined,
): Promise<void> {
  if (browser) {
    const shot = path.join(root, 'test-results', `${name}-failure.png`);
    await fs.mkdir(path.dirname(shot), { recursive: true });
    await browser.page.screenshot({ path: shot }).catch(() => undefined);
    t.diagnostic(`failure screenshot: ${path.relative(root, shot)}`);
    const notes = await browser.page.locator('.notification-list-item-message').allInnerTexts().catch(() => [] as string[]);
    if (notes.length) t.diagnostic(`workbench notifications: ${notes.join(' | ')}`);
  }
  if (server) t.diagnostic(`code-server output (tail):\n${server.output().split('\n').slice(-20).join('\n')}`);
}
