import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import type { AppSpec } from '../../core/do/schemas';
import { overlayPathFor, specForEnvironment, type EnvironmentDef } from '../../core/environments';
import { writeFileAtomic } from '../../core/status/atomicFile';
import { formatCostChange, formatUsd, proposedCost } from '../../core/operate/cost';
import { describeScale, MAX_INSTANCES, planScale, ScaleError, type ScaleChange, type ScalePlan } from '../../core/operate/scale';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { isInteractive } from '../ui/style';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills, openTarget, printJson, reportFailure,
  requireRepository, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { deploy } from './deploy';
import { ENV_HELP, ENV_OPTION, resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo scale <skill> [--count <n>] [--size <slug>] [--dry-run] [--yes] [options]

Scales a skill's component: its instance count, its instance size, or autoscaling between a minimum and a maximum
instance count at a CPU target. Shows what changes, the monthly cost before → after (from App Platform's instance
sizes' prices and its \`propose\` app_cost) and the edit of the app spec (infra/<skill>.yaml); then writes the edit,
comments and layout kept, and deploys it as \`odoobo deploy\` does. The edit stays in the working tree for you to
review and commit: the repository is the source of truth.

Options:
  --count <n>                    a fixed number of instances (1–${MAX_INSTANCES}; 1 for single-instance sizes)
  --size <slug>                  an instance size, e.g. apps-s-1vcpu-1gb (an unknown one is answered with the nearest)
  --min <n>, --max <n>           autoscale between n instances (dedicated sizes only; replaces instance_count)
  --cpu <percent>                the autoscaling CPU target (1–100)
  --no-autoscale                 back to a fixed count (the autoscaling minimum, or --count)
  --component <name>             the service, worker or job to scale (default: the only one)
${ENV_HELP}
                                 with --env, the edit goes to that environment's overlay infra/<skill>.<env>.yaml
  --dry-run                      show the change, the cost and the edit; write and deploy nothing
  -y, --yes                      do not ask for confirmation (needed without a terminal)
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"scale","ok","exitCode","skill","component","file","before","after","cost":{"before","after",
"proposed":{"before","after"}},"diff","applied","deploy"}

${exitCodesHelp('the deploy of the change failed')}
`;

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`${name} expects a whole number, got "${value}"`);
  return n;
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

interface Priced {
  plan: ScalePlan;
  proposed: { before?: number; after?: number; error?: string };
}

function printPlan(io: CliIO, skill: string, target: string, { plan, proposed }: Priced): void {
  io.out(`Scale ${skill} (${plan.kind.replace(/s$/, '')} ${plan.component}) on ${target}:`);
  io.out(`  ${describeScale(plan.before)} → ${describeScale(plan.after)}`);
  io.out(`  monthly cost: ${formatCostChange(plan.cost.before, plan.cost.after)}`);
  if (proposed.before !== undefined && proposed.after !== undefined) {
    io.out(`  App Platform's price (propose app_cost): ${formatUsd(proposed.before)} → ${formatUsd(proposed.after)}`);
  } else if (proposed.error) {
    io.out(`  App Platform's price (propose) unavailable: ${proposed.error}`);
  }
  const unpriced = [...new Set([...plan.cost.before.unpriced, ...plan.cost.after.unpriced])];
  if (unpriced.length) io.out(`  not priced by the instance-size list: ${unpriced.join(', ')}`);
  if (plan.changed) {
    io.out(`  edit of ${plan.file}:`);
    for (const line of plan.diff.split('\n').slice(2)) if (line) io.out(`    ${line}`);
  } else {
    io.out(`  ${plan.file} already says so: nothing to change`);
  }
}

export const scale: CliCommand = {
  path: ['scale'],
  summary: "scale a skill's component (count, size, autoscaling) with a cost preview, then deploy",
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
        count: { type: 'string' },
        size: { type: 'string' },
        min: { type: 'string' },
        max: { type: 'string' },
        cpu: { type: 'string' },
        'no-autoscale': { type: 'boolean' },
        component: { type: 'string' },
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo scale pr-review --count 2`');
    const auto = values.min !== undefined || values.max !== undefined || values.cpu !== undefined;
    if (auto && values['no-autoscale']) throw new UsageError('--min/--max/--cpu and --no-autoscale do not go together');
    const change: ScaleChange = {
      component: values.component,
      count: intOption(values.count, '--count'),
      size: values.size,
      ...(auto
        ? {
          autoscale: { min: intOption(values.min, '--min'), max: intOption(values.max, '--max'), cpuPercent: intOption(values.cpu, '--cpu') },
        }
        : values['no-autoscale'] ? { autoscale: false as const } : {}),
    };
    if (change.count === undefined && change.size === undefined && change.autoscale === undefined) {
      throw new UsageError('say what to change: --count <n>, --size <slug>, --min/--max/--cpu or --no-autoscale');
    }
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const [skill] = selectSkills(await loadRepoSkills(root, io), positionals, false);
    // With --env the change is that environment's: its overlay is edited. Either way the environment's spec (the base
    // with its overlay) is what is priced and deployed.
    const env: EnvironmentDef = (await resolveEnvOption(root, values.env)).env;
    const toOverlay = values.env !== undefined;
    const overlayPath = overlayPathFor(skill.appSpecPath, env.name);
    const specPath = toOverlay ? overlayPath : skill.appSpecPath;
    const file = path.relative(root, specPath).split(path.sep).join('/');
    const json = values.json === true;
    const say = json ? (l: string) => io.err(l) : io.out;
    const doc: Record<string, unknown> = { command: 'scale', skill: skill.name, environment: env.name, file };
    const readSpec = (): Promise<string> => fs.readFile(specPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (toOverlay && e.code === 'ENOENT') return '';
      throw new UsageError(`${skill.name}: cannot read its app spec ${file}: ${e.message}`);
    });

    return withCancellation(io, async (signal) => {
      let priced: Priced;
      try {
        const text = await readSpec();
        const overlayFile = path.relative(root, overlayPath).split(path.sep).join('/');
        const overlayNow = await fs.readFile(overlayPath, 'utf8').catch(() => undefined);
        const base = toOverlay ? await fs.readFile(skill.appSpecPath, 'utf8') : '';
        const merged = (b: string, o: string | undefined): AppSpec =>
          parseDocument(specForEnvironment(b, o, env, { overlayFile, skill: skill.name }).text, { version: '1.1' }).toJS() as AppSpec;
        const effectiveSpec = (t: string): AppSpec => (toOverlay ? merged(base, t) : merged(t, overlayNow));
        const target = await openTarget(values, io, dir);
        try {
          const sizes = await target.client.listInstanceSizes({ signal });
          const plan = planScale({ text, file, change, sizes, effectiveSpec, overlay: toOverlay });
          if (plan.changed && JSON.stringify(plan.specBefore) === JSON.stringify(plan.specAfter)) {
            const why = `${overlayFile} sets this for ${env.name}, so editing ${file} changes nothing there`;
            throw new UsageError(`${why}: pass --env ${env.name}`);
          }
          const app = await target.client.findAppByName(plan.specBefore.name, { signal }).catch(() => undefined);
          const [b, a] = await Promise.all([
            proposedCost(target.client, plan.specBefore, app?.id),
            plan.changed ? proposedCost(target.client, plan.specAfter, app?.id) : undefined,
          ]);
          const after = a ?? b;
          priced = { plan, proposed: { before: b.cost, after: after.cost, error: b.error ?? after.error } };
          Object.assign(doc, {
            component: plan.component,
            before: plan.before,
            after: plan.after,
            cost: { before: plan.cost.before, after: plan.cost.after, proposed: { before: b.cost, after: after.cost } },
            diff: plan.diff,
          });
          printPlan({ ...io, out: say }, skill.name, `${target.target} (${env.name}: app ${plan.specBefore.name})`, priced);
        } finally {
          await target.close();
        }
      } catch (e) {
        if (!(e instanceof ScaleError)) return reportFailure(io, 'scale', e, json, doc);
        const hint = e.details.suggestions?.length ? ` (try: ${e.details.suggestions.join(', ')})` : '';
        if (json) {
          printJson(io, { ...doc, ok: false, exitCode: EXIT.USAGE, error: { code: e.code, message: e.message, ...e.details } });
        } else {
          io.err(`odoobo scale: ${e.code}: ${e.message}${hint && !e.message.includes('nearest') ? hint : ''}`);
        }
        return EXIT.USAGE;
      }
      const { plan } = priced;
      const finish = (ok: boolean, code: number, extra: Record<string, unknown> = {}): number => {
        if (json) printJson(io, { ...doc, ok, exitCode: code, applied: false, ...extra });
        return code;
      };
      if (values['dry-run'] || !plan.changed) return finish(true, EXIT.OK);
      if (!values.yes) {
        if (!(isInteractive(io) && process.stdin.isTTY === true)) {
          io.err('odoobo scale: not applied: pass --yes to apply without a terminal (or --dry-run to only look)');
          return finish(false, EXIT.USAGE);
        }
        const protectedNote = env.protected ? `${env.name} is protected. ` : '';
        if (!(await confirm(`${protectedNote}Write ${plan.file} and deploy ${skill.name} to ${env.name}? [y/N] `, signal))) {
          io.err('odoobo scale: not applied');
          return finish(false, EXIT.FAILED);
        }
      }
      // The file may have changed while the user read the preview: never overwrite an edit we did not see.
      if ((await readSpec()) !== plan.original) {
        io.err(`odoobo scale: ${plan.file} changed meanwhile; nothing written: run the command again`);
        return finish(false, EXIT.FAILED);
      }
      const mode = (await fs.stat(specPath).catch(() => fs.stat(skill.appSpecPath))).mode & 0o777;
      await writeFileAtomic(specPath, plan.text, { mode });
      say(`wrote ${plan.file}; deploying ${skill.name}…`);
      const passthrough = [
        skill.name, '-C', root,
        ...(values.target ? ['--target', values.target] : []),
        ...(values['api-url'] ? ['--api-url', values['api-url']] : []),
        ...(values.env !== undefined ? ['--env', env.name] : []),
      ];
      if (!json) return deploy.run(passthrough, io);
      const lines: string[] = [];
      const code = await deploy.run([...passthrough, '--json'], { ...io, out: (l) => lines.push(l) });
      let deployed: unknown;
      try {
        deployed = JSON.parse(lines.join('\n'));
      } catch {
        deployed = lines.join('\n');
      }
      return finish(code === EXIT.OK, code, { applied: true, deploy: deployed });
    });
  },
};
