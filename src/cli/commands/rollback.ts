import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import {
  checkSkillRollback, commitSkillRollback, DeployError, listRollbackTargets, mitigationFor, revertSkillRollback, rollbackSkill,
  type RollbackCheck, type RollbackResult, type RollbackTarget, type SkillRollbackOptions,
} from '../../core/deploy';
import type { RollbackCondition } from '../../core/do/schemas';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { withLogDir } from '../ui/runLog';
import { alertsFromEnv } from '../../core/notify/alerts';
import { rollbackAll } from './rollbackAll';
import { isInteractive } from '../ui/style';
import { formatAgoIso, formatDuration } from '../../core/util/timeText';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills, openTarget, printJson,
  reportFailure, requireRepository, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { ENV_HELP, ENV_OPTION, resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo rollback [skill] [options]

Rolls a skill's app back to an earlier deployment (by default the newest SUPERSEDED one): App Platform validates the
rollback first (its warnings are shown), then deploys the old version again and the live URL is checked to serve it.
The app stays pinned to the rollback (new deployments are refused) until --unpin keeps it or --revert undoes it;
--commit unpins at once.

With no skill: every skill whose latest deployment failed after going live (and was not rolled back) or whose
live version fails its health check is listed, then rolled back to its newest SUPERSEDED deployment (--yes is
needed without a terminal). Rollbacks open an incident issue when GITHUB_TOKEN is set.

Options:
  --to <deployment>              the deployment to roll back to: its id, or a unique prefix of 6+ characters
                                 (default: the newest SUPERSEDED one)
  --yes                          do not ask; accept App Platform's rollback warnings (needed without a terminal)
  --commit                       unpin right after the rollback serves (deploys are allowed again)
  --unpin                        instead of rolling back: keep the pinned rollback and unpin the app
  --revert                       instead of rolling back: undo the pinned rollback (deploys what ran before it)
${ENV_HELP}
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"rollback","ok","exitCode","skill","environment","action":"rollback|unpin|revert","check":{"appId","target":{"id",
"phase","commit"},"active","valid","warnings"},"result":{"status","appId","fromDeploymentId","toDeploymentId",
"rollbackDeploymentId","pinned","serving":{"activeDeploymentId","healthy"},"steps","error"}}

