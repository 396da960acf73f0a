/**
 * The deployment dashboard's webview script (bundled for the browser to dist/webview/dashboard.js). It validates every
 * message from the host, posts `ready` when it (re)loads, and keeps its own UI state with setState so that hiding the
 * panel, or reloading VS Code, brings back the same selection, expanded rows and scroll position.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import './dashboard.css';
import {
  ACTION_KINDS,
  parseHostMessage,
  readUiState,
  type HistoryMessage,
  type HostMessage,
  type SkillRow,
  type StateMessage,
  type UiState,
  type WebviewMessage,
} from '../../vscode/dashboard/protocol';
import { focusKey, h, replaceKeepingFocus } from './dom';
import { counts, header, historySection, KEYS_HELP, skillRows, skillsTable } from './render';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: UiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
const saved = vscode.getState();
/** Our own saved state wins over the host's copy (the host only learns the selection). */
let ui: UiState = readUiState(saved);
let hasOwnState = saved !== undefined && saved !== null;
let view: Omit<StateMessage, 'type' | 'ui' | 'rows'> & { rows: Map<string, SkillRow> } | undefined;
const histories = new Map<string, HistoryMessage>();
let firstRender = true;

const send = (m: WebviewMessage): void => vscode.postMessage(m);
const save = (): void => vscode.setState(ui);

function setUi(next: Partial<UiState>): void {
  ui = { ...ui, ...next };
  save();
}

// ------------------------------------------------------------------------------------------------------------------
// Rendering

function rows(): SkillRow[] {
  return view ? [...view.rows.values()] : [];
}

function renderAll(): void {
  if (!view) return;
  app.removeAttribute('aria-busy');
  replaceKeepingFocus(
    app,
    header(view.target, view.trusted, rows(), view.environment),
    rows().length ? skillsTable(rows(), ui) : h('p', { class: 'muted' }, 'No skills in this workspace.'),
    h('p', { class: 'keys muted', id: 'keys-help' }, KEYS_HELP),
    historySection(ui, ui.selected ? histories.get(ui.selected) : undefined),
  );
}

/** Re-renders one skill's rows in place (keeping focus) and the counts. */
function renderRow(skill: string): void {
  const row = view?.rows.get(skill);
  const tr = document.querySelector(`tr.skill-row[data-skill="${CSS.escape(skill)}"]`);
  if (!row || !tr) return renderAll();
  const detail = tr.nextElementSibling?.matches('tr.detail-row') ? tr.nextElementSibling : undefined;
  const focused =
    document.activeElement instanceof HTMLElement && (tr.contains(document.activeElement) || !!detail?.contains(document.activeElement))
      ? document.activeElement.dataset.key
      : undefined;
  detail?.remove();
  tr.replaceWith(...skillRows(row, ui));
  if (focused) focusKey(focused);
  const c = document.getElementById('counts');
  if (c) c.textContent = counts(rows());
}

function renderHistory(): void {
  const section = document.getElementById('history');
  if (!section) return renderAll();
  const fresh = historySection(ui, ui.selected ? histories.get(ui.selected) : undefined);
  replaceKeepingFocus(section, ...Array.from(fresh.childNodes));
}

// ------------------------------------------------------------------------------------------------------------------
// Messages from the host

function onState(m: StateMessage): void {
  if (!hasOwnState && m.ui) ui = m.ui;
  hasOwnState = true;
  view = { target: m.target, trusted: m.trusted, environment: m.environment, rows: new Map(m.rows.map((r) => [r.skill, r])) };
  const known = (s: string) => view!.rows.has(s);
  setUi({ selected: ui.selected && known(ui.selected) ? ui.selected : undefined, expanded: ui.expanded.filter(known) });
  renderAll();
  if (firstRender) {
    firstRender = false;
    window.scrollTo(0, ui.scrollY);
    if (ui.selected) {
      send({ type: 'select', skill: ui.selected });
      send({ type: 'requestHistory', skill: ui.selected });
    }
  }
}

