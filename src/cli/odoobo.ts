#!/usr/bin/env node
// The `odoobo` command line (the package's `bin`, bundled as dist/cli.js).
import { UsageError, type CliCommand, type CliIO } from './command';
import { COMMANDS } from './commands/index';
// package.json is the one place the version lives; esbuild bundles only this field of it into dist/cli.js.
import { version as VERSION } from '../../package.json';

function overview(commands: readonly CliCommand[], prefix: readonly string[] = []): string {
  const shown = commands.filter((c) => prefix.every((w, i) => c.path[i] === w));
  const width = Math.max(...shown.map((c) => c.path.join(' ').length));
  return [
    `Usage: odoobo ${prefix.length ? prefix.join(' ') + ' ' : ''}<command> [options]`,
    '',
    'Commands:',
    ...shown.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `odoobo <command> --help` for a command\'s options.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); answers the exit code. */
export async function main(
  argv: string[],
  io: CliIO = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env },
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
    io.out(overview(commands));
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(VERSION);
    return 0;
  }
  const command = [...commands].sort((a, b) => b.path.length - a.path.length).find((c) => c.path.every((w, i) => argv[i] === w));
  if (!command) {
    const words = argv.filter((a) => !a.startsWith('-'));
    const group = commands.some((c) => c.path[0] === words[0]) ? [words[0]] : [];
    io.err(group.length ? `odoobo: unknown command "${words.join(' ')}"\n` : `odoobo: unknown command "${argv[0]}"\n`);
    io.err(overview(commands, group));
    return 2;
  }
  try {
    return await command.run(argv.slice(command.path.length), io);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`odoobo ${command.path.join(' ')}: ${e.message}\nRun \`odoobo ${command.path.join(' ')} --help\` for usage.`);
      return 2;
    }
    io.err(`odoobo ${command.path.join(' ')}: ${e.message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
