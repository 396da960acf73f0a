/**
 * End-to-end screenshot test: the packaged extension (dist/odoobo-skills.vsix, `npm run package`) installed into a
 * fresh code-server, the demo skills repository open, the Odoobo Skills view shown in headless chromium.
 * (ODOOBO_VSIX overrides the package.) Asserts the five skills are listed and that pr-review expands to its worktree (branch skill/pr-review), then
 * saves test-results/skills-view.png and copies it to media/skills-view.png.
 *
 *   node --import tsx --test test/e2e/skillsView.e2e.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_SKILLS } from '../../scripts/lib/demoRepo';
import { saveScreenshot, withPackagedWorkbench } from '../harness/e2e';
import { openSkillsView, rowNamed, waitForLabels, widenSideBar } from '../harness/workbench';

test('Skills view lists the demo skills and a worktree (screenshot)', { timeout: 300_000 }, (t) =>
  withPackagedWorkbench(t, 'skills-view', { viewport: { width: 1280, height: 800 } }, async ({ root, page }) => {
    const t0 = Date.now();
    await openSkillsView(page);
    const labels = await waitForLabels(page, (l) => DEMO_SKILLS.every((s) => l.includes(s)), `the skills ${DEMO_SKILLS.join(', ')}`, 90_000);
    t.diagnostic(`Skills view populated ${Date.now() - t0} ms after the workbench showed: ${labels.join(', ')}`);
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
    await saveScreenshot(page, root, 'skills-view.png', t);
  }));
