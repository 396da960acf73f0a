/** Plain text tables: columns padded to their widest cell, escape codes ignored. */
import { padEndVisible, visibleWidth } from './style';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Longer cells are cut with "…" (visible characters; cells with escape codes are never cut). */
  readonly maxWidth?: number;
}

function cut(cell: string, max?: number): string {
  if (!max || cell.includes('\x1b') || [...cell].length <= max) return cell;
  return [...cell].slice(0, Math.max(1, max - 1)).join('') + '…';
}

/** The table's lines: a header, then one line per row. Trailing spaces are trimmed. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  header: (s: string) => string = (s) => s,
): string[] {
  const cells = rows.map((r) => columns.map((c, i) => cut(r[i] ?? '', c.maxWidth)));
  const widths = columns.map((c, i) => Math.max(visibleWidth(c.header), ...cells.map((r) => visibleWidth(r[i]))));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) =>
        columns[i].align === 'right' ? ' '.repeat(Math.max(0, widths[i] - visibleWidth(cell))) + cell : padEndVisible(cell, widths[i]),
      )
      .join('  ')
      .trimEnd();
  return [header(line(columns.map((c) => c.header))), ...cells.map(line)];
}

