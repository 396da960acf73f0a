/** Where a command writes; tests pass their own. */
export interface CliIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Output goes to an interactive terminal (live tables, colours). Unset: only the real process stdout counts. */
  readonly isTTY?: boolean;
}

/** One CLI command, addressed by words (`odoobo platform start`); commands/index.ts lists them all. */
export interface CliCommand {
  readonly path: readonly string[];
  readonly summary: string;
  /** Full help text, printed for `--help`. */
  readonly help: string;
  /** Answers the process exit code; long-running commands resolve when they stop. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Thrown for wrong usage: printed with a hint, exit code 2. */
export class UsageError extends Error {}
