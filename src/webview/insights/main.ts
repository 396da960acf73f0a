/**
 * The Insights view's webview script (bundled for the browser to dist/webview/insights.js): charts drawn locally with
 * Chart.js in the theme's colours (redrawn when the theme changes), each with a table alternative behind a button,
 * and the slow deployments flagged. It posts `ready`, then `rendered` once drawn, and any CSP violation it sees.
 */
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { Metrics } from '../../core/insight/metrics';
import type { Level } from '../../core/insight/sop';
import type { InsightsData, InsightsHostMessage, InsightsWebviewMessage } from '../../vscode/insights/protocol';
import './insights.css';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend);

interface VsCodeApi {
  postMessage(message: InsightsWebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

document.addEventListener('securitypolicyviolation', (e) => {
  vscode.postMessage({ type: 'csp', directive: e.violatedDirective, blocked: e.blockedURI });
});

const app = document.getElementById('app')!;
let charts: Chart[] = [];
let current: InsightsData | undefined;

const MIN = 60_000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const SERIES: Array<[string, string]> = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-foreground', '#cccccc'],
];

/** The theme's colours, read when drawing (a theme change redraws). */
function palette() {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--vscode-foreground', '#888'),
    grid: v('--vscode-panel-border', 'rgba(128,128,128,0.3)'),
    warning: v('--vscode-charts-yellow', '#cca700'),
    critical: v('--vscode-charts-red', '#f14c4c'),
    series: SERIES.map(([name, fallback]) => v(name, fallback)),
  };
}

const minutes = (ms: number) => Math.round((ms / MIN) * 100) / 100;
const pct = (x: number | undefined) => (x === undefined ? '—' : `${Math.round(x * 1000) / 10} %`);
const dur = (ms: number | undefined) => (ms === undefined ? '—' : ms >= MIN ? `${minutes(ms)} min` : `${Math.round(ms / 100) / 10} s`);
const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
const day = (ms: number) => when(ms).slice(0, 10);

function levelCell(level: Level, text: string): HTMLTableCellElement {
  const mark = level === 'critical' ? ' (critical)' : level === 'warning' ? ' (warning)' : '';
  return el('td', level === 'ok' ? {} : { class: `level-${level}` }, `${text}${mark}`);
}

function table(id: string, caption: string, headers: string[], rows: Array<Array<HTMLTableCellElement | string>>): HTMLTableElement {
  const t = el('table', { id, hidden: '' }, el('caption', { class: 'muted' }, caption));
  t.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...r.map((c) => (typeof c === 'string' ? el('td', {}, c) : c))));
  t.append(body);
  return t;
}

/** A chart with its caption, a button that shows the table alternative, and the table. */
function figure(id: string, title: string, summary: string, config: ChartConfiguration, alt: HTMLTableElement): HTMLElement {
  const canvas = el('canvas', { role: 'img', 'aria-label': `${title}. ${summary}`, tabindex: '0', id: `${id}-chart` });
  const button = el('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': alt.id }, 'Show table');
  button.addEventListener('click', () => {
    const open = alt.hidden;
    alt.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide table' : 'Show table';
  });
  const fig = el('figure', { 'aria-labelledby': `${id}-title` }, el('figcaption', {}, el('h2', { id: `${id}-title` }, title), button));
  fig.append(el('div', { class: 'chart' }, canvas), el('p', { class: 'muted' }, summary), alt);
  charts.push(new Chart(canvas, config));
  return fig;
}

function axes(c: ReturnType<typeof palette>, yTitle: string, x: Record<string, unknown> = {}) {
  const common = { ticks: { color: c.fg }, grid: { color: c.grid } };
  return {
    x: { ...common, ...x },
    y: { ...common, beginAtZero: true, title: { display: true, text: yTitle, color: c.fg } },
  };
}

function colourOf(level: Level, c: ReturnType<typeof palette>, ok: string): string {
  return level === 'critical' ? c.critical : level === 'warning' ? c.warning : ok;
}

