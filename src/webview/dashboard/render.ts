/**
 * The dashboard's DOM: the skills table (one row per skill, an optional detail row under it) and the history of the
 * selected skill. Pure builders: state in, elements out; main.ts owns events and messages.
 */
import type {
  ActionKind,
  EnvironmentInfo,
  HistoryEntry,
  HistoryMessage,
  ProgressStep,
  RowPhase,
  SkillRow,
  TimelineStep,
  UiState,
} from '../../vscode/dashboard/protocol';
import { h, type Child } from './dom';
import { formatAgo, formatDuration, shortCause, shortCommit } from './format';

export const COLUMNS = ['Skill', 'Phase', 'Progress', 'Health', 'Live URL', 'Commit', 'Smoke test', 'Actions'] as const;

const PHASES: Record<RowPhase, { icon: string; label: string }> = {
  deploying: { icon: 'loading', label: 'Deploying' },
  active: { icon: 'pass-filled', label: 'Active' },
  failed: { icon: 'error', label: 'Failed' },
  canceled: { icon: 'circle-slash', label: 'Canceled' },
  'not-deployed': { icon: 'circle-large-outline', label: 'Not deployed' },
};

const STEP_ICONS: Record<TimelineStep['status'], string> = {
  pending: 'circle-large-outline',
  running: 'loading',
  succeeded: 'pass',
  failed: 'error',
  skipped: 'debug-step-over',
  canceled: 'circle-slash',
};

const ACTIONS: { kind: Exclude<ActionKind, 'openUrl'>; icon: string; label: string }[] = [
  { kind: 'deploy', icon: 'cloud-upload', label: 'Deploy' },
  { kind: 'cancel', icon: 'debug-stop', label: 'Cancel deployment' },
  { kind: 'test', icon: 'beaker', label: 'Run smoke tests' },
  { kind: 'rollback', icon: 'history', label: 'Roll back…' },
  { kind: 'logs', icon: 'output', label: 'Show logs' },
];

export function icon(name: string, cls = ''): HTMLElement {
  return h('vscode-icon', { name, class: `icon ${cls}`.trim(), spin: name === 'loading' });
}

const muted = (text: string): HTMLElement => h('span', { class: 'muted' }, text);
const none = (): HTMLElement => h('span', { class: 'muted', 'aria-label': 'none' }, '—');

// ------------------------------------------------------------------------------------------------------------------
// Header

export function header(target: 'local' | 'digitalocean', trusted: boolean, rows: readonly SkillRow[], env?: EnvironmentInfo): HTMLElement {
  return h(
    'header',
    { class: 'toolbar' },
    h('h1', {}, 'Deployments'),
    h('vscode-badge', { title: 'odoobo.target' }, target === 'local' ? 'Local App Platform' : 'DigitalOcean'),
    env && environmentSwitch(env),
    h('span', { class: 'counts', id: 'counts', 'aria-live': 'polite' }, counts(rows)),
    !trusted && h('span', { class: 'untrusted' }, icon('shield'), ' Restricted mode: deploying, testing and rolling back are disabled'),
  );
}

/** The editor's environment (the rows are its apps); a click asks for another one (odoobo.chooseEnvironment). */
function environmentSwitch(env: EnvironmentInfo): HTMLElement {
  const others = env.all.filter((e) => e !== env.current);
  const title = `odoobo.environment: the rows are ${env.current}'s apps${others.length ? `; switch to ${others.join(', ')}` : ''}`;
  return h(
    'vscode-button',
    {
      class: 'env-switch',
      secondary: true,
      icon: 'server-environment',
      title,
      'aria-label': `Environment ${env.current}: choose another`,
      'data-env': env.current,
      'data-key': 'env',
    },
    `Environment: ${env.current}${env.requiresApproval ? ' · approval required' : ''}`,
  );
}

export function counts(rows: readonly SkillRow[]): string {
  const n = (p: RowPhase) => rows.filter((r) => r.phase === p && !r.servingPrevious).length;
  const previous = rows.filter((r) => r.servingPrevious).length;
  const parts = [`${rows.length} skill${rows.length === 1 ? '' : 's'}`, `${n('active')} active`];
  if (previous) parts.push(`${previous} serving the previous deployment`);
  if (n('deploying')) parts.push(`${n('deploying')} deploying`);
  if (n('failed')) parts.push(`${n('failed')} failed`);
  return parts.join(' · ');
}

// ------------------------------------------------------------------------------------------------------------------
// Skills table

export function skillsTable(rows: readonly SkillRow[], ui: UiState): HTMLTableElement {
  const body = h('tbody', { id: 'skills-body' });
  for (const r of rows) body.append(...skillRows(r, ui));
  return h(
    'table',
    { class: 'skills', 'aria-label': 'Skills and their deployments', 'aria-describedby': 'keys-help' },
    h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col', class: `c-${slug(c)}` }, c)))),
    body,
  );
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z]+/g, '-');

