import { parseArgs } from 'node:util';
import type { App } from '../../core/do/schemas';
import { gitToplevel } from '../../core/git/git';
import { localRunsDir, readRunRecord } from '../../core/localRun/registry';
import type { Skill } from '../../core/skills/loadSkills';
import { runSmokeSuite, summarizeSmoke, type SmokeResult } from '../../core/smoke';
import { StatusStore } from '../../core/status/statusStore';
import type { SkillTestResult } from '../../core/status/schema';
import { mapLimit } from '../../core/util/concurrency';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { withLogDir } from '../ui/runLog';
import { LiveTable } from '../ui/liveTable';
import { formatDuration } from '../../core/util/timeText';
import {
  COMMON_OPTIONS, describeFailure, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills,
  openTarget, parseConcurrency, printJson, reportFailure, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { appNameInEnv, ENV_HELP, ENV_OPTION, resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo test [skills…] [options]

Runs the smoke tests against each skill's live deployment: its app (by the app spec's name) and live URL on the
target, then GET health (200, within 5 s), metadata (valid, same name and version as manifest.json), an unknown path
(404), GET on the invoke path (405) and the docs (HTML). Failures name the procedure code (HEALTH_CHECK_FAIL,
PERFORMANCE_DEGRADATION, METADATA_INVALID, ENDPOINT_404, METHOD_405, DOCS_MISSING) and what to do. Each result is
recorded as the skill's last test in the status file (<git-common-dir>/odoobo/status.json).

With --local the same checks run against each skill's local run (\`odoobo run <skill>\` or the editor's Run Locally)
instead of its deployment; nothing is recorded in the status file.

Options:
  --all                          test every skill (skills/<name>/manifest.json)
  --local                        test the skills' local runs instead of their deployments
${ENV_HELP}
${TARGET_HELP}
  --concurrency <n>              skills tested at the same time (default 5)
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"test","ok",exitCode,"target","environment","apiUrl","results":[{"skill","app","status":"passed|failed|error",
"liveUrl","commit","smoke":{"passed","checks":[{"name","status","durationMs","message","code","mitigation"}],
"durationMs"},"error":{"code","message","mitigation"}}]}

