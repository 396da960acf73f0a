import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PREVIEW_MARKER, previewCommentBody, type PreviewCommentRow } from '../../../../src/core/release/previewComment';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const live = (skill: string, extra: Partial<PreviewCommentRow> = {}): PreviewCommentRow => ({
  skill,
  app: `${skill}-pr-4`,
  status: 'live',
  url: `https://${skill}-pr-4.example.test`,
  smoke: { passed: 4, total: 4 },
  commit: SHA,
  ...extra,
});

describe('previewCommentBody', () => {
  it('starts with the hidden marker and has one table row per skill, sorted, with URL, smoke results and a commit link', () => {
    const body = previewCommentBody({ kind: 'previews', pr: 4, rows: [live('visual-diff'), live('pr-review')], repository: 'acme/skills' });
    const lines = body.split('\n');
    assert.equal(lines[0], PREVIEW_MARKER);
    assert.ok(lines.includes('| Skill | URL | Smoke tests | Commit |'));
    const rows = lines.filter((l) => /^\| [a-z]/.test(l) && !l.startsWith('| Skill'));
    assert.deepEqual(rows, [
      `| pr-review | <https://pr-review-pr-4.example.test> | ✅ 4/4 passed | [\`0123456\`](https://github.com/acme/skills/commit/${SHA}) |`,
      `| visual-diff | <https://visual-diff-pr-4.example.test> | ✅ 4/4 passed | [\`0123456\`](https://github.com/acme/skills/commit/${SHA}) |`,
    ]);
  });

  it('a failed smoke suite and a failed deploy show as such, and the problem cannot break the table', () => {
    const body = previewCommentBody({
      kind: 'previews',
      pr: 4,
      rows: [
        live('alpha', { smoke: { passed: 2, total: 4 } }),
        { skill: 'beta', app: 'beta-pr-4', status: 'failed', problem: 'BUILD_FAILED: pip | exit 1\nsee <logs>' },
      ],
    });
    assert.match(body, /\| alpha \| <https:\/\/alpha-pr-4\.example\.test> \| ❌ 2\/4 passed \| `0123456` \|/);
    const beta = body.split('\n').find((l) => l.startsWith('| beta |'))!;
    assert.equal(beta, '| beta | ❌ BUILD_FAILED: pip \\| exit 1 see &lt;logs&gt; | – | – |');
    assert.equal(beta.split(/(?<!\\)\|/).length, 6, 'five cells: nothing in the problem split the row');
  });

  it('a URL that is not http(s) is not linked', () => {
    const body = previewCommentBody({ kind: 'previews', pr: 1, rows: [live('alpha', { url: 'javascript:alert(1)' })] });
    assert.ok(!body.includes('javascript:'));
  });

  it('no changed skill: says so, still marked', () => {
    const body = previewCommentBody({ kind: 'previews', pr: 9, rows: [] });
    assert.ok(body.startsWith(PREVIEW_MARKER));
    assert.match(body, /No skill changed/);
  });

  it('a fork: previews are not built, and why (no secrets)', () => {
    const body = previewCommentBody({ kind: 'fork', pr: 5 });
    assert.ok(body.startsWith(PREVIEW_MARKER));
    assert.match(body, /not built for pull requests from forks/);
    assert.match(body, /no secrets/);
    assert.ok(!body.includes('| Skill |'));
  });

  it('closed: names the deleted previews and the ones that could not be deleted', () => {
    const body = previewCommentBody({
      kind: 'closed',
      pr: 4,
      rows: [
        { skill: 'alpha', app: 'alpha-pr-4', status: 'deleted' },
        { skill: 'beta', app: 'beta-pr-4', status: 'failed', problem: 'FORBIDDEN: no' },
      ],
    });
    assert.match(body, /closed: deleted `alpha-pr-4`\./);
    assert.match(body, /❌ `beta-pr-4` could not be deleted: FORBIDDEN: no/);
    assert.match(previewCommentBody({ kind: 'closed', pr: 4, rows: [] }), /no previews to delete/);
  });
});
