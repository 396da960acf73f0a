// Menus offer an action only where it can work: read package.json's `when` clauses against the flags the tree sets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS } from '../../../src/vscode/commands/commandIds';

const ROOT = path.join(__dirname, '..', '..', '..');

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}
interface Contributes {
  commands: { command: string; title: string }[];
  menus: Record<string, MenuEntry[]>;
  walkthroughs: { steps: { id: string; completionEvents: string[] }[] }[];
}
const json = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: Contributes }).contributes;

/**
 * Evaluates a tree-item `when` clause for one `viewItem` value: the subset package.json uses (`view == x`, `viewItem == v`,
 * `viewItem =~ /re/`, `&&`). Anything else throws, so a clause this cannot read fails the test instead of passing it.
 */
function shown(when: string, viewItem: string): boolean {
  return when.split('&&').every((raw) => {
    const term = raw.trim();
    if (term === 'view == odoobo.skills') return true;
    const eq = /^viewItem == ([\w+-]+)$/.exec(term);
    if (eq) return viewItem === eq[1];
    const m = /^viewItem =~ \/(.*)\/$/.exec(term);
    if (!m) throw new Error(`cannot evaluate "${term}"`);
    return new RegExp(m[1]).test(viewItem);
  });
}

/** Which commands the context menu (and inline buttons) of an item with this contextValue offers. */
function offered(viewItem: string): Set<string> {
  return new Set(json.menus['view/item/context'].filter((e) => shown(e.when ?? 'true', viewItem)).map((e) => e.command));
}

// contextValues as src/vscode/tree/items.ts flags() builds them.
const NEVER_DEPLOYED = 'skill+valid+worktree+dirty+ahead';
const DEPLOYED_FAILED = 'skill+valid+worktree+deployed+failed';
const LIVE = 'skill+valid+worktree+active+deployed';

describe('menus offer an action only where it can work', () => {
  it('a skill never deployed offers no Roll Back, Merge or Test, but Deploy', () => {
    const o = offered(NEVER_DEPLOYED);
    for (const c of ['odoobo.rollback', 'odoobo.merge', 'odoobo.test']) assert.ok(!o.has(c), `${c} is offered on a skill never deployed`);
    assert.ok(o.has('odoobo.deploy'));
  });

  it('Roll Back needs +deployed; Merge and Test need +active', () => {
    const failed = offered(DEPLOYED_FAILED);
    assert.ok(failed.has('odoobo.rollback'));
    assert.ok(!failed.has('odoobo.merge') && !failed.has('odoobo.test'));
    assert.ok(offered('skill+valid+worktree+deployed+failed+servingprevious').has('odoobo.test'), 'the previous version serves: test it');
    const live = offered(LIVE);
    for (const c of ['odoobo.rollback', 'odoobo.merge', 'odoobo.test']) assert.ok(live.has(c), `${c} is missing on a live skill`);
    for (const e of json.menus['view/item/context']) {
      if (e.command === 'odoobo.rollback') assert.match(e.when ?? '', /\\\+deployed|\\\+rollbackable/, e.when);
      if (e.command === 'odoobo.merge') assert.match(e.when ?? '', /\\\+active/, e.when);
    }
  });

  it('a worktree row offers no Merge (it cannot know whether the skill is live)', () => {
    assert.ok(!offered('worktree+present+dirty+ahead').has('odoobo.merge'));
  });

  it('a superseded deployment row offers "Roll Back to This One"; the live one does not', () => {
    const title = json.commands.find((c) => c.command === 'odoobo.rollbackToDeployment')?.title;
    assert.equal(title, 'Roll Back to This One');
    assert.ok(offered('deployment+rollbackable').has('odoobo.rollbackToDeployment'));
    assert.ok(!offered('deployment+active').has('odoobo.rollbackToDeployment'));
    assert.ok(!offered('deployment+rollbackable').has('odoobo.rollback'), 'the row says "Roll Back to This One", not "Roll Back Skill"');
  });

  it('the evaluator reads what it is given (so the checks above can fail)', () => {
    assert.equal(shown('view == odoobo.skills && viewItem =~ /\\+active/', 'skill+valid'), false);
    assert.equal(shown('view == odoobo.skills && viewItem =~ /\\+active/', 'skill+active'), true);
    assert.equal(shown('viewItem == localrun', 'localrun'), true);
    assert.equal(shown('viewItem == localrun', 'localrun+x'), false);
    assert.throws(() => shown('viewItem != skill', 'skill'), /cannot evaluate/);
  });
});

describe('command palette', () => {
  it('every action is in the palette, except the ones that need a row or a range', () => {
    const hidden = json.menus.commandPalette.filter((e) => e.when === 'false').map((e) => e.command).sort();
    assert.deepEqual(hidden, ['odoobo.replacePlaceholder', 'odoobo.rollbackToDeployment']);
    const palette = new Set<string>(COMMAND_IDS.filter((c) => !hidden.includes(c)));
    const wanted = ['odoobo.test', 'odoobo.rollback', 'odoobo.cancelDeploy', 'odoobo.merge', 'odoobo.validateAppSpec'];
    for (const c of wanted) assert.ok(palette.has(c), c);
    const validate = json.menus.commandPalette.find((e) => e.command === 'odoobo.validateAppSpec');
    assert.equal(validate, undefined, 'Validate App Spec is offered with no YAML file open');
  });
});

describe('walkthrough', () => {
  it('steps tick when the thing is done (a context key the extension sets), not when a command merely ran', () => {
    const [walk] = json.walkthroughs;
    const events = Object.fromEntries(walk.steps.map((s) => [s.id, s.completionEvents]));
    assert.deepEqual(events.deploy, ['onContext:odoobo.walkthrough.deployed']);
    assert.deepEqual(events.test, ['onContext:odoobo.walkthrough.tested']);
    assert.deepEqual(events.worktrees, ['onContext:odoobo.walkthrough.worktrees']);
    assert.deepEqual(events.merge, ['onContext:odoobo.walkthrough.merged']);
    assert.deepEqual(events.token, ['onContext:odoobo.walkthrough.tokenSet']);
  });
});