${exitCodesHelp('a skill is not deployed or a check did not pass')}
`;

export interface SkillTestOutcome {
  readonly skill: string;
  readonly app: string;
  /** passed: every check passed; failed: a check failed; error: no deployment to test, or no answer at all. */
  readonly status: 'passed' | 'failed' | 'error';
  readonly appId?: string;
  readonly liveUrl?: string;
  /** The commit the active deployment was built from. */
  readonly commit?: string;
  readonly smoke?: SmokeResult;
  readonly error?: { code: string; message: string; mitigation?: string };
  /** The status file could not record the result. */
  readonly statusWarning?: string;
}

const NOT_DEPLOYED = 'Deploy the skill first: odoobo deploy <skill> (with the same --target).';

function commitOf(app: App): string | undefined {
  const c = app.active_deployment?.services?.find((s) => s.source_commit_hash)?.source_commit_hash;
  return c && /^[0-9a-f]{4,64}$/.test(c) ? c : undefined;
}

function verdict(smoke: SmokeResult): SkillTestOutcome['status'] {
  if (smoke.passed) return 'passed';
  return smoke.checks.some((c) => c.status === 'failed') ? 'failed' : 'error';
}

function statusCell(o: SkillTestOutcome, table: LiveTable): string {
  const s = table.style;
  return o.status === 'passed' ? s.green('✓ passed') : o.status === 'failed' ? s.red('✗ failed') : s.yellow('! error');
}

function detailOf(o: SkillTestOutcome): string {
  if (o.error) return `${o.error.code}: ${o.error.message}`;
  const bad = o.smoke?.checks.filter((c) => c.status !== 'passed') ?? [];
  return bad.length ? bad.map((c) => c.code).join(', ') : o.liveUrl ?? '';
}

function printDetails(io: CliIO, outcomes: readonly SkillTestOutcome[]): void {
  for (const o of outcomes) {
    if (o.status === 'passed') continue;
    io.out('');
    io.out(`${o.skill}${o.liveUrl ? ` (${o.liveUrl})` : ''}:`);
    if (o.error) {
      io.out(`  ${o.error.code}: ${o.error.message}`);
      if (o.error.mitigation) io.out(`    → ${o.error.mitigation}`);
    }
    for (const c of o.smoke?.checks ?? []) {
      if (c.status === 'passed') continue;
      io.out(`  ${c.name}: ${c.status} ${c.code}: ${c.message}`);
      if (c.mitigation) io.out(`    → ${c.mitigation}`);
    }
  }
}

/** The smoke suite against each skill's local run (registry.ts): the checks a deployment gets, before deploying. */
async function testLocalRuns(
  io: CliIO, root: string, skills: readonly Skill[], concurrency: number, json: boolean | undefined, signal: AbortSignal,
): Promise<number> {
  const runsDir = await localRunsDir(root);
  const outcomes = await mapLimit(skills, concurrency, async (skill: Skill): Promise<SkillTestOutcome> => {
    const record = runsDir ? await readRunRecord(runsDir, skill.name) : undefined;
    if (!record) {
      const mitigation = `Start it: odoobo run ${skill.name} (or Run Locally in the editor).`;
      return { skill: skill.name, app: skill.name, status: 'error', error: { code: 'NOT_RUNNING', message: 'no local run', mitigation } };
    }
    const smoke = await runSmokeSuite({ skill: skill.name, manifest: skill.manifest, baseUrl: record.url, signal });
    return { skill: skill.name, app: skill.name, liveUrl: record.url, status: verdict(smoke), smoke };
  });
  const ok = outcomes.every((o) => o.status === 'passed');
  const exitCode = ok ? EXIT.OK : EXIT.FAILED;
  if (json) printJson(io, { command: 'test', ok, exitCode, target: 'local-run', results: outcomes });
  else {
    for (const o of outcomes) {
      io.out(`${o.skill}: ${o.status}${o.smoke ? ` (${o.smoke.checks.length} checks, ${formatDuration(o.smoke.durationMs)})` : ''}`);
    }
    printDetails(io, outcomes);
    io.out('');
    const passed = outcomes.filter((o) => o.status === 'passed').length;
    io.out(`${passed}/${outcomes.length} local run${outcomes.length === 1 ? '' : 's'} passed`);
  }
  return exitCode;
}

const testCommand: CliCommand = {
  path: ['test'],
  summary: 'smoke-test deployed skills (health, metadata, 404/405, docs)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...ENV_OPTION,
        all: { type: 'boolean' }, concurrency: { type: 'string' }, local: { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    const concurrency = parseConcurrency(values.concurrency);
    const dir = await workDir(values.directory);
    const root = (await gitToplevel(dir)) ?? dir;
    const skills = selectSkills(await loadRepoSkills(root, io), positionals, values.all);
    const environment = await resolveEnvOption(root, values.env);
    if (values.local) {
      if (values.target !== undefined || values['api-url'] !== undefined) {
        throw new UsageError('--local tests local runs: no --target or --api-url');
      }
      return withCancellation(io, (signal) => testLocalRuns(io, root, skills, concurrency, values.json, signal));
    }

    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      let table: LiveTable | undefined;
      try {
        target = await openTarget(values, io, dir, { waitRestored: true });
        const t = target;
        const apps = await t.client.listApps({ signal });
        const byName = new Map(apps.map((a) => [a.spec.name, a]));
        const store = await StatusStore.forRepository(root).catch(() => undefined);
        table = values.json
          ? undefined
          : new LiveTable(
              io,
              [
                { header: 'SKILL' },
                { header: 'RESULT' },
                { header: 'CHECKS' },
                { header: 'TIME', align: 'right' },
                { header: 'DETAIL', maxWidth: 80 },
              ],
              skills.map((s) => s.name),
              { finalTableWhenPlain: false },
            );
        const tbl = table;
        for (const s of skills) tbl?.update(s.name, [s.name, 'waiting'], { running: false });

        const outcomes = await mapLimit(skills, concurrency, async (skill: Skill): Promise<SkillTestOutcome> => {
          const appName = await appNameInEnv(skill, environment);
          const app = byName.get(appName);
          let outcome: SkillTestOutcome;
          if (!app) {
            outcome = {
              skill: skill.name,
              app: appName,
              status: 'error',
              error: { code: 'NOT_DEPLOYED', message: `no app named "${appName}" on ${t.target} (${t.apiUrl})`, mitigation: NOT_DEPLOYED },
            };
          } else if (!app.live_url || !app.active_deployment) {
            outcome = {
              skill: skill.name,
              app: appName,
              appId: app.id,
              status: 'error',
              error: { code: 'NOT_LIVE', message: `app "${appName}" has no live deployment yet`, mitigation: NOT_DEPLOYED },
            };
          } else {
            tbl?.update(skill.name, [skill.name, 'testing', '', '', app.live_url], { running: true });
            const smoke = await runSmokeSuite({ skill: skill.name, manifest: skill.manifest, baseUrl: app.live_url, signal });
            outcome = {
              skill: skill.name,
              app: appName,
              appId: app.id,
              liveUrl: app.live_url,
              commit: commitOf(app),
              status: verdict(smoke),
              smoke,
            };
            if (store) {
              const record: SkillTestResult = {
                status: outcome.status,
                commit: outcome.commit,
                target: t.target,
                passed: smoke.checks.filter((c) => c.status === 'passed').length,
                failed: smoke.checks.filter((c) => c.status !== 'passed').length,
                summary: summarizeSmoke(smoke),
                at: new Date().toISOString(),
              };
              try {
                await store.recordTest(skill.name, record, { environment: environment.scope });
              } catch (e) {
                outcome = { ...outcome, statusWarning: `the status file was not updated: ${describeFailure(e).message}` };
              }
            }
          }
          const passedChecks = outcome.smoke
            ? `${outcome.smoke.checks.filter((c) => c.status === 'passed').length}/${outcome.smoke.checks.length}`
            : '';
          const time = outcome.smoke ? formatDuration(outcome.smoke.durationMs) : '';
          if (tbl) {
            tbl.update(skill.name, [skill.name, statusCell(outcome, tbl), passedChecks, time, detailOf(outcome)], {
              plainLine:
                `${outcome.skill}: ${outcome.status}${passedChecks ? ` (${passedChecks} checks, ${time})` : ''}` +
                `${outcome.status === 'passed' ? '' : ` - ${detailOf(outcome)}`}`,
            });
          }
          return outcome;
        });
        table?.finish();
        const ok = outcomes.every((o) => o.status === 'passed');
        const exitCode = ok ? EXIT.OK : EXIT.FAILED;
        if (values.json) {
          const environmentName = environment.env.name;
          printJson(io, { command: 'test', ok, exitCode, target: t.target, environment: environmentName, apiUrl: t.apiUrl, results: outcomes });
        } else {
          printDetails(io, outcomes);
          for (const o of outcomes) if (o.statusWarning) io.err(`warning: ${o.skill}: ${o.statusWarning}`);
          const passed = outcomes.filter((o) => o.status === 'passed').length;
          io.out('');
          io.out(`${passed}/${outcomes.length} skill${outcomes.length === 1 ? '' : 's'} passed on ${t.target}`);
        }
        return exitCode;
      } catch (e) {
        table?.finish();
        return reportFailure(io, 'test', e, values.json, { target: target?.target });
      } finally {
        await target?.close();
      }
    });
  },
};

/** With --log-dir: one log file per run. */
export const test = withLogDir(testCommand);