function deployTimeFigure(d: InsightsData, c: ReturnType<typeof palette>): HTMLElement {
  const skills = [...new Set(d.points.map((p) => p.skill))].sort();
  const xs = d.points.map((p) => p.at);
  const [x0, x1] = [Math.min(...xs, Date.parse(d.report.since)), Math.max(...xs, Date.parse(d.report.until))];
  const line = (label: string, ms: number, color: string) => ({
    type: 'line' as const, label, data: [{ x: x0, y: minutes(ms) }, { x: x1, y: minutes(ms) }], borderColor: color,
    borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5,
  });
  const datasets = [
    ...skills.map((s, i) => {
      const pts = d.points.filter((p) => p.skill === s);
      return {
        type: 'line' as const,
        label: s,
        data: pts.map((p) => ({ x: p.at, y: minutes(p.durationMs) })),
        borderColor: c.series[i % c.series.length],
        backgroundColor: c.series[i % c.series.length],
        // slow deployments stand out: larger points in the level's colour
        pointRadius: pts.map((p) => (p.level === 'ok' ? 3 : 6)),
        pointBackgroundColor: pts.map((p) => colourOf(p.level, c, c.series[i % c.series.length])),
      };
    }),
    line('10-minute line (SOP warning)', d.thresholds.deployTimeMs.warning, c.warning),
    line('15 min (critical)', d.thresholds.deployTimeMs.critical, c.critical),
  ];
  const slow = d.points.filter((p) => p.level !== 'ok').length;
  const summary = `${d.points.length} deployments of ${skills.length} skills; ${slow} over the 10-minute line.`;
  const config: ChartConfiguration = {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: axes(c, 'minutes', { type: 'linear', ticks: { color: c.fg, callback: (v: number | string) => day(Number(v)) } }),
      plugins: legend(c),
    },
  };
  const rows = d.points.map((p) => [p.skill, p.environment, when(p.at), levelCell(p.level, dur(p.durationMs)), p.outcome]);
  const alt = table('deploy-time-table', summary, ['skill', 'environment', 'at', 'took', 'outcome'], rows);
  return figure('deploy-time', 'Deploy time per skill', summary, config, alt);
}

function ratesFigure(d: InsightsData, c: ReturnType<typeof palette>): HTMLElement {
  const groups: Array<[string, Metrics]> = [['overall', d.report.overall], ...Object.entries(d.report.bySkill)];
  const labels = groups.map(([n]) => n);
  const rate = (x: number | undefined) => (x === undefined ? 0 : Math.round(x * 1000) / 10);
  const limit = (label: string, v: number, color: string) => ({
    type: 'line' as const, label, data: labels.map(() => v * 100), borderColor: color, borderDash: [6, 4], pointRadius: 0,
  });
  const datasets = [
    { type: 'bar' as const, label: 'failure rate %', data: groups.map(([, m]) => rate(m.failureRate?.value)),
      backgroundColor: c.series[0] },
    { type: 'bar' as const, label: 'rollback rate %', data: groups.map(([, m]) => rate(m.rollbackRate?.value)),
      backgroundColor: c.series[2] },
    limit('2 % (SOP warning)', d.thresholds.failureRate.warning, c.warning),
    limit('5 % (critical)', d.thresholds.failureRate.critical, c.critical),
  ];
  const o = d.report.overall;
  const summary =
    `Overall: ${pct(o.successRate?.value)} succeeded (goal ≥ 98 %), ${pct(o.rollbackRate?.value)} rolled back (goal < 2 %).`;
  const config: ChartConfiguration = {
    type: 'bar',
    data: { labels, datasets },
    options: { animation: false, maintainAspectRatio: false, scales: axes(c, '%'), plugins: legend(c) },
  };
  const rows = groups.map(([n, m]) => [
    n, String(m.deploys), levelCell(m.failureRate?.level ?? 'ok', pct(m.failureRate?.value)),
    levelCell(m.rollbackRate?.level ?? 'ok', pct(m.rollbackRate?.value)), dur(m.mttrMs), m.level,
  ]);
  const alt = table('rates-table', summary, ['', 'deploys', 'failure rate', 'rollback rate', 'MTTR', 'level'], rows);
  return figure('rates', 'Success and rollback rates', summary, config, alt);
}

