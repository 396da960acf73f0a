import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  findLocalPlatform, formatSummary, liveStatus, pidAlive, readEndpoint, type LiveAppState, type LiveStatus,
} from '../../core/localPlatform';
import { formatResources, withInstances, type LiveAppWithInstances } from '../../core/operate/instances';
import { defaultLocalDataDir, parseTargetName } from '../../core/target';
import { loadSkills } from '../../core/skills/loadSkills';
import { buildWorktreeStatus, exportWorktreeStatus, type ExportedSkill, type WorktreeStatusExport } from '../../core/status/exportStatus';
import type { CliCommand, CliIO } from '../command';
import { styleFor } from '../ui/style';
import { formatAgoIso } from '../../core/util/timeText';
import { formatTable } from '../ui/table';
import { UsageError } from '../command';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, openTarget, printJson, reportFailure, requireRepository, TARGET_HELP,
  TARGET_OPTIONS, workDir,
} from './common';
import { appNameInEnv, ENV_HELP, ENV_OPTION, resolveEnvOption, type CliEnvironment } from './environmentOption';

const HELP = `Usage: odoobo status [options]

Shows every skill: its branch and worktree (dirty, ahead/behind its upstream), and its last deployment, test and
merge as recorded in the status file (<git-common-dir>/odoobo/status.json, shared by all worktrees). Without --live
it reads only local files and git (a local deployment is marked "platform not running" when the repository's local
App Platform is not running); with --live it asks the target what it serves now.

Options:
  --live                         ask the target (local or DigitalOcean) for each skill's app: phase, health, URL, CPU %,
                                 memory %, ready/desired replicas, running instances, and the counts (healthy,
                                 unhealthy, deploying, not deployed); a local target that is not running is not
                                 started (nothing is served)
  --watch [seconds]              --live, refreshed every <seconds> (default 10) in place on a terminal, as plain
                                 blocks of lines otherwise; Ctrl-C stops it (exit 0)
${ENV_HELP}
                                 (its recorded deployment and test; with --live its apps)
${TARGET_HELP}
  --json                         print the status as one JSON document (the WORKTREE_STATUS.json format; with --live
                                 also "live": {"target","api_url","apps":[…],"summary":{…}})
  --export <file>                also write it to <file> (e.g. WORKTREE_STATUS.json), atomically
${DIR_HELP}
${HELP_HELP}

JSON: {"format":"odoobo-worktree-status","version":1,"generated_at","repository","main_branch","skills":{"<name>":{
"branch","branch_exists","worktree","worktree_exists","head","dirty","changed_files","upstream","ahead","behind",
"locked","prunable","last_deployment":{…}|null,"last_test":{…}|null,"last_merge":{…}|null,
"environments":{"<env>":{"last_deployment","last_test"}}}}} (with --env also "environment")

${exitCodesHelp('the repository or the status file could not be read', { target: false })}
`;

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : '');

function worktreeCell(s: ExportedSkill, root: string): string {
  if (!s.worktree) return s.branch_exists ? '(branch only)' : '-';
  const rel = path.relative(path.dirname(root), s.worktree);
  return (s.worktree_exists ? '' : '(missing) ') + (rel.startsWith('..') ? s.worktree : rel);
}

function stateCell(s: ExportedSkill): string {
  const parts: string[] = [];
  if (s.dirty) parts.push(`${s.changed_files ?? ''} changed`.trim());
  else if (s.dirty === false) parts.push('clean');
  if (s.ahead) parts.push(`↑${s.ahead}`);
  if (s.behind) parts.push(`↓${s.behind}`);
  if (s.upstream === null && s.branch_exists) parts.push('no upstream');
  if (s.locked) parts.push('locked');
  if (s.prunable) parts.push('prunable');
  return parts.join(' ');
}

