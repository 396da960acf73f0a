import { parseArgs } from 'node:util';
import {
  DEFAULT_CONCURRENCY,
  MeteredBudget,
  planDeploy,
  type DeployEvent,
  type DeployResult,
  type PostDeployCheck,
} from '../../core/deploy';
import { describeUnpublished, findUnpublishedWork, pushSkillBranches } from '../../core/git/flows';
import { runSmokeSuite, SmokeAbortedError, summarizeSmoke, type SmokeResult } from '../../core/smoke';
import { alertsFromEnv } from '../../core/notify/alerts';
import { StatusStore } from '../../core/status/statusStore';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { LiveTable } from '../ui/liveTable';
import { withLogDir } from '../ui/runLog';
import type { Style } from '../ui/style';
import { formatDuration } from '../../core/util/timeText';
import {
  COMMON_OPTIONS,
  describeFailure,
  DIR_HELP,
  EXIT,
  exitCodesHelp,
  HELP_HELP,
  JSON_HELP,
  loadRepoSkills,
  openTarget,
  parseConcurrency,
  printJson,
  reportFailure,
  requireRepository,
  selectSkills,
  TARGET_HELP,
  TARGET_OPTIONS,
  withCancellation,
  workDir,
} from './common';
import { deployDryRun } from './diff';
import { ENV_HELP, ENV_OPTION, resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo deploy [skills…] [options]

Deploys skills to App Platform as one plan, in parallel: for each skill its app spec (infra/<name>.yaml, branch set to
skill/<name>) is linted and validated, the app created or updated, the deployment followed to ACTIVE, the live URL's
health checked, the traffic switch verified and the smoke tests run (as in \`odoobo test\`). A skill whose new version
fails after going live is rolled back to the deployment that served before; one that fails before going live never
served, and the previous version is checked to still serve. Ctrl-C cancels the deployments in flight on the server.
App Platform builds origin's branch: a skill with unpushed commits or uncommitted changes gets a warning (--push).

Options:
  --all                          deploy every skill (skills/<name>/manifest.json)
${ENV_HELP}
                                 (its app, the overlay infra/<name>.<env>.yaml, the branch it builds from)
${TARGET_HELP}
  --concurrency <n>              skills deployed at the same time (default ${DEFAULT_CONCURRENCY})
  --force-rebuild                build from scratch instead of reusing App Platform's build cache
  --no-rollback                  leave a version that failed after going live in place (no automatic rollback)
  --fail-fast                    stop at the first failure: start no other skill, cancel the deployments in flight
  --no-smoke                     skip the smoke tests after the health check
  --push                         push each skill's branch to origin first (never forced; a failed push skips that skill)
  --timeout <seconds>            how long a deployment may take to reach ACTIVE (default 600)
  --dry-run                      show what would change (as \`odoobo diff\`: spec, commits, cost) and stop
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"deploy","ok","exitCode","target","environment","apiUrl","succeeded","failed","rolledBack","canceled",
"pushFailures","durationMs",
"results":[{"skill","status":"succeeded|failed|rolled-back|canceled","appId","deploymentId","previousDeploymentId",
"liveUrl","commit","phase","steps":[{"name","status","startedAt","durationMs","message"}],"error":{"code","step",
"message","mitigation"},"rollback":{"status","toDeploymentId","rollbackDeploymentId","pinned",…},
"previousStillServing","warnings","smoke":{…},"needsRollback","durationMs"}]}
needsRollback: the new version went ACTIVE, failed its checks, and is still live (no rollback, or it failed).

${exitCodesHelp('a skill failed, was rolled back, or was not deployed')}
(3 only when every failure is the target's: unreachable, token missing or refused.)
`;

const TARGET_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NETWORK_ERROR', 'TIMEOUT']);

/** A failure after the deployment went ACTIVE that is still live: what a CI job should roll back. */
export function needsRollback(r: DeployResult): boolean {
  if (r.status !== 'failed') return false;
  const wentLive = r.steps.some((s) => s.name === 'monitor' && s.status === 'succeeded');
  if (!wentLive || !r.previousDeploymentId) return false;
  return r.rollback === undefined || r.rollback.status === 'failed';
}

function statusCell(r: DeployResult, s: Style): string {
  switch (r.status) {
    case 'succeeded':
      return s.green('✓ deployed');
    case 'rolled-back':
      return s.yellow('↺ rolled back');
    case 'canceled':
      return s.yellow('■ canceled');
    default:
      return s.red('✗ failed');
  }
}

function detailOf(r: DeployResult): string {
  if (r.error) return `${r.error.code}: ${r.error.message}`;
  return r.liveUrl ?? '';
}

function printDetails(io: CliIO, results: readonly DeployResult[], smoke: Map<string, SmokeResult>): void {
  for (const r of results) {
    if (r.status === 'succeeded' && !r.warnings.length) continue;
    io.out('');
    io.out(`${r.skill}: ${r.status}${r.deploymentId ? ` (deployment ${r.deploymentId}${r.phase ? `, ${r.phase}` : ''})` : ''}`);
    if (r.error) {
      io.out(`  ${r.error.code} in step ${r.error.step}: ${r.error.message}`);
      io.out(`    → ${r.error.mitigation}`);
    }
    for (const c of smoke.get(r.skill)?.checks ?? []) if (c.status !== 'passed') io.out(`  smoke ${c.name}: ${c.code}: ${c.message}`);
    if (r.rollback) {
      const rb = r.rollback;
      const to = rb.toDeploymentId ? ` to ${rb.toDeploymentId}` : '';
      io.out(
        `  rollback${to}: ${rb.status}${rb.reason ? ` (${rb.reason})` : ''}${rb.error ? `: ${rb.error.code}: ${rb.error.message}` : ''}` +
        `${rb.pinned ? ' [app pinned]' : ''}`,
      );
    }
    if (r.previousStillServing !== undefined) io.out(`  previous deployment still serving: ${r.previousStillServing ? 'yes' : 'NO'}`);
    if (needsRollback(r)) io.out(`  → still live and failing: odoobo rollback ${r.skill} --yes`);
    for (const w of r.warnings) io.out(`  warning: ${w}`);
  }
}

/**
 * App Platform builds origin's skill/<name>: warns of unpushed commits and uncommitted changes, or with --push pushes
 * first. Answers the skills whose push failed (they are not deployed).
 */
type PushFailure = { skill: string; code: string; message: string };
async function publishOrWarn(io: CliIO, root: string, skills: string[], push: boolean): Promise<PushFailure[]> {
  let work: Awaited<ReturnType<typeof findUnpublishedWork>> = [];
  try {
    work = await findUnpublishedWork(root, skills);
  } catch (e) {
    io.err(`warning: could not check the skills' branches for unpushed work: ${describeFailure(e).message}`);
    return [];
  }
  const failures: PushFailure[] = [];
  const toPush = push ? work.filter((w) => w.unpushed).map((w) => w.skill) : [];
  for (const o of toPush.length ? await pushSkillBranches(root, toPush) : []) {
    if (o.error) {
      failures.push({ skill: o.skill, code: o.error.code, message: o.error.message });
      io.err(`error: ${o.skill} is not deployed: pushing ${o.branch} to origin failed: ${o.error.code}: ${o.error.message}`);
    } else io.err(`${o.skill}: ${o.outcome === 'pushed' ? 'pushed' : o.outcome} ${o.branch} to origin`);
  }
  for (const w of work) {
    if (failures.some((f) => f.skill === w.skill)) continue;
    if (push && !w.uncommitted) continue;
    const left = push ? { ...w, unpushed: 0 } : w;
    const hint = push ? 'commit them, then deploy with --push' : 'push first, or deploy with --push';
    io.err(`warning: ${describeUnpublished(left)}: the deploy builds origin/${w.branch} without it (${hint})`);
  }
  return failures;
}

const deployCommand: CliCommand = {
  path: ['deploy'],
  summary: 'deploy skills as one parallel plan (rollback on failure)',
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
        all: { type: 'boolean' },
        concurrency: { type: 'string' },
        'force-rebuild': { type: 'boolean' },
        'no-rollback': { type: 'boolean' },
        'fail-fast': { type: 'boolean' },
        'no-smoke': { type: 'boolean' },
        push: { type: 'boolean' },
        timeout: { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    const concurrency = parseConcurrency(values.concurrency, DEFAULT_CONCURRENCY);
    const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeoutS !== undefined && (!Number.isFinite(timeoutS) || timeoutS < 1 || timeoutS > 7200))
      throw new UsageError(`--timeout expects seconds from 1 to 7200, got "${values.timeout}"`);
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const environment = await resolveEnvOption(root, values.env);
    // The default environment's lines read as before environments existed.
    const envNote = environment.scope.isDefault ? '' : ` (${environment.env.name})`;
    const skills = selectSkills(await loadRepoSkills(root, io), positionals, values.all);
    if (values['dry-run']) return deployDryRun(io, values, dir, root, skills, environment);
    const selected = skills.map((s) => s.name);
    const pushFailures = await publishOrWarn(io, root, selected, !!values.push);
    const names = selected.filter((n) => !pushFailures.some((f) => f.skill === n));
    if (names.length === 0) {
      if (values.json) printJson(io, { command: 'deploy', ok: false, exitCode: EXIT.FAILED, pushFailures, results: [] });
      return EXIT.FAILED;
    }

    return withCancellation(io, async (signal) => {
      const budget = new MeteredBudget({ limit: 250, windowMs: 60_000 });
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      let table: LiveTable | undefined;
      try {
        target = await openTarget(values, io, dir, { client: { budget } });
        const t = target;
        const smoke = new Map<string, SmokeResult>();
        const postDeploy: PostDeployCheck | undefined = values['no-smoke']
          ? undefined
          : async (ctx) => {
              let r: SmokeResult;
              try {
                r = await runSmokeSuite({ skill: ctx.skill, manifest: ctx.manifest, baseUrl: ctx.liveUrl, signal: ctx.signal });
              } catch (e) {
                // The pipeline sees the cancel itself (and does not roll back a canceled check).
                if (e instanceof SmokeAbortedError) return { ok: false, message: 'canceled' };
                throw e;
              }
              smoke.set(ctx.skill, r);
              const bad = r.checks.filter((c) => c.status !== 'passed');
              return {
                ok: r.passed,
                code: bad[0]?.code,
                message: r.passed
                  ? `smoke tests: ${summarizeSmoke(r)}`
                  : `smoke tests failed: ${bad.map((c) => `${c.code}: ${c.message}`).join('; ')}`,
                checks: r.checks,
              };
            };

        table = values.json
          ? undefined
          : new LiveTable(
              io,
              [
                { header: 'SKILL' },
                { header: 'STATUS' },
                { header: 'STEP' },
                { header: 'PHASE' },
                { header: 'TIME', align: 'right' },
                { header: 'DETAIL', maxWidth: 70 },
              ],
              names,
              { finalTableWhenPlain: false },
            );
        const tbl = table;
        const rows = new Map(names.map((n) => [n, { status: 'waiting', step: '', phase: '', started: 0, detail: '' }]));
        const draw = (skill: string, running: boolean, plainLine?: string) => {
          const r = rows.get(skill);
          if (!r || !tbl) return;
          const time = r.started ? formatDuration(Date.now() - r.started) : '';
          tbl.update(skill, [skill, r.status, r.step, r.phase, time, r.detail], { running, plainLine });
        };
        for (const n of names) draw(n, false);
        const onEvent = (e: DeployEvent) => {
          const r = rows.get(e.skill);
          if (!r) return;
          switch (e.type) {
            case 'deploy-started':
              r.status = 'deploying';
              r.started = e.at;
              draw(e.skill, true, `${e.skill}: deploying to ${t.target}${envNote}`);
              break;
            case 'step-started':
              r.step = e.step;
              draw(e.skill, true);
              break;
            case 'step-finished':
              if (e.status !== 'succeeded') r.detail = e.message ?? '';
              draw(
                e.skill,
                true,
                `${e.skill}: ${e.step} ${e.status} (${formatDuration(e.durationMs)})${e.message ? `: ${e.message}` : ''}`,
              );
              break;
            case 'phase-changed':
              r.phase = e.to;
              draw(e.skill, true, `${e.skill}: deployment ${e.deploymentId} ${e.from ? `${e.from} → ` : ''}${e.to}`);
              break;
            case 'deployment-progress':
              r.detail = e.summary;
              draw(e.skill, true);
              break;
            case 'deploy-finished': {
              const res = e.result;
              if (tbl) {
                r.phase = res.phase ?? r.phase;
                r.step = res.error?.step ?? 'done';
                r.detail = detailOf(res);
                r.status = statusCell(res, tbl.style);
                tbl.update(e.skill, [e.skill, r.status, r.step, r.phase, formatDuration(res.durationMs), r.detail], {
                  plainLine:
                    `${e.skill}: ${res.status}${res.liveUrl ? ` ${res.liveUrl}` : ''}` +
                    `${res.error ? ` - ${res.error.code}: ${res.error.message}` : ''} (${formatDuration(res.durationMs)})`,
                });
              }
              break;
            }
          }
        };

        const plan = await planDeploy({
          repoRoot: root,
          client: t.client,
          budget,
          target: t.target,
          environment: environment.env.name,
          skills: names,
          concurrency,
          failFast: values['fail-fast'],
          forceBuild: values['force-rebuild'],
          autoRollback: !values['no-rollback'],
          timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
          postDeploy,
          alerts: await alertsFromEnv(io.env, root),
          signal,
          onEvent,
        });
        table?.finish();

        // The smoke tests of the post-deploy step are the skill's last test.
        const store = await StatusStore.forRepository(root).catch(() => undefined);
        for (const r of plan.results) {
          const s = smoke.get(r.skill);
          if (!s || !store) continue;
          await store
            .recordTest(r.skill, {
              status: s.passed ? 'passed' : s.checks.some((c) => c.status === 'failed') ? 'failed' : 'error',
              ...(r.commit && /^[0-9a-f]{4,64}$/.test(r.commit) ? { commit: r.commit } : {}),
              target: t.target,
              passed: s.checks.filter((c) => c.status === 'passed').length,
              failed: s.checks.filter((c) => c.status !== 'passed').length,
              summary: summarizeSmoke(s),
              at: new Date().toISOString(),
            }, { environment: environment.scope })
            .catch((e) => io.err(`warning: ${r.skill}: the test result was not recorded: ${describeFailure(e).message}`));
        }

        const bad = plan.results.filter((r) => r.status !== 'succeeded');
        const ok = bad.length === 0 && pushFailures.length === 0;
        const targetOnly = bad.length > 0 && !pushFailures.length && bad.every((r) => r.error && TARGET_CODES.has(r.error.code));
        const exitCode = ok ? EXIT.OK : targetOnly ? EXIT.TARGET : EXIT.FAILED;
        if (values.json) {
          printJson(io, {
            command: 'deploy',
            ok,
            exitCode: signal.aborted ? EXIT.CANCELED : exitCode,
            target: t.target,
            environment: environment.env.name,
            apiUrl: t.apiUrl,
            succeeded: plan.succeeded,
            failed: plan.failed,
            rolledBack: plan.rolledBack,
            canceled: plan.canceled,
            ...(pushFailures.length ? { pushFailures } : {}),
            durationMs: plan.durationMs,
            results: plan.results.map((r) => ({
              ...r,
              ...(smoke.has(r.skill) ? { smoke: smoke.get(r.skill) } : {}),
              needsRollback: needsRollback(r),
            })),
          });
        } else {
          printDetails(io, plan.results, smoke);
          io.out('');
          io.out(
            `${plan.succeeded} deployed, ${plan.failed} ` +
            `failed${plan.rolledBack ? ` (${plan.rolledBack} rolled back)` : ''}${plan.canceled ? `, ${plan.canceled} canceled` : ''} on ` +
            `${t.target}${envNote} in ${formatDuration(plan.durationMs)}`,
          );
          if (t.embedded && plan.succeeded) io.err('note: the embedded local App Platform stops now, and the skills it serves with it.');
        }
        return exitCode;
      } catch (e) {
        table?.finish();
        return reportFailure(io, 'deploy', e, values.json, { target: target?.target });
      } finally {
        await target?.close();
      }
    });
  },
};

/** With --log-dir: one log file per run. */
export const deploy = withLogDir(deployCommand);