function onMessage(m: HostMessage): void {
  switch (m.type) {
    case 'state':
      return onState(m);
    case 'rows':
      if (!view) return;
      for (const r of m.rows) {
        const isNew = !view.rows.has(r.skill);
        view.rows.set(r.skill, r);
        if (isNew) renderAll();
        else renderRow(r.skill);
      }
      return;
    case 'history': {
      // While a refresh loads, keep showing what was there.
      const previous = histories.get(m.skill);
      histories.set(m.skill, m.status === 'loading' && previous ? { ...previous, status: 'loading' } : m);
      if (m.skill === ui.selected) renderHistory();
      return;
    }
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = parseHostMessage(event.data);
  if (!parsed.ok) {
    console.warn(`odoobo dashboard: dropped an invalid message: ${parsed.error}`);
    return;
  }
  onMessage(parsed.message);
});

// ------------------------------------------------------------------------------------------------------------------
// User input

function select(skill: string): void {
  if (ui.selected !== skill) setUi({ selected: skill, deployment: undefined });
  send({ type: 'select', skill });
  send({ type: 'requestHistory', skill });
  for (const tr of Array.from(document.querySelectorAll('tr.skill-row')))
    tr.setAttribute('aria-selected', String(tr.getAttribute('data-skill') === skill));
  renderHistory();
}

function toggle(skill: string, open = !ui.expanded.includes(skill)): void {
  if (open === ui.expanded.includes(skill)) return;
  setUi({ expanded: open ? [...ui.expanded, skill] : ui.expanded.filter((s) => s !== skill) });
  renderRow(skill);
}

function chooseDeployment(id: string): void {
  setUi({ deployment: id });
  renderHistory();
  focusKey(`dep:${id}`);
}

app.addEventListener('click', (e) => {
  const target = e.target instanceof Element ? e.target : undefined;
  if (!target) return;
  if (target.closest('[data-env]')) {
    e.preventDefault();
    return send({ type: 'chooseEnvironment' });
  }
  const control = target.closest<HTMLElement>('[data-act], [data-refresh]');
  if (control) {
    e.preventDefault();
    if (control.hasAttribute('disabled')) return;
    const skill = control.dataset.skill ?? control.dataset.refresh;
    if (!skill) return;
    const kind = ACTION_KINDS.find((k) => k === control.dataset.act);
    if (control.dataset.refresh) send({ type: 'requestHistory', skill, refresh: true });
    else if (kind) send({ type: 'action', kind, skill });
    return;
  }
  const twisty = target.closest<HTMLElement>('[data-toggle]');
  if (twisty?.dataset.toggle) return toggle(twisty.dataset.toggle);
  const row = target.closest<HTMLElement>('tr.skill-row');
  if (row?.dataset.skill) return select(row.dataset.skill);
  const dep = target.closest<HTMLElement>('tr.dep-row');
  if (dep?.dataset.dep) chooseDeployment(dep.dataset.dep);
});

/** Arrow keys move between rows of the same kind; Home/End jump to the first/last. */
function moveFocus(from: HTMLElement, selector: string, key: string): boolean {
  const all = Array.from(document.querySelectorAll<HTMLElement>(selector));
  const i = all.indexOf(from);
  const next =
    key === 'ArrowDown'
      ? all[i + 1]
      : key === 'ArrowUp'
        ? all[i - 1]
        : key === 'Home'
          ? all[0]
          : key === 'End'
            ? all[all.length - 1]
            : undefined;
  next?.focus();
  return !!next;
}

app.addEventListener('keydown', (e) => {
  const el = e.target instanceof HTMLElement ? e.target : undefined;
  if (!el || e.altKey || e.ctrlKey || e.metaKey) return;
  let handled = false;
  if (el.matches('tr.skill-row')) {
    const skill = el.dataset.skill!;
    if (e.key === 'Enter' || e.key === ' ') {
      select(skill);
      toggle(skill, true);
      handled = true;
    } else if (e.key === 'ArrowRight') {
      toggle(skill, true);
      handled = true;
    } else if (e.key === 'ArrowLeft') {
      toggle(skill, false);
      handled = true;
    } else handled = moveFocus(el, 'tr.skill-row', e.key);
  } else if (el.matches('tr.dep-row')) {
    if (e.key === 'Enter' || e.key === ' ') {
      chooseDeployment(el.dataset.dep!);
      handled = true;
    } else handled = moveFocus(el, 'tr.dep-row', e.key);
  }
  if (handled) e.preventDefault();
});

let scrollFrame = 0;
window.addEventListener('scroll', () => {
  if (scrollFrame) return;
  scrollFrame = requestAnimationFrame(() => {
    scrollFrame = 0;
    setUi({ scrollY: Math.round(window.scrollY) });
  });
});

send({ type: 'ready' });
