import { parseArgs } from 'node:util';
import { restartComponents, type RestartResult } from '../../core/operate/restart';
import { UsageError, type CliCommand } from '../command';
import { formatDuration } from '../../core/util/timeText';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, openTarget, printJson, requireRepository, TARGET_HELP,
  TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { confirmProtected, ENV_HELP, ENV_OPTION, operateFailure, skillApp } from './operateCommon';

const HELP = `Usage: odoobo restart <skill> [--component <name>]... [options]

Restarts a skill's running components (all, or those named), rolling: one instance at a time, each replaced by a new
one that passed its health check before the old one stops, so the app keeps serving. Waits until every instance was
replaced and the components are ready again; progress goes to stderr with --json.

Options:
  --component <name>             a component to restart (repeatable; default: all of them)
${ENV_HELP}
  -y, --yes                      do not ask on a protected environment (needed without a terminal)
  --timeout <seconds>            how long to wait for the restart (default 300)
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"restart","ok","exitCode","skill","environment","app","result":{"appId","deploymentId","components",
"before","after","durationMs"}}

${exitCodesHelp('the restart did not finish (an instance failed its health check, or it timed out)')}
`;

export const restart: CliCommand = {
  path: ['restart'],
  summary: "restart a skill's components, rolling (one instance at a time, the app keeps serving)",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...ENV_OPTION,
        component: { type: 'string', multiple: true }, yes: { type: 'boolean', short: 'y' }, timeout: { type: 'string' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo restart pr-review`');
    const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
    if (!(Number.isFinite(timeoutS) && timeoutS >= 1)) {
      throw new UsageError(`--timeout expects seconds (at least 1), got "${values.timeout}"`);
    }
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const say = (line: string): void => (values.json ? io.err : io.out)(line);
    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      const extra: Record<string, unknown> = { skill: positionals[0] };
      try {
        target = await openTarget(values, io, dir);
        const op = await skillApp(io, root, target, positionals, values.env, signal);
        Object.assign(extra, { environment: op.environment.name, app: op.appName });
        const what = values.component?.length ? values.component.join(', ') : 'every component';
        say(`restart ${what} of ${op.appName} (${op.environment.name}) on ${target.target}`);
        if (!(await confirmProtected(io, op.environment, `Restart ${what} of ${op.appName}`, values.yes))) {
          io.err('odoobo restart: not confirmed; nothing changed');
          return EXIT.FAILED;
        }
        const result: RestartResult = await restartComponents(target.client, op.app.id, {
          components: values.component, signal, timeoutMs: timeoutS * 1000, onProgress: (l) => say(`  ${l}`),
        });
        if (values.json) printJson(io, { command: 'restart', ok: true, exitCode: EXIT.OK, ...extra, result });
        else {
          const now = result.after.join(', ') || 'no instance';
          say(`restarted ${result.components.join(', ')} in ${formatDuration(result.durationMs)}: ${now}`);
        }
        return EXIT.OK;
      } catch (e) {
        return operateFailure(io, 'restart', e, values.json, extra);
      } finally {
        await target?.close();
      }
    });
  },
};
