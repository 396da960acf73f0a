/** How durations and ages read in the CLI, the Skills tree and the dashboard (one ladder for all three). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAgo, formatAgoIso, formatDuration, UI_AGO } from '../../../../src/core/util/timeText';

describe('time text', () => {
  it('says how long something took, with a decimal only below 10 s', () => {
    const cases: Array<[number, string]> = [
      [0, '0 ms'],
      [850, '850 ms'],
      [999.4, '999 ms'],
      [999.6, '1.0 s'],
      [1_000, '1.0 s'],
      [4_240, '4.2 s'],
      [9_940, '9.9 s'],
      [9_950, '10 s'],
      [12_340, '12 s'],
      [59_400, '59 s'],
      [59_600, '1 min'],
      [125_000, '2 min 5 s'],
      [3_600_000, '1 h'],
      [3_900_000, '1 h 5 min'],
    ];
    assert.deepEqual(cases.map(([ms]) => formatDuration(ms)), cases.map(([, text]) => text));
    for (const bad of [undefined, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(formatDuration(bad), '', String(bad));
  });

  it('says how long ago in whole units, floored, and reads the future as now', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    const ago = (s: number) => formatAgo(now - s * 1000, now);
    assert.deepEqual([0, 59, 60, 119, 3_599, 3_600, 86_399, 86_400, 2 * 86_400 + 5].map(ago), [
      '0 s ago',
      '59 s ago',
      '1 min ago',
      '1 min ago',
      '59 min ago',
      '1 h ago',
      '23 h ago',
      '1 d ago',
      '2 d ago',
    ]);
    assert.equal(formatAgo(now + 5_000, now), '0 s ago', 'a clock ahead of ours');
    assert.equal(formatAgo(undefined, now), '');
    assert.equal(formatAgo(Number.NaN, now), '');
  });

  it('says "just now" where the text is not redrawn, and reads ISO times', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    assert.equal(formatAgo(now - 44_999, now, UI_AGO), 'just now');
    assert.equal(formatAgo(now - 45_000, now, UI_AGO), '45 s ago');
    assert.equal(formatAgoIso('2025-01-01T11:57:00Z', now), '3 min ago');
    assert.equal(formatAgoIso('2024-12-30T12:00:00Z', now), '2 d ago');
    assert.equal(formatAgoIso(null, now), '');
    assert.equal(formatAgoIso('not a time', now), '');
  });
});