function render(io: CliIO, data: WorktreeStatusExport, localRunning: boolean, environment: CliEnvironment): void {
  const st = styleFor(io);
  const names = Object.keys(data.skills);
  io.out(`${data.repository} (main branch ${data.main_branch})`);
  if (!names.length) {
    io.out('no skills (skills/<name>/manifest.json)');
    return;
  }
  const rows = names.map((name) => {
    const s = data.skills[name];
    // The default environment's records are the top-level ones; another's are under `environments`.
    const own = environment.scope.isDefault ? s : s.environments[environment.scope.name];
    const d = own?.last_deployment ?? null;
    const t = own?.last_test ?? null;
    const m = s.last_merge;
    const phase = d ? (d.phase === 'ACTIVE' ? st.green(d.phase) : d.phase === 'ERROR' ? st.red(d.phase) : d.phase) : '';
    const test = t ? (t.status === 'passed' ? st.green(t.status) : st.red(t.status)) : '';
    const stopped = d?.target === 'local' && !localRunning ? ' · platform not running' : '';
    return [
      name,
      worktreeCell(s, data.repository),
      stateCell(s),
      d ? `${phase} ${d.target} ${short(d.commit)} ${formatAgoIso(d.deployed_at)}${stopped}` : '-',
      t ? `${test}${t.passed !== null && t.failed !== null ? ` ${t.passed}/${t.passed + t.failed}` : ''} ${formatAgoIso(t.at)}` : '-',
      m ? `${short(m.merge_commit)} ${formatAgoIso(m.at)}` : '-',
    ];
  });
  const columns = [
    { header: 'SKILL' }, { header: 'WORKTREE', maxWidth: 50 }, { header: 'STATE' }, { header: 'LAST DEPLOYMENT (recorded)' },
    { header: 'LAST TEST' }, { header: 'LAST MERGE' },
  ];
  for (const l of formatTable(columns, rows, st.bold)) io.out(l);
}

/** What the target serves, one row per skill, and the counts. */
function renderLive(io: CliIO, live: LiveView): string[] {
  const st = styleFor(io);
  const lines = [`live on ${live.target}${live.api_url ? ` (${live.api_url})` : ''}: ${live.note ?? formatSummary(live.summary)}`];
  const stateText = (a: LiveAppState): string => {
    const text = a.state.replace(/-/g, ' ');
    return a.state === 'healthy' ? st.green(text) : a.state === 'unhealthy' ? st.red(text) : text;
  };
  const rows = live.apps.map((a) => [
    a.skill,
    stateText(a),
    a.phase ?? '-',
    a.health ?? '-',
    a.inProgress ? `${a.inProgress.phase ?? 'PENDING'} ${short(a.inProgress.id)}` : '-',
    a.liveUrl ?? '-',
    a.components?.map((c) => `${a.components!.length > 1 ? `${c.name}: ` : ''}${formatResources(c)}`).join('; ') || '-',
    a.instances?.join(', ') || '-',
  ]);
  const columns = ['SKILL', 'LIVE', 'PHASE', 'HEALTH', 'IN PROGRESS', 'URL', 'RESOURCES', 'INSTANCES'].map((header) => ({ header }));
  if (rows.length) lines.push(...formatTable(columns, rows, st.bold));
  return lines;
}

interface LiveView extends LiveStatus {
  readonly apps: LiveAppWithInstances[];
  readonly target: string;
  readonly api_url?: string;
  readonly note?: string;
}

/** Asks the target; the repository's local platform is looked for, never started. */
async function askLive(
  values: { target?: string; 'api-url'?: string },
  io: CliIO,
  root: string,
  environment: CliEnvironment,
): Promise<LiveView> {
  const { skills } = await loadSkills(root);
  const apps = await Promise.all(skills.map(async (s) => ({ skill: s.name, app: await appNameInEnv(s, environment) })));
  const target = parseTargetName(values.target) ?? parseTargetName(io.env.ODOOBO_TARGET) ?? 'local';
  if (target === 'local' && !values['api-url']?.trim()) {
    const dataDir = await defaultLocalDataDir(root);
    if (!(await findLocalPlatform(dataDir))) {
      const none = apps.map((a): LiveAppState => ({ ...a, state: 'not-deployed' }));
      const summary = { healthy: 0, unhealthy: 0, deploying: 0, 'not-deployed': none.length, 'no-active-deployment': 0 };
      return { target, apps: none, summary,
        note: 'the local App Platform is not running: nothing is served (a deploy, test or logs command starts it)' };
    }
  }
  const t = await openTarget(values, io, root, { onNote: () => undefined });
  try {
    return { target: t.target, api_url: t.apiUrl, ...(await withInstances(t.client, await liveStatus(t.client, apps))) };
  } finally {
    await t.close();
  }
}

