import { parseArgs } from 'node:util';
import { EnvironmentError, loadEnvironments } from '../../core/environments';
import { gitCommonDir } from '../../core/git/git';
import { loadHistory } from '../../core/history/read';
import { historyOptionsFromEnv } from '../../core/history/store';
import { buildReport, type InsightReport, type Metrics, type Rated } from '../../core/insight/metrics';
import type { Level } from '../../core/insight/sop';
import { DEFAULT_WINDOW, parseSince } from '../../core/insight/window';
import { formatDuration } from '../../core/util/timeText';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { styleFor, type Style } from '../ui/style';
import { formatTable, type Column } from '../ui/table';
import { COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, printJson, reportFailure, requireRepository, workDir } from './common';

const HELP = `Usage: odoobo report [options]

Adds up the deployment history (<git-common-dir>/odoobo/history.jsonl; a repository with only an old status file
reads as the history of its last deployments) into SOP-DEPLOY-001's success metrics, overall, per environment and
per skill: success rate (goal ≥ 98 %), rollback rate (< 2 %), median and p90 deployment time (< 10 min), each
stage's median against the SOP's stage table, mean time to recovery and deploys per day. Each figure gets its level:
ok, warning (failure or rollback rate > 2 %, deployment time > 10 min, a stage over its budget) or critical
(> 5 %, > 15 min). Deployments over 10 minutes, or with a stage over its budget, are listed.

Options:
  --env <name>                   only this environment's deployments (infra/environments.yaml)
  --since <30d|12h|2w|date>      the window: back from now, or from a date (default ${DEFAULT_WINDOW})
  --format <table|markdown>      a terminal table (default) or markdown, e.g. for a CI job summary
${DIR_HELP}
  --json                         print the report as one JSON document
${HELP_HELP}

JSON: {"command":"report","ok","exitCode","since","until","environment","overall":{"deploys","succeeded","failed",
"rolledBack","canceled","rollbacks","successRate":{"value","level"},"failureRate","rollbackRate","medianDeployMs",
"p90DeployMs","stages":[{"stage","budgetMs","count","medianMs","level"}],"mttrMs","recoveries","unrecovered",
"deploysPerDay","level"},"byEnvironment":{…},"bySkill":{…},"slow":[{"skill","environment","at","durationMs","level",
"stagesOver"}],"skippedLines"}

${exitCodesHelp('the history could not be read', { target: false })}
`;

const pct = (r: Rated | undefined) => (r ? `${(r.value * 100).toFixed(1).replace(/\.0$/, '')} %` : '—');
const dur = (ms: number | undefined) => (ms === undefined ? '—' : formatDuration(Math.round(ms)));

interface Cells {
  level: (l: Level, text: string) => string;
}

function terminalCells(s: Style): Cells {
  return { level: (l, text) => (l === 'critical' ? s.red(`${text} ✗`) : l === 'warning' ? s.yellow(`${text} !`) : text) };
}

const MARK: Record<Level, string> = { ok: '', warning: ' ⚠️', critical: ' ❌' };
const markdownCells: Cells = { level: (l, text) => `${text}${MARK[l]}` };

const METRIC_COLUMNS: Column[] = [
  { header: '' },
  { header: 'deploys', align: 'right' },
  { header: 'success', align: 'right' },
  { header: 'rollbacks', align: 'right' },
  { header: 'median', align: 'right' },
  { header: 'p90', align: 'right' },
  { header: 'MTTR', align: 'right' },
  { header: 'per day', align: 'right' },
  { header: 'level' },
];

function metricRow(name: string, m: Metrics, c: Cells): string[] {
  const rated = (r: Rated | undefined, text: string) => (r ? c.level(r.level, text) : text);
  return [
    name,
    String(m.deploys),
    rated(m.successRate, pct(m.successRate)),
    rated(m.rollbackRate, pct(m.rollbackRate)),
    rated(m.medianDeployMs, dur(m.medianDeployMs?.value)),
    rated(m.p90DeployMs, dur(m.p90DeployMs?.value)),
    dur(m.mttrMs),
    m.deploysPerDay.toFixed(2),
    m.level,
  ];
}

interface Section {
  title: string;
  columns: Column[];
  rows: string[][];
}

