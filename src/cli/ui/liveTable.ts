/**
 * One row per skill that redraws in place on a terminal (with a spinner on rows still running); elsewhere (CI logs,
 * pipes) it prints plain lines as rows change and the final table at the end.
 */
import type { CliIO } from '../command';
import { isInteractive, styleFor, visibleWidth, type Style } from './style';
import { formatTable, type Column } from './table';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Row {
  cells: string[];
  running: boolean;
}

export interface LiveTableOptions {
  /** The column whose cell gets the spinner while the row runs (default 1). */
  readonly spinColumn?: number;
  /** Redraw at most this often (default 80 ms). */
  readonly intervalMs?: number;
  /** Print the final table in plain mode too (default true). */
  readonly finalTableWhenPlain?: boolean;
}

export class LiveTable {
  readonly interactive: boolean;
  readonly style: Style;
  private readonly rows = new Map<string, Row>();
  private drawnLines = 0;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private finished = false;

  constructor(
    private readonly io: CliIO,
    private readonly columns: readonly Column[],
    keys: readonly string[],
    private readonly options: LiveTableOptions = {},
  ) {
    this.interactive = isInteractive(io);
    this.style = styleFor(io);
    for (const k of keys) this.rows.set(k, { cells: [k], running: false });
    if (this.interactive) {
      this.timer = setInterval(() => this.tick(), options.intervalMs ?? 80);
      this.timer.unref();
      this.draw();
    }
  }

  /**
   * Sets a row's cells (the first is the key). `plainLine`: what to print instead when not on a terminal (nothing when
   * undefined).
   */
  update(key: string, cells: readonly string[], options: { running?: boolean; plainLine?: string } = {}): void {
    this.rows.set(key, { cells: [...cells], running: options.running ?? false });
    if (this.interactive) this.dirty = true;
    else if (options.plainLine !== undefined) this.io.out(options.plainLine);
  }

  /** A line above the table (stderr): the table is redrawn under it. */
  note(line: string): void {
    if (!this.interactive || this.finished) {
      this.io.err(line);
      return;
    }
    this.erase();
    this.io.err(line);
    this.draw();
  }

  /** The last draw; stops the spinner. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.rows.values()) r.running = false;
    if (this.interactive) this.draw();
    else if (this.options.finalTableWhenPlain !== false) for (const l of this.lines()) this.io.out(l);
  }

  private tick(): void {
    const spinning = [...this.rows.values()].some((r) => r.running);
    if (spinning) this.frame = (this.frame + 1) % FRAMES.length;
    if (spinning || this.dirty) this.draw();
  }

  private lines(): string[] {
    const spin = this.options.spinColumn ?? 1;
    const rows = [...this.rows.values()].map((r) => {
      const cells = this.columns.map((_, i) => r.cells[i] ?? '');
      if (r.running && this.interactive) cells[spin] = `${this.style.cyan(FRAMES[this.frame])} ${cells[spin]}`;
      return cells;
    });
    return formatTable(this.columns, rows, this.style.bold);
  }

  private erase(): void {
    if (this.drawnLines > 0) this.io.out(`\x1b[${this.drawnLines}F\x1b[J\x1b[1A`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.dirty = false;
    const lines = this.lines();
    const width = process.stdout.columns || 0;
    // Lines wider than the terminal wrap: count the rows they take so that the next redraw moves up far enough.
    const rows = lines.reduce((n, l) => n + (width > 0 ? Math.max(1, Math.ceil(visibleWidth(l) / width)) : 1), 0);
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F\x1b[J` : '';
    this.io.out(up + lines.join('\n'));
    this.drawnLines = rows;
  }
}
