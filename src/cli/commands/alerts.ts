import * as readline from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { listAlertViews, parseDestinations, setAlertDestinations, type AlertView } from '../../core/operate/alerts';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { formatTable } from '../ui/table';
import { styleFor } from '../ui/style';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, openTarget, printJson, requireRepository, TARGET_HELP,
  TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { canAsk, confirmProtected, ENV_HELP, ENV_OPTION, operateFailure, skillApp } from './operateCommon';

const HELP = `Usage: odoobo alerts <skill> [--set-destinations [--rule <RULE>]...] [options]

Lists the alerts of a skill's app (the app spec's \`alerts\`, app-level and per component) and where each one goes:
emails and Slack webhooks (shown as host and last characters: a webhook URL lets whoever has it post).

--set-destinations replaces the destinations of every alert (or of the --rule ones) with the ones read from stdin, or
typed at a prompt on a terminal (not shown; an empty line ends): one a line, an email address or a Slack webhook URL
optionally followed by its channel, e.g.
  ops@example.com
  https://hooks.slack.com/services/<workspace>/<channel>/<token> #ops
Webhook URLs are never taken from the command line (every local user can read it).

Options:
  --set-destinations             set the destinations (from stdin or the prompt)
  --rule <RULE>                  only the alerts of this rule, e.g. DEPLOYMENT_FAILED (repeatable)
${ENV_HELP}
  -y, --yes                      do not ask on a protected environment (needed without a terminal)
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"alerts","ok","exitCode","skill","environment","app","alerts":[{"id","rule","component","disabled",
"phase","emails","slack":[{"webhook","channel"}]}],"updated":true|false}

${exitCodesHelp('the destinations could not be set')}
`;

function render(io: CliIO, alerts: readonly AlertView[]): void {
  if (!alerts.length) {
    io.out('no alerts: add them to the app spec, e.g. alerts: [{rule: DEPLOYMENT_FAILED}], and deploy');
    return;
  }
  const rows = alerts.map((a) => [
    a.rule + (a.disabled ? ' (disabled)' : ''),
    a.component ?? '(app)',
    a.emails.join(', ') || '-',
    a.slack.map((s) => `${s.webhook}${s.channel ? ` ${s.channel}` : ''}`).join(', ') || '-',
  ]);
  for (const l of formatTable(['RULE', 'COMPONENT', 'EMAILS', 'SLACK'].map((header) => ({ header })), rows, styleFor(io).bold)) io.out(l);
}

/** Every line of stdin; on a terminal, lines typed at a hidden prompt (webhook URLs are credentials) until an empty one. */
async function readDestinations(io: CliIO): Promise<string> {
  const ask = canAsk(io);
  // On a terminal readline echoes what is typed to its output: a sink keeps the URLs off the screen.
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = readline.createInterface({ input: process.stdin, ...(ask ? { output: muted, terminal: true } : { terminal: false }) });
  if (ask) io.err('destinations, one a line (email, or Slack webhook URL [#channel]), not shown as typed; an empty line ends:');
  const lines: string[] = [];
  if (ask) process.stderr.write(`${lines.length + 1}> `);
  for await (const line of rl) {
    if (ask && !line.trim()) break;
    lines.push(line);
    if (ask) process.stderr.write(`(read)\n${lines.length + 1}> `);
  }
  if (ask) process.stderr.write('\n');
  rl.close();
  return lines.join('\n');
}

export const alerts: CliCommand = {
  path: ['alerts'],
  summary: "a skill's alerts and their destinations (emails, Slack webhooks); set them from stdin",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...ENV_OPTION,
        'set-destinations': { type: 'boolean' }, rule: { type: 'string', multiple: true }, yes: { type: 'boolean', short: 'y' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo alerts pr-review`');
    if (values.rule?.length && !values['set-destinations']) throw new UsageError('--rule goes with --set-destinations');
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      const extra: Record<string, unknown> = { skill: positionals[0] };
      try {
        target = await openTarget(values, io, dir);
        const op = await skillApp(io, root, target, positionals, values.env, signal);
        Object.assign(extra, { environment: op.environment.name, app: op.appName });
        const set = values['set-destinations'] === true;
        if (set) {
          const destinations = parseDestinations(await readDestinations(io));
          const which = values.rule?.length ? `the ${values.rule.join(', ')} alert(s)` : 'every alert';
          const what = `Set ${destinations.emails.length} email(s) and ${destinations.slack_webhooks.length} Slack webhook(s) on `
            + `${which} of ${op.appName}`;
          (values.json ? io.err : io.out)(`${what} (${op.environment.name})`);
          if (!(await confirmProtected(io, op.environment, what, values.yes))) {
            io.err('odoobo alerts: not confirmed; nothing changed');
            return EXIT.FAILED;
          }
          await setAlertDestinations(target.client, op.app.id, destinations, { rules: values.rule, signal });
        }
        const list = await listAlertViews(target.client, op.app.id, { signal });
        if (values.json) printJson(io, { command: 'alerts', ok: true, exitCode: EXIT.OK, ...extra, alerts: list, updated: set });
        else {
          io.out(`${op.appName} (${op.environment.name}) on ${target.target}:`);
          render(io, list);
        }
        return EXIT.OK;
      } catch (e) {
        return operateFailure(io, 'alerts', e, values.json, extra);
      } finally {
        await target?.close();
      }
    });
  },
};