/** The skill's row, and its detail row when expanded. */
export function skillRows(r: SkillRow, ui: UiState): HTMLTableRowElement[] {
  const expanded = ui.expanded.includes(r.skill);
  const selected = ui.selected === r.skill;
  const tr = h(
    'tr',
    {
      class: `skill-row phase-${r.phase}${r.servingPrevious ? ' serving-previous' : ''}`,
      tabindex: 0,
      'data-skill': r.skill,
      'data-key': `row:${r.skill}`,
      'aria-selected': String(selected),
      'aria-expanded': String(expanded),
      'aria-label': `${r.skill}: ${phaseLabel(r)}${phaseDetail(r) ? `, ${phaseDetail(r)}` : ''}`,
    },
    h(
      'td',
      { class: 'c-skill' },
      h(
        'span',
        { class: 'skill-cell' },
        h(
          'span',
          { class: 'twisty', 'data-toggle': r.skill, 'aria-hidden': 'true' },
          h('span', { class: `codicon codicon-chevron-${expanded ? 'down' : 'right'}` }),
        ),
        h('span', { class: 'skill-name' }, r.skill),
      ),
    ),
    h('td', { class: 'c-phase' }, ...phaseCell(r)),
    h('td', { class: 'c-progress' }, timelineBar(r.steps, r.durationMs)),
    h('td', { class: `c-health health-${r.health.status}`, title: r.health.message }, ...healthCell(r)),
    h('td', { class: 'c-live-url' }, r.liveUrl ? liveUrl(r.skill, r.liveUrl) : none()),
    h('td', { class: 'c-commit' }, r.commit ? h('code', { title: r.commit }, shortCommit(r.commit)) : none()),
    h('td', { class: 'c-smoke-test' }, smokeCell(r)),
    h('td', { class: 'c-actions' }, h('div', { class: 'actions' }, ...ACTIONS.map((a) => actionButton(r, a)))),
  );
  return expanded ? [tr, detailRow(r)] : [tr];
}

/** `Serving previous` when the attempt failed but the earlier deployment still serves; the attempt goes below it. */
function phaseLabel(r: SkillRow): string {
  return r.servingPrevious ? 'Serving previous' : PHASES[r.phase].label;
}

/** Under the phase: `last deploy failed · BUILD_FAILED at monitor` while the previous one serves, else the detail. */
function phaseDetail(r: SkillRow): string | undefined {
  if (!r.servingPrevious) return r.detail;
  return [`last deploy ${r.phase === 'canceled' ? 'canceled' : 'failed'}`, r.detail].filter(Boolean).join(' · ');
}

function phaseCell(r: SkillRow): Child[] {
  const name = r.servingPrevious ? 'warning' : PHASES[r.phase].icon;
  const text = phaseDetail(r);
  const detail = text && h('div', { class: 'detail muted', title: text }, text);
  return [h('span', { class: 'phase' }, icon(name, `phase-icon`), h('span', {}, phaseLabel(r))), detail];
}

function healthCell(r: SkillRow): Child[] {
  const icons = { healthy: 'heart', unhealthy: 'warning', unknown: 'question' } as const;
  const status = h(
    'span',
    { class: 'health' },
    icon(icons[r.health.status]),
    h('span', {}, r.health.status === 'unknown' ? 'Unknown' : r.health.status === 'healthy' ? 'Healthy' : 'Unhealthy'),
  );
  const res = r.resources;
  if (!res) return [status];
  const pct = (n: number | undefined) => (n === undefined ? '–' : `${Math.round(n)}%`);
  // Separate pieces that wrap: the column stays as narrow as its widest word (the table fits 1280 px).
  const figures = [`cpu ${pct(res.cpu)}`, `mem ${pct(res.mem)}`, `${res.ready}/${res.desired} ready`].map((t) => h('span', {}, t));
  const label = `CPU ${pct(res.cpu)}, memory ${pct(res.mem)}, ${res.ready} of ${res.desired} replicas ready`;
  return [status, h('div', { class: 'resources muted', title: label, 'aria-label': label }, cpuSparkline(res.cpuHistory), ...figures)];
}

const SVG = 'http://www.w3.org/2000/svg';

