import { parseArgs } from 'node:util';
import { lintAppSpec } from '../../core/appspec';
import { DeployError } from '../../core/deploy';
import { prepareSpec } from '../../core/deploy/spec';
import { formatPreflight, originBranchHead, preflight, sourceOf, type Preflight } from '../../core/release/diff';
import type { Skill } from '../../core/skills/loadSkills';
import type { ResolvedTarget } from '../../core/target';
import { UsageError, type CliCommand, type CliIO } from '../command';
import {
  COMMON_OPTIONS, DIR_HELP, errorJson, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills, openTarget, printJson, reportFailure,
  requireRepository, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { ENV_HELP, ENV_OPTION, resolveEnvOption, type CliEnvironment } from './environmentOption';

const HELP = `Usage: odoobo diff <skill> [options]

Shows what a deploy to the environment would change, and changes nothing: the live app's spec against the spec that
would be applied (the skill's app spec with the environment's overlay, as YAML, secrets masked) as a unified diff, the
commits that would go live (git log from the live commit to the head of the branch the app builds from on origin), and
the monthly cost before and after (propose's app_cost and the instance sizes' prices).

Options:
${ENV_HELP}
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"diff","ok","exitCode","skill","environment","target","appName","appId","liveCommit","nextCommit",
"specChanged","patch","liveYaml","nextYaml","commits":{"going":[{"sha","author","subject"}],"leaving":[…],"note"},
"cost":{"before":{"appCost","lines","instancesTotal"},"after":{…},"delta"}}

${exitCodesHelp('the spec to apply has errors, or the live app could not be read')}
`;

/** The pre-flight diff of one skill in one environment: the spec as a deploy would prepare it, the branch head on origin. */
export async function skillPreflight(
  root: string,
  skill: Skill,
  environment: CliEnvironment,
  target: ResolvedTarget,
  signal?: AbortSignal,
): Promise<Preflight> {
  const prepared = await prepareSpec(skill, { repoRoot: root, lint: lintAppSpec, environment: environment.env });
  const branch = sourceOf(prepared.spec, skill.name).branch;
  const commit = branch ? await originBranchHead(root, branch) : undefined;
  return preflight({ client: target.client, repoRoot: root, spec: prepared.spec, commit, component: skill.name, signal });
}

/** Prints a pre-flight diff under a heading, one line each. */
export function printPreflight(io: CliIO, heading: string, p: Preflight): void {
  io.out(heading);
  for (const line of formatPreflight(p)) io.out(line ? `  ${line}` : '');
}

/** A spec with errors is the deploy's own failure (its code and mitigation), not an unexplained error. */
export function reportPreflightFailure(io: CliIO, command: string, e: unknown, json: boolean | undefined, extra = {}): number {
  if (!(e instanceof DeployError)) return reportFailure(io, command, e, json, extra);
  const error = { code: e.code, message: e.message, mitigation: e.mitigation };
  if (json) printJson(io, { command, ok: false, exitCode: EXIT.FAILED, ...extra, error });
  else {
    io.err(`odoobo ${command}: ${e.code}: ${e.message}`);
    io.err(`  → ${e.mitigation}`);
  }
  return EXIT.FAILED;
}

/** `odoobo deploy --dry-run`: the pre-flight diff of each skill, then stop (nothing is pushed, applied or deployed). */
export async function deployDryRun(
  io: CliIO,
  values: { json?: boolean; target?: string; 'api-url'?: string },
  dir: string,
  root: string,
  skills: readonly Skill[],
  environment: CliEnvironment,
): Promise<number> {
  return withCancellation(io, async (signal) => {
    let target: ResolvedTarget | undefined;
    try {
      target = await openTarget(values, io, dir);
      const results: Array<Record<string, unknown>> = [];
      for (const skill of skills) {
        try {
          const p = await skillPreflight(root, skill, environment, target, signal);
          results.push({ skill: skill.name, ok: true, ...p });
          if (!values.json) printPreflight(io, `${skill.name} in ${environment.env.name} (${target.target}), dry run:`, p);
        } catch (e) {
          if (signal.aborted) throw e;
          const error = e instanceof DeployError ? { code: e.code, message: e.message, mitigation: e.mitigation } : errorJson(e);
          results.push({ skill: skill.name, ok: false, error });
          if (!values.json) io.err(`${skill.name}: ${error.code}: ${error.message}`);
        }
      }
      const ok = results.every((r) => r.ok);
      const exitCode = ok ? EXIT.OK : EXIT.FAILED;
      if (values.json) {
        printJson(io, { command: 'deploy', dryRun: true, ok, exitCode, environment: environment.env.name, target: target.target, results });
      } else io.out(`dry run: nothing was deployed (${skills.length} skill${skills.length === 1 ? '' : 's'} shown)`);
      return exitCode;
    } catch (e) {
      return reportFailure(io, 'deploy', e, values.json, { dryRun: true });
    } finally {
      await target?.close();
    }
  });
}

export const diff: CliCommand = {
  path: ['diff'],
  summary: "show what a deploy would change: the live spec against the new one, commits, cost",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...ENV_OPTION },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo diff pr-review --env production`');
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const environment = await resolveEnvOption(root, values.env);
    const [skill] = selectSkills(await loadRepoSkills(root, io), positionals, false);
    return withCancellation(io, async (signal) => {
      let target: ResolvedTarget | undefined;
      try {
        target = await openTarget(values, io, dir);
        const p = await skillPreflight(root, skill, environment, target, signal);
        if (values.json) {
          const where = { skill: skill.name, environment: environment.env.name, target: target.target };
          printJson(io, { command: 'diff', ok: true, exitCode: EXIT.OK, ...where, ...p });
        } else printPreflight(io, `${skill.name} in ${environment.env.name} (${target.target}):`, p);
        return EXIT.OK;
      } catch (e) {
        return reportPreflightFailure(io, 'diff', e, values.json, { skill: skill.name, environment: environment.env.name });
      } finally {
        await target?.close();
      }
    });
  },
};