/** `--watch [seconds]`: parseArgs has no optional values, so a bare --watch becomes --watch=10. */
function normaliseWatch(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--watch') out.push(args[i]);
    else if (/^\d+(\.\d+)?$/.test(args[i + 1] ?? '')) out.push(`--watch=${args[++i]}`);
    else out.push('--watch=10');
  }
  return out;
}

export const status: CliCommand = {
  path: ['status'],
  summary: 'skills, worktrees and their last deployment, test and merge',
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({
      args: normaliseWatch(args),
      strict: true,
      allowPositionals: false,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...ENV_OPTION, export: { type: 'string' }, live: { type: 'boolean' }, watch: { type: 'string' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    const watchS = values.watch === undefined ? undefined : Number(values.watch);
    if (watchS !== undefined && !(Number.isFinite(watchS) && watchS >= 1)) {
      throw new UsageError(`--watch expects seconds (at least 1), got "${values.watch}"`);
    }
    if (watchS !== undefined && (values.json || values.export)) throw new UsageError('--watch does not go with --json or --export');
    const root = await requireRepository(await workDir(values.directory));
    const environment = await resolveEnvOption(root, values.env);
    if (watchS !== undefined) return watch(io, values, root, watchS, environment);
    try {
      let data: WorktreeStatusExport;
      let warnings: string[];
      if (values.export) {
        const r = await exportWorktreeStatus(root, path.resolve(values.directory ?? process.cwd(), values.export));
        ({ data, warnings } = r);
        (values.json ? io.err : io.out)(`wrote ${r.file}`);
      } else {
        ({ data, warnings } = await buildWorktreeStatus(root));
      }
      for (const w of warnings) io.err(`warning: ${w}`);
      const live = values.live ? await askLive(values, io, root, environment) : undefined;
      const env = values.env !== undefined ? { environment: environment.env.name } : {};
      if (values.json) printJson(io, live ? { ...data, ...env, live } : { ...data, ...env });
      else {
        render(io, data, await localPlatformRunning(root), environment);
        if (live) for (const l of renderLive(io, live)) io.out(l);
      }
      return EXIT.OK;
    } catch (e) {
      return reportFailure(io, 'status', e, values.json);
    }
  },
};

/** Cheap (no HTTP): whether the repository's local platform has an endpoint file whose pid runs. */
async function localPlatformRunning(root: string): Promise<boolean> {
  const e = await readEndpoint(await defaultLocalDataDir(root));
  return !!e && pidAlive(e.pid);
}

/** Refreshes the live view every `seconds` until Ctrl-C: in place on a terminal, plain blocks of lines otherwise. */
async function watch(
  io: CliIO,
  values: { target?: string; 'api-url'?: string },
  root: string,
  seconds: number,
  environment: CliEnvironment,
): Promise<number> {
  const tty = io.isTTY ?? process.stdout.isTTY === true;
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!ac.signal.aborted) {
      let lines: string[];
      try {
        lines = renderLive(io, await askLive(values, io, root, environment));
      } catch (e) {
        lines = [`could not ask the target: ${(e as Error).message}`];
      }
      const head = `odoobo status --watch ${seconds}: ${new Date().toLocaleTimeString()} (Ctrl-C stops)`;
      // Home and clear the screen on a terminal; plain lines (a blank line between blocks) for logs and pipes.
      if (tty) io.out(`\x1b[H\x1b[2J${head}\n${lines.join('\n')}`);
      else io.out([head, ...lines, ''].join('\n'));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        ac.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
