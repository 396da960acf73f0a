/**
 * `--log-dir <dir>` for deploy, test, rollback and merge, as the guide's scripts kept one log per run: the command's
 * output (stdout and stderr, colours stripped, tokens redacted) also goes to `<dir>/<command>-<timestamp>.log`.
 * Added by wrapping the command, so each command file needs one edit and its help gains the option.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { redact } from '../../core/do/redact';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { stripAnsi } from './style';

const OPTION = '--log-dir';
const HELP_LINE = '  --log-dir <dir>                also write this run\'s output to <dir>/<command>-<timestamp>.log';

/** `--log-dir <dir>` / `--log-dir=<dir>` taken out of `args` (the last one counts); the rest are the command's. */
function takeLogDir(args: readonly string[]): { dir?: string; rest: string[] } {
  const rest: string[] = [];
  let dir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a === OPTION) {
      dir = args[++i];
      if (dir === undefined || dir.startsWith('-')) throw new UsageError(`${OPTION} needs a folder`);
    } else if (a.startsWith(`${OPTION}=`)) dir = a.slice(OPTION.length + 1);
    else rest.push(a);
  }
  if (dir === '') throw new UsageError(`${OPTION} needs a folder`);
  return { dir, rest };
}

/** `20261203T164512Z`: sorts by time, and is a valid file name everywhere. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Creates the run's log file (never overwrites one: a second run in the same second gets `-1`, `-2` …). */
async function openLog(dir: string, name: string): Promise<{ file: string; handle: fs.FileHandle }> {
  await fs.mkdir(dir, { recursive: true }).catch((e: Error) => {
    throw new UsageError(`${OPTION} ${dir}: cannot create the folder: ${e.message}`);
  });
  const base = path.join(dir, `${name}-${stamp(new Date())}`);
  for (let n = 0; ; n++) {
    const file = n ? `${base}-${n}.log` : `${base}.log`;
    try {
      return { file, handle: await fs.open(file, 'wx', 0o600) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UsageError(`${OPTION} ${dir}: cannot write a log there: ${(e as Error).message}`);
    }
  }
}

export function withLogDir(command: CliCommand): CliCommand {
  const name = command.path.join('-');
  const help = command.help.replace(/^Options:\n/m, `Options:\n${HELP_LINE}\n`);
  return {
    ...command,
    help,
    async run(args, io) {
      const { dir, rest } = takeLogDir(args);
      if (rest.includes('--help') || rest.includes('-h')) {
        io.out(help);
        return 0;
      }
      if (!dir) return command.run(rest, io);
      const { file, handle } = await openLog(path.resolve(dir), name);
      // Lines are queued in order and written one after the other; the file is complete when run() resolves.
      let chain = handle.write(`# odoobo ${command.path.join(' ')} — ${new Date().toISOString()}\n`).then(() => undefined);
      const write = (stream: string, line: string) => {
        const text = redact(stripAnsi(line))
          .split('\n')
          .map((l) => `${stream} ${l}\n`)
          .join('');
        chain = chain.then(() => handle.write(text)).then(() => undefined, () => undefined);
      };
      const tee: CliIO = { ...io, out: (l) => (io.out(l), write('out', l)), err: (l) => (io.err(l), write('err', l)) };
      let code = 1;
      try {
        code = await command.run(rest, tee);
        return code;
      } finally {
        chain = chain.then(() => handle.write(`# exit ${code} — ${new Date().toISOString()}\n`)).then(() => undefined);
        await chain.catch(() => undefined);
        await handle.close();
        io.err(`log: ${file}`);
      }
    },
  };
}
