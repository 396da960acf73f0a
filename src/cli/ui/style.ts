/** Terminal colours (only on a terminal, never with NO_COLOR) and widths that ignore escape codes. */
import type { CliIO } from '../command';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns a string takes on a terminal (escape codes take none). */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

export function padEndVisible(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

/**
 * Whether output goes to an interactive terminal. Without `io.isTTY`, only the real process output counts (the default
 * io of `main`, which passes process.env); captured io in tests passes its own env and stays plain.
 */
export function isInteractive(io: CliIO): boolean {
  if (io.isTTY !== undefined) return io.isTTY;
  return io.env === process.env && process.stdout.isTTY === true && io.env.TERM !== 'dumb';
}

export interface Style {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

export function styleFor(io: CliIO): Style {
  const enabled = isInteractive(io) && !io.env.NO_COLOR;
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}