/** The CPU of the last minutes as a line, 0–100 % bottom to top: a picture of the trend, the figures beside it. */
function cpuSparkline(values: readonly number[]): Child {
  if (values.length < 2) return undefined;
  const width = 40;
  const height = 12;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(SVG, 'polyline');
  const step = width / (values.length - 1);
  line.setAttribute('points', values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / 100) * height).toFixed(1)}`).join(' '));
  svg.append(line);
  return svg;
}

function liveUrl(skill: string, url: string): HTMLElement {
  let label = url;
  try {
    label = new URL(url).host;
  } catch {
    /* keep the URL */
  }
  // a long host wraps after its dots and before its port, not in the middle of a word
  const parts = label.split(/(?<=\.)|(?=:)/).flatMap((part, i) => (i ? [h('wbr', {}), part] : [part]));
  return h('a', { href: url, 'data-act': 'openUrl', 'data-skill': skill, 'data-key': `url:${skill}`, title: `Open ${url}` }, ...parts);
}

function smokeCell(r: SkillRow): Child {
  const s = r.smoke;
  if (!s) return none();
  const title = s.failures.length ? s.failures.join('\n') : `${s.passedChecks} of ${s.totalChecks} checks passed`;
  return h(
    'span',
    { class: `smoke ${s.passed ? 'passed' : 'failed'}`, title },
    icon(s.passed ? 'pass' : 'error'),
    h('span', {}, `${s.passedChecks}/${s.totalChecks} ${s.passed ? 'passed' : 'failed'}`),
    s.at !== undefined && muted(`· ${formatAgo(s.at)}`),
  );
}

function actionButton(r: SkillRow, a: (typeof ACTIONS)[number]): HTMLElement {
  const label = `${a.label} ${r.skill}`;
  return h('vscode-button', {
    icon: a.icon,
    'icon-only': true,
    secondary: true,
    disabled: !r.actions[a.kind],
    'aria-label': label,
    title: label,
    'data-act': a.kind,
    'data-skill': r.skill,
    'data-key': `act:${r.skill}:${a.kind}`,
  });
}

/** The procedure's steps as one bar: a segment per step, as wide as it took. */
export function timelineBar(steps: readonly TimelineStep[], total: number | undefined): Child {
  if (steps.length === 0) return none();
  const described = steps
    .map((s) => `${s.name} ${s.status}${s.durationMs !== undefined ? ` ${formatDuration(s.durationMs)}` : ''}`)
    .join(', ');
  const bar = h('div', { class: 'timeline', role: 'img', 'aria-label': described });
  for (const s of steps) {
    const seg = h('span', {
      class: `seg s-${s.status}`,
      title: `${s.name} · ${s.status}${s.durationMs !== undefined ? ` · ${formatDuration(s.durationMs)}` : ''}`,
    });
    // Proportional to the time taken; steps without a time (or very quick) keep a sliver so that each stays visible.
    seg.style.flexGrow = String(Math.max(s.durationMs ?? 0, total ? total / 60 : 1));
    bar.append(seg);
  }
  return h('div', { class: 'progress' }, bar, total !== undefined && h('span', { class: 'total muted' }, formatDuration(total)));
}

function detailRow(r: SkillRow): HTMLTableRowElement {
  const steps = h('ol', { class: 'steps', 'aria-label': `Deployment steps of ${r.skill}` });
  for (const s of r.steps) {
    steps.append(
      h(
        'li',
        { class: `s-${s.status}`, title: s.message },
        icon(STEP_ICONS[s.status]),
        h('span', { class: 'step-name' }, s.name),
        h('span', { class: 'muted' }, s.status),
        s.durationMs !== undefined && h('span', { class: 'duration' }, formatDuration(s.durationMs)),
      ),
    );
  }
  return h(
    'tr',
    { class: 'detail-row', 'data-detail': r.skill },
    h(
      'td',
      { colspan: COLUMNS.length },
      h(
        'div',
        { class: 'detail-body' },
        r.steps.length ? steps : muted('No deployment steps recorded in this session: select the skill to see its history.'),
        r.error &&
          h(
            'div',
            { class: 'error-box', role: 'note' },
            icon('error'),
            h(
              'div',
              {},
              h('strong', {}, `${r.error.code} at ${r.error.step}`),
              h('div', {}, r.error.message),
              h('div', { class: 'muted' }, r.error.mitigation),
            ),
          ),
        r.smoke?.failures.length
          ? h('ul', { class: 'failures', 'aria-label': 'Smoke test failures' }, ...r.smoke.failures.map((f) => h('li', {}, f)))
          : null,
        r.deploymentId &&
          h('div', { class: 'muted' }, `Deployment ${r.deploymentId}${r.at ? ` · ${new Date(r.at).toLocaleString()}` : ''}`),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------------------------------------------
// History

export function historySection(ui: UiState, history: HistoryMessage | undefined): HTMLElement {
  const section = h('section', { class: 'history', id: 'history', 'aria-labelledby': 'history-title' });
  const skill = ui.selected;
  if (!skill) {
    section.append(
      h('h2', { id: 'history-title' }, 'History'),
      muted('Select a skill (click it, or Enter on its row) to see its deployments.'),
    );
    return section;
  }
  const loading = !history || history.status === 'loading';
  section.append(
    h(
      'div',
      { class: 'section-header' },
      h('h2', { id: 'history-title' }, `History · ${skill}`),
      h('vscode-button', {
        icon: 'refresh',
        'icon-only': true,
        secondary: true,
        'aria-label': `Refresh the history of ${skill}`,
        title: 'Refresh',
        'data-refresh': skill,
        'data-key': 'history:refresh',
      }),
      loading && h('vscode-progress-ring', { class: 'ring', 'aria-label': `Loading the history of ${skill}` }),
      history?.fetchedAt !== undefined && !loading && muted(`fetched ${formatAgo(history.fetchedAt)}`),
    ),
  );
  if (history?.status === 'error') {
    section.append(
      h(
        'div',
        { class: 'error-row', role: 'alert' },
        icon('error'),
        h('span', {}, `Could not read the history: ${history.error ?? 'unknown error'}`),
      ),
    );
    return section;
  }
  const entries = history?.entries ?? [];
  if (entries.length === 0) {
    if (!loading) section.append(muted(`No deployments of ${skill} on this target yet.`));
    return section;
  }
  const chosen = entries.find((e) => e.id === ui.deployment) ?? entries[0];
  section.append(historyTable(entries, chosen.id), progressTimeline(chosen));
  return section;
}

function historyTable(entries: readonly HistoryEntry[], chosen: string): HTMLTableElement {
  return h(
    'table',
    { class: 'deployments', 'aria-label': 'Deployments, newest first' },
    h('thead', {}, h('tr', {}, ...['Phase', 'Cause', 'Created', 'Duration', 'Commit'].map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...entries.map((e) =>
        h(
          'tr',
          {
            class: `dep-row dep-${e.phase.toLowerCase()}`,
            tabindex: 0,
            'data-dep': e.id,
            'data-key': `dep:${e.id}`,
            'aria-selected': String(e.id === chosen),
            'aria-label': `${e.phase} deployment ${e.id}`,
          },
          h('td', {}, icon(depIcon(e.phase)), ` ${e.phase}`),
          h('td', { title: e.cause ?? '' }, e.cause ? shortCause(e.cause) : none()),
          h('td', { title: e.createdAt ?? '' }, e.createdAt ? formatAgo(Date.parse(e.createdAt)) : none()),
          h('td', {}, e.durationMs !== undefined ? formatDuration(e.durationMs) : none()),
          h('td', {}, e.commit ? h('code', { title: e.commit }, shortCommit(e.commit)) : none()),
        ),
      ),
    ),
  );
}

function depIcon(phase: string): string {
  if (phase === 'ACTIVE') return 'pass-filled';
  if (phase === 'SUPERSEDED') return 'pass';
  if (phase === 'ERROR') return 'error';
  if (phase === 'CANCELED') return 'circle-slash';
  return 'loading';
}

/** The selected deployment's App Platform progress steps on one time axis, with their durations. */
function progressTimeline(e: HistoryEntry): HTMLElement {
  const end = Math.max(1, ...e.steps.map((s) => (s.offsetMs ?? 0) + (s.durationMs ?? 0)));
  const list = h('ol', { class: 'gantt', 'aria-label': `Progress steps of deployment ${e.id}` });
  for (const s of e.steps) list.append(ganttRow(s, end));
  return h(
    'div',
    { class: 'deployment-steps' },
    h('h3', {}, `Deployment ${e.id.slice(0, 8)} · ${e.phase}${e.durationMs !== undefined ? ` · ${formatDuration(e.durationMs)}` : ''}`),
    e.steps.length ? list : muted('App Platform reported no progress steps for this deployment.'),
  );
}

function ganttRow(s: ProgressStep, end: number): HTMLElement {
  const bar = h('span', { class: `bar st-${s.status.toLowerCase()}` });
  if (s.durationMs !== undefined && s.offsetMs !== undefined) {
    bar.style.marginLeft = `${(s.offsetMs / end) * 100}%`;
    bar.style.width = `${Math.max(0.5, (s.durationMs / end) * 100)}%`;
  } else bar.classList.add('no-time');
  const name = h('span', { class: 'name', title: s.reason ?? s.name }, s.name);
  name.style.paddingInlineStart = `${s.depth * 14}px`;
  return h(
    'li',
    { class: `gantt-row st-${s.status.toLowerCase()}` },
    name,
    h('span', { class: 'track' }, bar),
    h('span', { class: 'duration' }, s.durationMs !== undefined ? formatDuration(s.durationMs) : ''),
    h('span', { class: 'status muted' }, s.status),
    s.reason && h('span', { class: 'reason' }, s.reason),
  );
}

export const KEYS_HELP =
  'Keys: ↑/↓ move between skills, Enter or Space selects a skill and shows its steps, ' +
  '→/← expand or collapse, Tab reaches the actions.';
