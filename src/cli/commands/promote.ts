import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import type { PostDeployCheck } from '../../core/deploy';
import { EnvironmentError } from '../../core/environments';
import type { Gate } from '../../core/release/gates';
import { promote as promoteSkills, type PromotionPlan, type PromotionResult } from '../../core/release/promote';
import { runSmokeSuite, SmokeAbortedError, summarizeSmoke, type SmokeResult } from '../../core/smoke';
import { StatusStore } from '../../core/status/statusStore';
import type { ResolvedTarget } from '../../core/target';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { isInteractive } from '../ui/style';
import {
  COMMON_OPTIONS, describeFailure, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills, openTarget, printJson,
  reportFailure, requireRepository, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { printPreflight } from './diff';
import { resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo promote <skills…> --to <env> [options]

Deploys to the target environment exactly what is verified in the source environment: the commit whose deployment is
ACTIVE there. Its gates are checked and shown by name before anything changes: source-active, source-smoke-passed,
target-spec-lints, target-propose, target-not-pinned, target-branch-fast-forward and approval. A failed gate changes
nothing. Then the target environment's branch on origin (e.g. env/production/<skill>) is fast-forwarded to that commit
(never forced) and the normal deploy runs: a version that fails keeps the previous one serving, or is rolled back.

Options:
  --to <env>                     the environment to promote to (e.g. production)
  --from <env>                   the environment whose verified build is promoted (default: the default environment)
  --approve                      approve the promotion (environments that require approval; needed without a terminal)
  --dry-run                      check the gates and show what would change (spec, commits, cost), then stop
  --no-smoke                     skip the smoke tests after the target's health check
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"promote","ok","exitCode","from","to","target","dryRun","results":[{"skill","status":
"promoted|refused|dry-run|failed","gates":[{"name","ok","detail"}],"failedGate","commit","branch":{"name","before","after"},
"approver":{"name","email"},"preflight":{…},"deploy":{…},"warnings","error"}]}

${exitCodesHelp('a gate failed, or the promoted version did not go live')}
`;

function printGates(io: CliIO, r: { gates: readonly Gate[] }): void {
  for (const g of r.gates) io.out(`  ${g.ok ? '✓' : '✗'} ${g.name}: ${g.detail}`);
}

async function ask(question: string, signal: AbortSignal): Promise<boolean> {
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

function printResult(io: CliIO, r: PromotionResult): void {
  const commit = r.commit ? ` ${r.commit.slice(0, 12)}` : '';
  switch (r.status) {
    case 'promoted':
      io.out(`${r.skill}: promoted${commit} from ${r.from} to ${r.to}${r.deploy?.liveUrl ? ` at ${r.deploy.liveUrl}` : ''}`);
      if (r.branch) io.out(`  origin/${r.branch.name}: ${r.branch.before?.slice(0, 12) ?? '(new)'} → ${r.branch.after.slice(0, 12)}`);
      break;
    case 'dry-run':
      io.out(`${r.skill}: dry run: every gate${r.gates.some((g) => !g.ok) ? ' but approval' : ''} passes; nothing changed`);
      break;
    case 'refused':
      io.out(`${r.skill}: refused by gate ${r.failedGate?.name}: ${r.failedGate?.detail}; nothing changed`);
      break;
    default: {
      const why = r.error ?? (r.deploy?.error ? `${r.deploy.error.code}: ${r.deploy.error.message}` : r.deploy?.status);
      io.out(`${r.skill}: promotion failed: ${why}`);
      if (r.deploy?.error) io.out(`  → ${r.deploy.error.mitigation}`);
      const serving = r.deploy?.previousStillServing;
      if (serving !== undefined) io.out(`  previous deployment still serving: ${serving ? 'yes' : 'NO'}`);
    }
  }
  for (const w of r.warnings) io.out(`  warning: ${w}`);
}

export const promote: CliCommand = {
  path: ['promote'],
  summary: 'deploy the build verified in one environment to another, through gates',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        ...TARGET_OPTIONS,
        to: { type: 'string' },
        from: { type: 'string' },
        approve: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'no-smoke': { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (!values.to) throw new UsageError('name the environment to promote to, e.g. `odoobo promote pr-review --to production`');
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const to = await resolveEnvOption(root, values.to);
    const from = await resolveEnvOption(root, values.from);
    if (from.env.name === to.env.name) throw new UsageError(`--from and --to are both ${to.env.name}: promote between two environments`);
    const skills = selectSkills(await loadRepoSkills(root, io), positionals, false);
    const dryRun = !!values['dry-run'];
    const terminal = isInteractive(io) && process.stdin.isTTY === true;

    return withCancellation(io, async (signal) => {
      let target: ResolvedTarget | undefined;
      try {
        target = await openTarget(values, io, dir);
        const t = target;
        const smoke = new Map<string, SmokeResult>();
        const postDeploy: PostDeployCheck | undefined = values['no-smoke']
          ? undefined
          : async (ctx) => {
              try {
                const r = await runSmokeSuite({ skill: ctx.skill, manifest: ctx.manifest, baseUrl: ctx.liveUrl, signal: ctx.signal });
                smoke.set(ctx.skill, r);
                const bad = r.checks.filter((c) => c.status !== 'passed');
                const failed = `smoke tests failed: ${bad.map((c) => `${c.code}: ${c.message}`).join('; ')}`;
                const message = r.passed ? `smoke tests: ${summarizeSmoke(r)}` : failed;
                return { ok: r.passed, code: bad[0]?.code, message, checks: r.checks };
              } catch (e) {
                if (e instanceof SmokeAbortedError) return { ok: false, message: 'canceled' };
                throw e;
              }
            };
        // In a terminal the approval is asked once every other gate passed, after showing them and the diff.
        const approve = values.approve || !terminal || !to.env.requiresApproval ? !!values.approve
          : async (plan: PromotionPlan) => {
              io.out(`${plan.skill}: promote ${plan.commit?.slice(0, 12) ?? '?'} from ${plan.from} to ${plan.to}`);
              printGates(io, plan);
              if (plan.preflight) printPreflight(io, `${plan.skill} in ${plan.to}:`, plan.preflight);
              return ask(`${plan.to} requires approval. Promote ${plan.skill} to ${plan.to}? [y/N] `, signal);
            };
        const results = await promoteSkills({
          repoRoot: root,
          client: t.client,
          target: t.target,
          skills: skills.map((s) => s.name),
          from: from.env.name,
          to: to.env.name,
          approve,
          dryRun,
          postDeploy,
          signal,
          onEvent: values.json ? undefined : (e) => {
            if (e.type !== 'step-finished' || e.status === 'succeeded') return;
            io.err(`${e.skill}: ${e.step} ${e.status}${e.message ? `: ${e.message}` : ''}`);
          },
        });
        const store = await StatusStore.forRepository(root).catch(() => undefined);
        for (const r of results) {
          const s = smoke.get(r.skill);
          if (!s || !store || !r.deploy) continue;
          const commit = r.deploy.commit && /^[0-9a-f]{4,64}$/.test(r.deploy.commit) ? { commit: r.deploy.commit } : {};
          await store
            .recordTest(r.skill, {
              status: s.passed ? 'passed' : s.checks.some((c) => c.status === 'failed') ? 'failed' : 'error',
              ...commit,
              target: t.target,
              passed: s.checks.filter((c) => c.status === 'passed').length,
              failed: s.checks.filter((c) => c.status !== 'passed').length,
              summary: summarizeSmoke(s),
              at: new Date().toISOString(),
            }, { environment: to.scope })
            .catch((e) => io.err(`warning: ${r.skill}: the test result was not recorded: ${describeFailure(e).message}`));
        }
        const ok = results.every((r) => r.status === (dryRun ? 'dry-run' : 'promoted'));
        const exitCode = ok ? EXIT.OK : EXIT.FAILED;
        if (values.json) {
          printJson(io, {
            command: 'promote', ok, exitCode, from: from.env.name, to: to.env.name, target: t.target, dryRun,
            results: results.map((r) => ({ ...r, ...(smoke.has(r.skill) ? { smoke: smoke.get(r.skill) } : {}) })),
          });
        } else {
          for (const r of results) {
            io.out(`${r.skill}: gates for ${r.from} → ${r.to}${r.commit ? ` (${r.commit.slice(0, 12)})` : ''}`);
            printGates(io, r);
            if (dryRun && r.preflight) printPreflight(io, `${r.skill} in ${r.to}:`, r.preflight);
            printResult(io, r);
          }
        }
        return exitCode;
      } catch (e) {
        if (e instanceof EnvironmentError) throw new UsageError(e.message);
        return reportFailure(io, 'promote', e, values.json, { from: from.env.name, to: to.env.name });
      } finally {
        await target?.close();
      }
    });
  },
};
