/** Terminal rendering: tables that ignore escape codes, the live table on a terminal and in plain output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliIO } from '../../../src/cli/command';
import { LiveTable } from '../../../src/cli/ui/liveTable';
import { isInteractive, stripAnsi, styleFor, visibleWidth } from '../../../src/cli/ui/style';
import { formatTable } from '../../../src/cli/ui/table';

function capture(env: NodeJS.ProcessEnv = {}, isTTY?: boolean): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env }, isTTY }, out, err };
}

describe('cli ui', () => {
  it('formatTable pads by visible width (escape codes and wide symbols count as what they show), right-aligns, cuts long cells', () => {
    const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
    const lines = formatTable(
      [{ header: 'SKILL' }, { header: 'RESULT' }, { header: 'TIME', align: 'right' }, { header: 'DETAIL', maxWidth: 10 }],
      [
        ['pr-review', red('✗ failed'), '1.2 s', 'a very long detail text'],
        ['nl-sql', '✓ passed', '85 ms', ''],
      ],
    );
    assert.deepEqual(lines.map(stripAnsi), [
      'SKILL      RESULT     TIME  DETAIL',
      'pr-review  ✗ failed  1.2 s  a very lo…',
      'nl-sql     ✓ passed  85 ms',
    ]);
    assert.equal(visibleWidth(red('abc')), 3);
  });

  it('colours only on a terminal, never with NO_COLOR', () => {
    assert.equal(styleFor(capture({}, false).io).red('x'), 'x');
    assert.equal(styleFor(capture({}, true).io).red('x'), '\x1b[31mx\x1b[39m');
    assert.equal(styleFor(capture({ NO_COLOR: '1' }, true).io).red('x'), 'x');
    assert.equal(isInteractive(capture({}).io), false, 'captured io without isTTY is plain');
  });

  it('LiveTable in plain output prints the given lines as rows change, and the final table', () => {
    const { io, out } = capture({}, false);
    const t = new LiveTable(io, [{ header: 'SKILL' }, { header: 'PHASE' }], ['a', 'b']);
    assert.equal(t.interactive, false);
    t.update('a', ['a', 'BUILDING'], { running: true, plainLine: 'a: BUILDING' });
    t.update('b', ['b', 'ACTIVE'], { plainLine: 'b: ACTIVE' });
    t.update('a', ['a', 'ACTIVE']);
    t.finish();
    t.finish();
    assert.deepEqual(out, ['a: BUILDING', 'b: ACTIVE', 'SKILL  PHASE', 'a      ACTIVE', 'b      ACTIVE']);
  });

  it('LiveTable on a terminal redraws in place with a spinner on running rows; notes go above it', async () => {
    const { io, out, err } = capture({}, true);
    const t = new LiveTable(io, [{ header: 'SKILL' }, { header: 'PHASE' }], ['a'], { intervalMs: 10 });
    t.update('a', ['a', 'BUILDING'], { running: true, plainLine: 'never printed on a terminal' });
    await new Promise((r) => setTimeout(r, 60));
    t.note('a note');
    t.update('a', ['a', 'ACTIVE']);
    t.finish();
    const all = out.join('\n');
    assert.ok(!all.includes('never printed'));
    assert.match(all, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\x1b\[39m BUILDING/, 'a spinner frame before a running row');
    assert.match(out[out.length - 1], /^\x1b\[2F\x1b\[J\x1b\[1mSKILL  PHASE\x1b\[22m\na {6}ACTIVE$/, 'the last draw replaces the previous two lines');
    assert.deepEqual(err, ['a note']);
  });
});
