import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { StatusStore } from '../../../src/core/status';
import type { CommandId } from '../../../src/vscode/commands/commandIds';
import { parseHostMessage, type HistoryMessage, type HostMessage, type StateMessage } from '../../../src/vscode/dashboard/protocol';
import { api, fixture, type Fixture } from './helpers';

/** Waits for a message posted after `from` (an index into `posted`) that `match` accepts. */
async function posted<T extends HostMessage>(a: OdooboApi, from: number, match: (m: HostMessage) => m is T, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const fresh = postedSince(a, from);
    const hit = fresh.find(match);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; posted: ${JSON.stringify(fresh.map((m) => m.type))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const postedTotal = (a: OdooboApi): number => a.dashboard.postedCount;
/** The messages posted since the count was `from` (`posted` keeps only the last 200). */
const postedSince = (a: OdooboApi, from: number): HostMessage[] => a.dashboard.posted.slice(Math.max(0, a.dashboard.posted.length - (postedTotal(a) - from)));
const isState = (m: HostMessage): m is StateMessage => m.type === 'state';
const historyOf = (skill: string, status: HistoryMessage['status'] | 'done') => (m: HostMessage): m is HistoryMessage =>
  m.type === 'history' && m.skill === skill && (status === 'done' ? m.status !== 'loading' : m.status === status);

async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function skillNames(a: OdooboApi): string[] {
  return [...new Set(a.stores().flatMap((s) => (s.model?.skills ?? []).map((v) => v.skill.name)))].sort();
}

/** Records the commands the dashboard's actions run instead of running them. */
function spyCommands(a: OdooboApi): { calls: [CommandId, ...unknown[]][]; dispose(): void } {
  const calls: [CommandId, ...unknown[]][] = [];
  const sub = a.dashboard.setCommandExecutor(async (command, ...args) => void calls.push([command, ...args]));
  return { calls, dispose: () => sub.dispose() };
}

export function dashboardTests(): void {
  describe('deployment dashboard (webview)', () => {
    let a: OdooboApi;
    let fx: Fixture;

    before(async () => {
      fx = await fixture();
      a = await api();
    });

    after(async () => {
      a.dashboard.currentPanel?.dispose();
      await a.localPlatform.stop();
    });

    it('opens as one panel from its command and the status bar, with a nonce CSP and only its own files', async () => {
      assert.equal(a.statusBar.command, 'odoobo.showDashboard');
      const from = postedTotal(a);
      await vscode.commands.executeCommand('odoobo.showDashboard');
      const panel = a.dashboard.currentPanel;
      assert.ok(panel, 'the command opens the dashboard');
      assert.equal(panel.viewType, 'odoobo.dashboard');
      await vscode.commands.executeCommand('odoobo.showDashboard');
      assert.equal(a.dashboard.currentPanel, panel, 'a second call reveals the same panel');
      assert.equal(panel.webview.options.enableScripts, true);
      assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => u.path.replace(/.*\/dist\//, 'dist/')), ['dist/webview']);

      const html = panel.webview.html;
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1].replace(/&#39;|&apos;/g, "'");
      assert.ok(csp, 'a CSP meta tag');
      const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      assert.ok(nonce && nonce.length >= 22, `a nonce in ${csp}`);
      assert.match(csp, /^default-src 'none'; /);
      assert.ok(!/unsafe-inline|unsafe-eval/.test(csp));
      const tags = [...html.matchAll(/<(script|link)\b[^>]*>/g)].map((m) => m[0]);
      assert.equal(tags.length, 3);
      for (const t of tags) assert.ok(t.includes(`nonce="${nonce}"`), `${t} carries the nonce`);
      const root = panel.webview.asWebviewUri(vscode.Uri.joinPath(vscode.extensions.getExtension('odoobo.odoobo-skills')!.extensionUri, 'dist', 'webview')).toString();
      const urls = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
      assert.equal(urls.length, 3);
      for (const u of urls) assert.ok(u.startsWith(root), `${u} is one of the extension's own files (${root})`);

      // The real webview ran its script under that CSP: it said `ready`, and got the state.
      await posted(a, from, isState, 'the state sent in answer to the webview\'s own ready');
    });

    it('answers ready with a state that lists every skill, valid by the protocol', async () => {
      const from = postedTotal(a);
      await a.dashboard.receive({ type: 'ready' });
      const state = await posted(a, from, isState, 'a state message');
      assert.ok(parseHostMessage(state).ok, 'the webview accepts it');
      assert.deepEqual(state.rows.map((r) => r.skill), skillNames(a));
      for (const s of fx.skills) assert.ok(state.rows.some((r) => r.skill === s), `${s} has a row`);
      for (const s of fx.invalid) assert.ok(!state.rows.some((r) => r.skill === s), `${s} (invalid manifest) has no row`);
      assert.equal(state.target, 'local');
      assert.equal(state.trusted, true);
    });

    it('drops invalid messages and acts on none of them', async () => {
      const spy = spyCommands(a);
      try {
        const rejectedBefore = a.dashboard.rejected.length;
        const postedBefore = postedTotal(a);
        for (const bad of [
          'deploy alpha',
          { type: 'action', kind: 'deploy', skill: '../../etc' },
          { type: 'action', kind: 'runInTerminal', skill: fx.skills[0] },
          { type: 'action', kind: 'deploy', skill: fx.skills[0], command: 'workbench.action.terminal.new' },
          { type: 'action', kind: 'deploy', skill: 'no-such-skill' },
          { type: 'select', skill: 'no-such-skill' },
          { type: 'requestHistory', skill: 'no-such-skill' },
        ]) {
          await a.dashboard.receive(bad);
        }
        assert.deepEqual(spy.calls, []);
        assert.equal(a.dashboard.rejected.length - rejectedBefore, 7);
        assert.match(a.dashboard.rejected.at(-1)!, /unknown skill no-such-skill/);
        assert.equal(postedTotal(a), postedBefore, 'nothing is posted back');
      } finally {
        spy.dispose();
      }
    });

    it('runs the command of each action with the skill name', async () => {
      const spy = spyCommands(a);
      const [first, second] = fx.skills;
      try {
        for (const kind of ['deploy', 'test', 'cancel', 'rollback', 'logs'] as const) await a.dashboard.receive({ type: 'action', kind, skill: kind === 'test' ? second : first });
      } finally {
        spy.dispose();
      }
      assert.deepEqual(spy.calls, [
        ['odoobo.deploy', first],
        ['odoobo.test', second],
        ['odoobo.cancelDeploy', first],
        ['odoobo.rollback', first],
        ['odoobo.showLogs', first],
      ]);
    });

    it('pushes state when deployments change, coalescing bursts into one message', async () => {
      const [skill, other] = fx.skills;
      const store = a.stores()[0];
      await (await StatusStore.forRepository(fx.root)).recordDeployment(skill, {
        target: 'local',
        appId: 'app-dash',
        deploymentId: 'dep-dash-1',
        phase: 'ACTIVE',
        commit: 'abcdef1234567890',
        liveUrl: 'http://127.0.0.1:9',
        deployedAt: new Date().toISOString(),
      });
      let from = postedTotal(a);
      await a.deployments.load(store);
      const state = await posted(a, from, (m): m is StateMessage => isState(m) && m.rows.some((r) => r.skill === skill && r.phase === 'active'), `${skill} active in a state message`);
      const row = state.rows.find((r) => r.skill === skill)!;
      assert.equal(row.liveUrl, 'http://127.0.0.1:9');
      assert.equal(row.commit, 'abcdef1234567890');
      assert.equal(row.deploymentId, 'dep-dash-1');
      assert.equal(row.actions.test, true);
      assert.equal(row.actions.rollback, true);

      from = postedTotal(a);
      for (let i = 0; i < 20; i++) a.dashboard.changed(skill);
      a.dashboard.changed(other);
      await new Promise((r) => setTimeout(r, 300));
      const burst = postedSince(a, from);
      assert.deepEqual(
        burst.filter((m) => m.type === 'rows').map((m) => m.type === 'rows' && m.rows.map((r) => r.skill)),
        [[skill, other].sort()],
        'one rows message for the whole burst',
      );
    });

    it('serves a skill\'s history from App Platform, and an error as a message', async function () {
      this.timeout(60_000);
      const [skill] = fx.skills;
      a.apps.forget(skill);
      let from = postedTotal(a);
      await a.dashboard.receive({ type: 'requestHistory', skill, refresh: true });
      const loaded = await posted(a, from, historyOf(skill, 'done'), `the history of ${skill}`, 45_000);
      assert.equal(loaded.status, 'loaded', loaded.error);
      assert.deepEqual(loaded.entries, [], `${skill} was never deployed on the local platform`);
      const details = await a.apps.get(skill);
      assert.equal(details.fetchedAt, loaded.fetchedAt, 'the tree is served the read the dashboard just made, not a second one');

      await vscode.workspace.getConfiguration('odoobo').update('target', 'digitalocean', vscode.ConfigurationTarget.Workspace);
      try {
        from = postedTotal(a);
        await a.dashboard.receive({ type: 'requestHistory', skill });
        const failed = await posted(a, from, historyOf(skill, 'done'), `the history error of ${skill}`);
        assert.equal(failed.status, 'error');
        assert.match(failed.error ?? '', /No DigitalOcean token is stored/);
        assert.deepEqual(failed.entries, []);
      } finally {
        await vscode.workspace.getConfiguration('odoobo').update('target', undefined, vscode.ConfigurationTarget.Workspace);
      }
      assert.ok(!JSON.stringify(a.dashboard.posted).includes('dop_v1_'), 'no token ever reaches the webview');
    });

    it('keeps the selection when the panel is hidden and shown again', async () => {
      const [, skill] = fx.skills;
      const panel = a.dashboard.currentPanel!;
      await a.dashboard.receive({ type: 'select', skill });
      assert.equal(a.dashboard.uiState.selected, skill);
      // Another editor in the same group hides the panel: without retainContextWhenHidden its webview goes away.
      const file = vscode.Uri.file(path.join(fx.root, 'skills', skill, 'manifest.json'));
      const editor = await vscode.window.showTextDocument(file, { viewColumn: panel.viewColumn, preview: false });
      await until(() => !panel.visible, 'the dashboard hidden behind an editor');
      const from = postedTotal(a);
      panel.reveal();
      const state = await posted(a, from, isState, 'the state sent when the shown webview says ready again');
      assert.equal(state.ui?.selected, skill);
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === editor.document.uri.toString());
      if (tab) await vscode.window.tabGroups.close(tab);
    });

    it('comes back after a reload through the serializer, with the saved UI state', async () => {
      const old = a.dashboard.currentPanel;
      const [skill] = fx.skills;
      const fresh = vscode.window.createWebviewPanel('odoobo.dashboard', 'Deployments', vscode.ViewColumn.Active, {});
      await a.dashboard.deserializeWebviewPanel(fresh, { selected: skill, expanded: [skill], scrollY: 30, deployment: 'dep-dash-1' });
      assert.equal(a.dashboard.currentPanel, fresh, 'the restored panel is the dashboard');
      assert.notEqual(old, fresh);
      assert.equal(fresh.webview.options.enableScripts, true);
      assert.match(fresh.webview.html, /Content-Security-Policy/);
      assert.deepEqual(a.dashboard.uiState, { selected: skill, expanded: [skill], scrollY: 30, deployment: 'dep-dash-1' });
      const from = postedTotal(a);
      await a.dashboard.receive({ type: 'ready' });
      const state = await posted(a, from, isState, 'the state of the restored panel');
      assert.deepEqual(state.ui, { selected: skill, expanded: [skill], scrollY: 30, deployment: 'dep-dash-1' });

      // A state that is not ours restores to the empty one instead of failing.
      const another = vscode.window.createWebviewPanel('odoobo.dashboard', 'Deployments', vscode.ViewColumn.Active, {});
      await a.dashboard.deserializeWebviewPanel(another, { selected: '<script>', expanded: 'all' });
      assert.deepEqual(a.dashboard.uiState, { expanded: [], scrollY: 0 });
      assert.equal(a.dashboard.currentPanel, another);
    });
  });
}
