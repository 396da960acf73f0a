import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { localRunsDir } from '../../core/localRun/registry';
import { RequestFileError } from '../../core/localRun/requestFile';
import { LocalRunError, startLocalRun } from '../../core/localRun/runner';
import { UsageError, type CliCommand, type CliIO } from '../command';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, HELP_HELP, loadRepoSkills, printJson, reportFailure, requireRepository, selectSkills,
  withCancellation, workDir,
} from './common';

const HELP = `Usage: odoobo run <skill> [options]

Runs a skill locally from this worktree's working files (uncommitted changes included) with the command its
manifest names, reloading on every change, on 127.0.0.1 and a free port, until Ctrl-C, which stops it and everything it
started. The environment is the app spec's run-time envs; a SECRET env KEY comes from $ODOOBO_SECRET_<KEY> (the same
variables \`odoobo platform start\` reads), else it is left unset with a note. Python: $ODOOBO_PYTHON, else
/usr/bin/python3 when it has FastAPI and uvicorn, else python3 on PATH. \`odoobo invoke <skill> --local\` and
\`odoobo test <skill> --local\` find the run, from any worktree; so does the editor.

Options:
  --port <port>                  listen on this port (default: a free one)
  --python <path>                the Python interpreter (default as above)
  --json                         print one JSON document on stdout once it serves (the skill's output goes to stderr)
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"run","ok":true,"skill","url","port","pid","python","notes":[…]} once it serves; on failure
{"command":"run","ok":false,"exitCode","error":{"code","message","mitigation"}}. Codes: MISSING_MODULE, PORT_IN_USE,
APP_LOAD_FAILED, EXITED, NOT_READY, ALREADY_RUNNING.

Exit status:
  1    the skill could not start (the message says what is missing), or it exited by itself
  2    wrong usage
  130  stopped with Ctrl-C (the skill and everything it started are ended)
`;

/** Failures of local runs and request files in every command's shape; the rest as reportFailure prints them. */
export function reportLocalFailure(io: CliIO, command: string, e: unknown, json: boolean | undefined): number {
  if (e instanceof RequestFileError) throw new UsageError(e.message);
  if (!(e instanceof LocalRunError)) return reportFailure(io, command, e, json);
  const message = e.mitigation ? e.message.replace(` ${e.mitigation}`, '') : e.message;
  if (json) printJson(io, { command, ok: false, exitCode: EXIT.FAILED, error: { code: e.code, message, mitigation: e.mitigation } });
  else {
    io.err(`odoobo ${command}: ${e.code}: ${message}`);
    if (e.mitigation) io.err(`  → ${e.mitigation}`);
  }
  return EXIT.FAILED;
}

export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port expects a port from 1 to 65535, got "${value}"`);
  return n;
}

export const run: CliCommand = {
  path: ['run'],
  summary: "run a skill locally from this worktree's files, reloading on change",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, port: { type: 'string' }, python: { type: 'string' } },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo run pr-review`');
    const port = parsePort(values.port);
    const root = await requireRepository(await workDir(values.directory));
    const [skill] = selectSkills(await loadRepoSkills(root, io), positionals, false);
    const runsDir = (await localRunsDir(root))!;
    const log = values.json ? io.err : io.out;
    return withCancellation(io, async (signal) => {
      try {
        const started = await startLocalRun({
          skill, root, runsDir, port, python: values.python, parentEnv: io.env, owner: 'cli', onLine: (line) => log(line),
        });
        const gone = started.exited.then(() => 'exited' as const);
        const canceled = new Promise<'canceled'>((resolve) => signal.addEventListener('abort', () => resolve('canceled'), { once: true }));
        if (values.json) {
          printJson(io, {
            command: 'run', ok: true, skill: skill.name, url: started.url, port: started.port, pid: started.pid, python: started.python,
            notes: started.notes,
          });
        } else {
          io.err(`${skill.name} runs at ${started.url} from ${path.relative(root, skill.dir) || '.'} (reloads on change; Ctrl-C stops it)`);
          for (const note of started.notes) io.err(`note: ${note}`);
        }
        const why = await Promise.race([gone, canceled]);
        await started.stop();
        if (why === 'exited') {
          io.err(`odoobo run: ${skill.name} exited by itself`);
          return EXIT.FAILED;
        }
        io.err(`odoobo run: ${skill.name} stopped`);
        return EXIT.OK;
      } catch (e) {
        return reportLocalFailure(io, 'run', e, values.json);
      }
    });
  },
};