${exitCodesHelp('the rollback was refused or did not serve')}
`;

const TARGET_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NETWORK_ERROR', 'TIMEOUT']);

function condition(c: RollbackCondition): string {
  return `${c.code ?? 'unknown'}: ${c.message ?? ''}${c.components?.length ? ` (${c.components.join(', ')})` : ''}`;
}

/** Asks on the terminal; resolves false on anything but y/yes, or when aborted. */
async function confirm(question: string, signal: AbortSignal): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<boolean>((resolve) => {
      signal.addEventListener('abort', () => resolve(false), { once: true });
      rl.question(question, (a) => resolve(/^y(es)?$/i.test(a.trim())));
    });
  } finally {
    rl.close();
  }
}

function printResult(io: CliIO, action: string, r: RollbackResult): void {
  for (const s of r.steps) io.out(`  ${s.name}: ${s.status} (${formatDuration(s.durationMs)})${s.message ? `: ${s.message}` : ''}`);
  if (r.status === 'succeeded') {
    const serving = r.serving?.activeDeploymentId ?? r.rollbackDeploymentId;
    io.out(
      `${action} done${serving ? `: deployment ${serving} serves` : ''}${r.liveUrl ? ` at ${r.liveUrl}` : ''}` +
      `${r.commit ? ` (commit ${r.commit.slice(0, 7)})` : ''}`,
    );
  } else {
    io.out(`${action} ${r.status}${r.error ? `: ${r.error.code}: ${r.error.message}` : ''}`);
    if (r.error) io.out(`  → ${r.error.mitigation}`);
  }
  if (r.pinned)
    io.out(
      'the app is pinned to this rollback: new deployments are refused until `odoobo rollback <skill> --unpin` (keep it) or `--revert` ' +
      '(undo it)',
    );
}

/** Ids are shown by their first SHORT_ID characters (a prefix of 6+ is accepted by --to). */
const SHORT_ID = 8;

interface DeploymentChoice extends RollbackTarget {
  shortId: string;
}

interface UnknownDeployment {
  code: 'DEPLOYMENT_NOT_FOUND';
  message: string;
  mitigation: string;
  candidates: DeploymentChoice[];
}

const PICK_ONE =
  `Pass --to one of these (its id or its first ${SHORT_ID} characters), or leave --to out to roll back to the newest SUPERSEDED one.`;

/** The core's DEPLOYMENT_NOT_FOUND for `--to`, with the candidates it names to be shown one a line; else undefined. */
function unknownDeployment(e: unknown): UnknownDeployment | undefined {
  if (!(e instanceof DeployError) || e.code !== 'DEPLOYMENT_NOT_FOUND') return undefined;
  const details = e.details as { heading?: string; candidates?: RollbackTarget[] } | undefined;
  const candidates = (details?.candidates ?? []).map((c) => ({ ...c, shortId: c.id.slice(0, SHORT_ID) }));
  return { code: 'DEPLOYMENT_NOT_FOUND', message: details?.heading ?? e.message, mitigation: PICK_ONE, candidates };
}

function choiceLine(c: DeploymentChoice): string {
  const age = c.createdAt ? formatAgoIso(c.createdAt) : '';
  return `  ${c.shortId}  ${(c.phase ?? '?').padEnd(11)} ${c.cause ?? ''}${age ? `${c.cause ? ', ' : ''}${age}` : ''}`;
}

function exitFor(r: RollbackResult): number {
  if (r.status === 'succeeded') return EXIT.OK;
  if (r.error?.code === 'ABORTED') return EXIT.CANCELED;
  return r.error && TARGET_CODES.has(r.error.code) ? EXIT.TARGET : EXIT.FAILED;
}

const rollbackCommand: CliCommand = {
  path: ['rollback'],
  summary: 'roll a skill back to an earlier deployment',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        ...TARGET_OPTIONS,
        ...ENV_OPTION,
        to: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        commit: { type: 'boolean' },
        unpin: { type: 'boolean' },
        revert: { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (!positionals.length) {
      const here = await workDir(values.directory);
      return rollbackAll(values, io, here, await requireRepository(here));
    }
    if (positionals.length !== 1) throw new UsageError('name one skill (or none, to roll back every failed one)');
    const actions = [
      values.unpin && '--unpin',
      values.revert && '--revert',
      (values.to || values.commit) && (values.to ? '--to' : '--commit'),
    ].filter(Boolean);
    if (actions.length > 1) throw new UsageError(`${actions.join(' and ')} do not go together`);
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const [skill] = selectSkills(await loadRepoSkills(root, io), positionals, false);
    const environment = await resolveEnvOption(root, values.env);
    const askable = isInteractive(io) && process.stdin.isTTY === true;
    const action = values.unpin ? 'unpin' : values.revert ? 'revert' : 'rollback';

    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      let check: RollbackCheck | undefined;
      const json = (exitCode: number, result?: RollbackResult, extra: Record<string, unknown> = {}) =>
        printJson(io, {
          command: 'rollback',
          ok: exitCode === EXIT.OK,
          exitCode,
          skill: skill.name,
          environment: environment.env.name,
          action,
          ...(check ? { check } : {}),
          ...(result ? { result } : {}),
          ...extra,
        });
      try {
        target = await openTarget(values, io, dir);
        const base: SkillRollbackOptions = {
          repoRoot: root,
          client: target.client,
          target: target.target,
          environment: environment.env.name,
          skill: skill.name,
          signal,
        };

        if (action !== 'rollback') {
          const alerts = await alertsFromEnv(io.env, root);
          const r = action === 'unpin' ? await commitSkillRollback(base) : await revertSkillRollback({ ...base, alerts });
          if (values.json) json(exitFor(r), r);
          else printResult(io, action, r);
          return exitFor(r);
        }

        let to = values.to;
        if (!to) {
          const candidates = await listRollbackTargets(base);
          if (!candidates.length) {
            const error = {
              code: 'NO_PREVIOUS_DEPLOYMENT',
              message: `${skill.name} has no earlier (SUPERSEDED) deployment on ${target.target} to roll back to.`,
              mitigation: mitigationFor('NO_PREVIOUS_DEPLOYMENT'),
            };
            if (values.json) json(EXIT.FAILED, undefined, { error });
            else io.err(`odoobo rollback: ${error.code}: ${error.message}\n  → ${error.mitigation}`);
            return EXIT.FAILED;
          }
          to = candidates[0].id;
        }
        try {
          check = await checkSkillRollback({ ...base, deploymentId: to });
        } catch (e) {
          const error = unknownDeployment(e);
          if (!error) throw e;
          if (values.json) json(EXIT.FAILED, undefined, { error });
          else {
            io.err(`odoobo rollback: ${error.code}: ${error.message}`);
            for (const c of error.candidates) io.err(choiceLine(c));
            io.err(`  → ${error.mitigation}`);
          }
          return EXIT.FAILED;
        }
        to = check.target.id;
        if (!values.json) {
          const a = check.active;
          io.out(
            `${skill.name}: roll back ${a ? `from ${a.id}${a.commit ? ` (${a.commit.slice(0, 7)})` : ''}` : ''} to ${check.target.id}` +
            `${check.target.commit ? ` (${check.target.commit.slice(0, 7)})` : ''}` +
            `${check.target.createdAt ? `, deployed ${formatAgoIso(check.target.createdAt)}` : ''}`,
          );
          if (check.pinnedDeploymentId) io.out(`  the app is pinned to ${check.pinnedDeploymentId} by an earlier rollback`);
          for (const w of check.warnings) io.out(`  warning: ${condition(w)}`);
        }
        if (!check.valid) {
          const error = {
            code: 'ROLLBACK_INVALID',
            message: `App Platform refuses to roll back to ${to}: ${check.error ? condition(check.error) : 'no reason given'}`,
            mitigation: mitigationFor('ROLLBACK_INVALID'),
          };
          if (values.json) json(EXIT.FAILED, undefined, { error });
          else io.err(`odoobo rollback: ${error.code}: ${error.message}\n  → ${error.mitigation}`);
          return EXIT.FAILED;
        }
        if (!values.yes) {
          if (!askable) throw new UsageError('add --yes to roll back without a terminal to confirm on');
          if (!(await confirm(`Roll back ${skill.name} to ${to}${check.warnings.length ? ' despite the warnings' : ''}? [y/N] `, signal))) {
            io.err('odoobo rollback: not confirmed; nothing changed');
            return signal.aborted ? EXIT.CANCELED : EXIT.FAILED;
          }
        }
        const alerts = await alertsFromEnv(io.env, root);
        const r = await rollbackSkill({ ...base, deploymentId: to, acceptWarnings: true, commit: values.commit, alerts });
        if (values.json) json(exitFor(r), r);
        else printResult(io, 'rollback', r);
        return exitFor(r);
      } catch (e) {
        return reportFailure(io, 'rollback', e, values.json, { skill: skill.name, action, ...(target ? { target: target.target } : {}) });
      } finally {
        await target?.close();
      }
    });
  },
};

/** With --log-dir: one log file per run. */
export const rollback = withLogDir(rollbackCommand);
