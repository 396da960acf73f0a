/**
 * The pull-request comment of the preview apps: one comment per pull request, found again by its hidden marker and
 * rewritten on every push (a markdown table of skill, URL, smoke results and commit). Pure: no I/O.
 */

/** Hidden in the comment so that the workflow updates its own comment instead of adding one per push. */
export const PREVIEW_MARKER = '<!-- odoobo-preview -->';

export interface PreviewCommentRow {
  skill: string;
  /** The preview app's name, e.g. `pr-review-pr-12`. */
  app: string;
  status: 'live' | 'failed' | 'deleted';
  url?: string;
  /** Smoke checks passed out of run; undefined when the suite did not run. */
  smoke?: { passed: number; total: number };
  commit?: string;
  /** Why it failed (code: message), for a failed row. */
  problem?: string;
}

export type PreviewCommentInput =
  | { kind: 'previews'; pr: number; rows: readonly PreviewCommentRow[]; repository?: string }
  | { kind: 'fork'; pr: number }
  | { kind: 'closed'; pr: number; rows: readonly PreviewCommentRow[] };

/** A table cell: pipes and newlines would break the row, backticks and angle brackets the markdown around it. */
function cell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').trim();
}

function commitCell(commit: string | undefined, repository: string | undefined): string {
  if (!commit) return '–';
  const short = commit.slice(0, 7);
  if (!/^[0-9a-f]{7,40}$/i.test(commit) || !repository) return `\`${cell(short)}\``;
  return `[\`${short}\`](https://github.com/${repository}/commit/${commit})`;
}

function smokeCell(row: PreviewCommentRow): string {
  if (!row.smoke) return row.status === 'failed' ? '–' : 'not run';
  const ok = row.smoke.passed === row.smoke.total;
  return `${ok ? '✅' : '❌'} ${row.smoke.passed}/${row.smoke.total} passed`;
}

function urlCell(row: PreviewCommentRow): string {
  if (row.status === 'failed') return `❌ ${cell(row.problem ?? 'deploy failed')}`;
  return row.url && /^https?:\/\//.test(row.url) ? `<${row.url}>` : '–';
}

/** The comment's markdown for the previews of a pull request, a fork's pull request, or a closed one. */
export function previewCommentBody(input: PreviewCommentInput): string {
  const lines = [PREVIEW_MARKER, `### Preview apps for #${input.pr}`, ''];
  if (input.kind === 'fork') {
    lines.push(
      'Previews are not built for pull requests from forks: their workflow runs get no secrets (no DigitalOcean token).',
      'A maintainer can push the branch to this repository to get previews.',
    );
    return lines.join('\n') + '\n';
  }
  if (input.kind === 'closed') {
    const apps = input.rows.filter((r) => r.status === 'deleted').map((r) => `\`${cell(r.app)}\``);
    lines.push(`The pull request is closed: ${apps.length ? `deleted ${apps.join(', ')}.` : 'there were no previews to delete.'}`);
    const failed = input.rows.filter((r) => r.status === 'failed');
    for (const r of failed) lines.push(`- ❌ \`${cell(r.app)}\` could not be deleted: ${cell(r.problem ?? 'unknown error')}`);
    return lines.join('\n') + '\n';
  }
  if (input.rows.length === 0) {
    lines.push('No skill changed in this pull request: no previews.');
    return lines.join('\n') + '\n';
  }
  lines.push('| Skill | URL | Smoke tests | Commit |', '|---|---|---|---|');
  for (const r of [...input.rows].sort((a, b) => a.skill.localeCompare(b.skill))) {
    lines.push(`| ${cell(r.skill)} | ${urlCell(r)} | ${smokeCell(r)} | ${commitCell(r.commit, input.repository)} |`);
  }
  lines.push('', 'Updated on every push; the previews are deleted when the pull request closes.');
  return lines.join('\n') + '\n';
}