function stagesFigure(d: InsightsData, c: ReturnType<typeof palette>): HTMLElement {
  const stages = d.report.overall.stages;
  const s = (ms: number | undefined) => (ms === undefined ? 0 : Math.round(ms / 100) / 10);
  const datasets = [
    { label: 'median (s)', data: stages.map((x) => s(x.medianMs)), backgroundColor: stages.map((x) => colourOf(x.level, c, c.series[0])) },
    { label: 'SOP budget (s)', data: stages.map((x) => s(x.budgetMs)), backgroundColor: c.grid },
  ];
  const over = stages.filter((x) => x.level !== 'ok').map((x) => x.stage);
  const summary = over.length ? `Over budget: ${over.join(', ')}.` : 'Every stage is within its SOP budget.';
  const config: ChartConfiguration = {
    type: 'bar',
    data: { labels: stages.map((x) => x.stage), datasets },
    options: {
      indexAxis: 'y', animation: false, maintainAspectRatio: false, scales: axes(c, ''), plugins: legend(c),
    },
  };
  const rows = stages.map((x) => [x.stage, `< ${dur(x.budgetMs)}`, levelCell(x.level, dur(x.medianMs)), String(x.count)]);
  const alt = table('stages-table', summary, ['stage', 'budget', 'median', 'runs'], rows);
  return figure('stages', 'Stage times against the SOP table', summary, config, alt);
}

const window_ = (r: InsightsData['report']) => `${r.since.slice(0, 10)} to ${r.until.slice(0, 10)}`;
const legend = (c: ReturnType<typeof palette>) => ({ legend: { labels: { color: c.fg } } });

function render(): void {
  for (const ch of charts) ch.destroy();
  charts = [];
  app.replaceChildren();
  app.removeAttribute('aria-busy');
  const d = current;
  if (!d) return;
  const c = palette();
  const r = d.report;
  const refresh = el('button', { type: 'button' }, 'Refresh');
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  app.append(
    el('h1', {}, 'Deployment insights'),
    el('p', { class: 'muted' }, `${d.repository} · ${window_(r)} · ${r.overall.deploys} deployments · level ${r.overall.level}`),
    refresh,
  );
  if (d.skipped) app.append(el('p', { class: 'level-warning' }, `${d.skipped} history line(s) could not be read and were skipped.`));
  app.append(deployTimeFigure(d, c), ratesFigure(d, c), stagesFigure(d, c));
  if (r.slow.length) {
    const rows = r.slow.map((x) => [
      x.skill, x.environment, x.at.replace('T', ' ').slice(0, 16), levelCell(x.level, dur(x.durationMs)),
      x.stagesOver.map((o) => `${o.stage} ${dur(o.durationMs)} (budget ${dur(o.budgetMs)})`).join(', ') || '—',
    ]);
    const caption = 'Deployments over 10 minutes or with a stage over its budget';
    const t = table('slow-table', caption, ['skill', 'environment', 'at', 'took', 'over budget'], rows);
    t.hidden = false;
    app.append(el('h2', {}, 'Slow deployments'), t);
  }
  vscode.postMessage({ type: 'rendered', charts: charts.length, tables: app.querySelectorAll('table').length });
}

window.addEventListener('message', (e: MessageEvent<InsightsHostMessage>) => {
  const m = e.data;
  if (m?.type === 'insights') {
    current = m.data;
    render();
  } else if (m?.type === 'error') {
    app.replaceChildren(el('p', { class: 'error' }, m.message));
    app.removeAttribute('aria-busy');
  }
});

// A theme change (body class vscode-light / vscode-dark / vscode-high-contrast) redraws in its colours.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });
