import { parseArgs } from 'node:util';
import { consoleTarget, ExecSession } from '../../core/operate/console';
import { UsageError, type CliCommand } from '../command';
import {
  DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, openTarget, requireRepository, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { confirmProtected, ENV_HELP, ENV_OPTION, operateFailure, skillApp } from './operateCommon';

const HELP = `Usage: odoobo console <skill> [--component <name>] [--instance <name>] [options]

Opens a shell in a running instance of a skill's component (App Platform's console, as \`doctl apps console\`): on a
terminal in raw mode, resized with it; Ctrl-D (or \`exit\`) ends it, and ending it stops everything it started. Without
a terminal, stdin is sent as typed lines and an \`exit\` after them (e.g. \`echo 'ls' | odoobo console pr-review\`).

Options:
  --component <name>             the component (default: the only one running)
  --instance <name>              the instance, by name or alias (default: the first; see \`odoobo status --live\`)
${ENV_HELP}
  -y, --yes                      do not ask on a protected environment (needed without a terminal)
${TARGET_HELP}
${DIR_HELP}
${HELP_HELP}

${exitCodesHelp('no instance runs, or the session broke')}
`;


export const consoleCommand: CliCommand = {
  path: ['console'],
  summary: 'a shell in a running instance of a skill (raw terminal, resize, Ctrl-D ends it)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...TARGET_OPTIONS, ...ENV_OPTION,
        directory: { type: 'string', short: 'C' }, help: { type: 'boolean', short: 'h' },
        component: { type: 'string' }, instance: { type: 'string' }, yes: { type: 'boolean', short: 'y' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo console pr-review`');
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const stdin = process.stdin;
    const raw = stdin.isTTY === true;
    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      let session: ExecSession | undefined;
      const cleanups: Array<() => void> = [];
      try {
        target = await openTarget(values, io, dir);
        const op = await skillApp(io, root, target, positionals, values.env, signal);
        if (!(await confirmProtected(io, op.environment, `Open a console in ${op.appName}`, values.yes))) {
          io.err('odoobo console: not confirmed');
          return EXIT.FAILED;
        }
        const choice = { component: values.component, instance: values.instance, signal };
        const t = await consoleTarget(target.client, op.app.id, op.appName, choice);
        const size = (): { cols: number; rows: number } => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
        session = await ExecSession.connect(t.url, { ...size(), signal, onData: (text) => process.stdout.write(text) });
        const s = session;
        const where = `${op.appName} (${op.environment.name}) ${t.component} ${t.instance.instance_name}`;
        io.err(`connected to ${where}${raw ? '; Ctrl-D ends the session' : ''}`);
        if (raw) {
          // Raw mode: every key (Ctrl-C, Ctrl-D, arrows) goes to the remote shell, as doctl's console does.
          stdin.setRawMode(true);
          cleanups.push(() => stdin.setRawMode(false));
          const onWinch = (): void => s.resize(size().cols, size().rows);
          process.on('SIGWINCH', onWinch);
          cleanups.push(() => process.off('SIGWINCH', onWinch));
        }
        let lastText = '\n';
        const onData = (chunk: Buffer): void => {
          lastText = chunk.toString('utf8');
          s.write(lastText);
        };
        // A pipe's end ends the session: `exit` after the last line (a Ctrl-D sent before the remote shell switched its
        // terminal to raw input would be read as an empty line, not as the end).
        const onEnd = (): void => s.write(`${lastText.endsWith('\n') ? '' : '\n'}exit\n`);
        stdin.on('data', onData);
        stdin.once('end', onEnd);
        stdin.resume();
        cleanups.push(() => {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.pause();
        });
        const onAbort = (): void => s.close();
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
        const closed = await s.closed;
        if (closed.code === 1000 || closed.code === 1005 || signal.aborted) return EXIT.OK;
        io.err(`odoobo console: the session ended unexpectedly (${closed.code}${closed.reason ? `: ${closed.reason}` : ''})`);
        return EXIT.FAILED;
      } catch (e) {
        return operateFailure(io, 'console', e, false, { skill: positionals[0] });
      } finally {
        for (const c of cleanups.reverse()) c();
        session?.close();
        await target?.close();
      }
    });
  },
};
