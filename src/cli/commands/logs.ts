import { parseArgs } from 'node:util';
import { LOG_TYPES, type LogType } from '../../core/do/schemas';
import { appLogSource, followLogs } from '../../core/do/logFollow';
import { appNameFor } from '../../core/environments';
import { gitToplevel } from '../../core/git/git';
import { skillNameProblem } from '../../core/skills/names';
import { UsageError, type CliCommand } from '../command';
import {
  DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, loadRepoSkills, openTarget, reportFailure, TARGET_HELP, TARGET_OPTIONS,
  withCancellation, workDir,
} from './common';
import { appNameInEnv, ENV_HELP, ENV_OPTION, resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo logs <skill> [options]

Prints a skill's logs from the App Platform: the active deployment's (or --deployment's) historic logs of one type, or
with --follow the last 200 lines, then the live stream until Ctrl-C, reconnecting when it drops (a build or deploy log
ends with its deployment). Lines read "<component> <time> <text>".

Options:
  --type <build|deploy|run|run_restarted>  which logs (default run)
  --follow                       the last 200 lines, then new ones until Ctrl-C (reconnects when the stream drops)
  --deployment <id>              a specific deployment instead of the active one
  --component <name>             one component instead of all of them
${ENV_HELP}
${TARGET_HELP}
${DIR_HELP}
${HELP_HELP}

${exitCodesHelp('the skill has no app on the target, or the logs could not be read')}
`;

export const logs: CliCommand = {
  path: ['logs'],
  summary: "print or follow a skill's build, deploy or run logs",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...TARGET_OPTIONS,
        ...ENV_OPTION,
        directory: { type: 'string', short: 'C' },
        help: { type: 'boolean', short: 'h' },
        type: { type: 'string' },
        follow: { type: 'boolean', short: 'f' },
        deployment: { type: 'string' },
        component: { type: 'string' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo logs pr-review --type build`');
    const [name] = positionals;
    const problem = skillNameProblem(name);
    if (problem) throw new UsageError(`invalid skill name "${name}": ${problem}`);
    const type = (values.type ?? 'run').toUpperCase() as LogType;
    if (!LOG_TYPES.includes(type))
      throw new UsageError(`--type must be one of ${LOG_TYPES.map((t) => t.toLowerCase()).join(', ')}, got "${values.type}"`);
    const dir = await workDir(values.directory);
    const root = (await gitToplevel(dir)) ?? dir;
    const skill = (await loadRepoSkills(root, { ...io, err: () => undefined })).find((s) => s.name === name);
    const environment = await resolveEnvOption(root, values.env);
    const appName = skill ? await appNameInEnv(skill, environment) : appNameFor(environment.env, name);

    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      try {
        target = await openTarget(values, io, dir);
        const app = await target.client.findAppByName(appName, { signal });
        if (!app) {
          io.err(`odoobo logs: NOT_DEPLOYED: no app named "${appName}" on ${target.target} (${target.apiUrl})`);
          io.err('  → Deploy the skill first: odoobo deploy <skill> (with the same --target and --env).');
          return EXIT.FAILED;
        }
        if (values.follow) {
          // The recent lines, then the live stream, reconnecting (1 s … 30 s) when it drops, as the editor's channels do;
          // a build or deploy log ends with its deployment.
          await followLogs({
            source: appLogSource(target.client, app.id, { type, deploymentId: values.deployment, component: values.component }),
            signal,
            finite: type !== 'RUN',
            onLine: (text) => io.out(text),
            onNotice: (text) => io.err(text),
          });
          return EXIT.OK;
        }
        const res = await target.client.getLogs(app.id, { type, deploymentId: values.deployment, component: values.component, signal });
        const texts = await target.client.fetchHistoricLogs(res.historic_urls, { signal });
        const text = texts.join('');
        if (!text.trim()) io.err(`odoobo logs: no ${type} logs for ${appName}`);
        for (const l of text.replace(/\n$/, '').split('\n')) if (text) io.out(l);
        return EXIT.OK;
      } catch (e) {
        return reportFailure(io, 'logs', e, false, { target: target?.target });
      } finally {
        await target?.close();
      }
    });
  },
};