function sections(r: InsightReport, c: Cells): Section[] {
  const out: Section[] = [];
  const rows = [
    metricRow('overall', r.overall, c),
    ...Object.entries(r.byEnvironment).map(([k, m]) => metricRow(`env ${k}`, m, c)),
    ...Object.entries(r.bySkill).map(([k, m]) => metricRow(k, m, c)),
  ];
  out.push({ title: 'Success metrics', columns: METRIC_COLUMNS, rows });
  const stageColumns: Column[] = [{ header: 'stage' }, { header: 'SOP budget', align: 'right' }, { header: 'median', align: 'right' }, {
    header: 'runs',
    align: 'right',
  }];
  const stageRows = r.overall.stages.map((s) => [s.stage, `< ${dur(s.budgetMs)}`, c.level(s.level, dur(s.medianMs)), String(s.count)]);
  out.push({ title: 'Stage times (median, all deploys)', columns: stageColumns, rows: stageRows });
  if (r.slow.length) {
    const slowColumns: Column[] = [{ header: 'skill' }, { header: 'environment' }, { header: 'at' }, { header: 'took', align: 'right' }, {
      header: 'over budget',
    }];
    const slowRows = r.slow.map((s) => [
      s.skill,
      s.environment,
      s.at.replace('T', ' ').slice(0, 16),
      c.level(s.level, dur(s.durationMs)),
      s.stagesOver.map((x) => `${x.stage} ${dur(x.durationMs)} (< ${dur(x.budgetMs)})`).join(', '),
    ]);
    out.push({ title: 'Slow deployments', columns: slowColumns, rows: slowRows });
  }
  return out;
}

function heading(r: InsightReport): string {
  const days = Math.round((Date.parse(r.until) - Date.parse(r.since)) / 86_400_000);
  const which = r.environment ? `environment ${r.environment}` : 'all environments';
  return `Deployments from ${r.since.slice(0, 10)} to ${r.until.slice(0, 10)} (${days} d), ${which}`;
}

function printTable(io: CliIO, r: InsightReport): void {
  const s = styleFor(io);
  io.out(s.bold(heading(r)));
  if (!r.overall.deploys) {
    io.out('No deployments in this window.');
    return;
  }
  for (const sec of sections(r, terminalCells(s))) {
    io.out('');
    io.out(s.bold(sec.title));
    for (const l of formatTable(sec.columns, sec.rows, s.dim)) io.out(l);
  }
}

const mdCell = (t: string) => t.replace(/\|/g, '\\|');

function printMarkdown(io: CliIO, r: InsightReport): void {
  io.out(`## ${heading(r)}`);
  if (!r.overall.deploys) {
    io.out('');
    io.out('No deployments in this window.');
    return;
  }
  for (const sec of sections(r, markdownCells)) {
    io.out('');
    io.out(`### ${sec.title}`);
    io.out('');
    io.out(`| ${sec.columns.map((c) => mdCell(c.header) || ' ').join(' | ')} |`);
    io.out(`|${sec.columns.map((c) => (c.align === 'right' ? '---:' : '---')).join('|')}|`);
    for (const row of sec.rows) io.out(`| ${row.map(mdCell).join(' | ')} |`);
  }
}

export const report: CliCommand = {
  path: ['report'],
  summary: 'the SOP success metrics of the deployment history',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { ...COMMON_OPTIONS, env: { type: 'string' }, since: { type: 'string' }, format: { type: 'string' } },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length) throw new UsageError('odoobo report takes no skill names');
    const format = values.format ?? 'table';
    if (format !== 'table' && format !== 'markdown') throw new UsageError(`--format expects table or markdown, got "${format}"`);
    let since: Date;
    try {
      since = parseSince(values.since ?? DEFAULT_WINDOW);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const root = await requireRepository(await workDir(values.directory));
    let defaultName: string;
    try {
      const envs = await loadEnvironments(root);
      if (values.env) envs.get(values.env);
      defaultName = envs.defaultName;
    } catch (e) {
      if (e instanceof EnvironmentError) throw new UsageError(e.message);
      throw e;
    }
    try {
      const common = await gitCommonDir(root);
      if (!common) throw new UsageError(`${root} has no git directory`);
      const history = await loadHistory(common, defaultName, historyOptionsFromEnv(io.env));
      if (history.skipped) io.err(`warning: ${history.skipped} line(s) of the history could not be read and were skipped`);
      if (history.statusProblem) io.err(`warning: the status file could not be read: ${history.statusProblem}`);
      const r = buildReport(history.records, { since, ...(values.env ? { environment: values.env } : {}) });
      if (values.json) printJson(io, { command: 'report', ok: true, exitCode: EXIT.OK, ...r, skippedLines: history.skipped });
      else if (format === 'markdown') printMarkdown(io, r);
      else printTable(io, r);
      return EXIT.OK;
    } catch (e) {
      return reportFailure(io, 'report', e, values.json);
    }
  },
};
