import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { gitCommonDir } from '../../../src/core/git/git';
import { HistoryStore } from '../../../src/core/history/store';
import type { InsightsPanel } from '../../../src/vscode/insights/insightsPanel';
import { api, fixture, script, type Fixture } from './helpers';

const MIN = 60_000;

/** A fixture history: two skills over the last days, one slow deployment and one rollback. */
async function writeHistory(root: string): Promise<void> {
  const common = await gitCommonDir(root);
  assert.ok(common, `${root} is a git repository`);
  const store = new HistoryStore(common);
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  const base = { kind: 'deploy', environment: 'staging', target: 'local', outcome: 'succeeded' };
  const steps = (monitorMs: number) => [
    { name: 'prepare', status: 'succeeded', durationMs: 2_000 },
    { name: 'monitor', status: 'succeeded', durationMs: monitorMs },
    { name: 'health', status: 'succeeded', durationMs: 3_000 },
  ];
  await store.append({ ...base, skill: 'alpha', at: at(6), durationMs: 4 * MIN, steps: steps(3 * MIN) });
  await store.append({ ...base, skill: 'alpha', at: at(4), durationMs: 12 * MIN, steps: steps(11 * MIN) });
  await store.append({ ...base, skill: 'beta', at: at(3), durationMs: 5 * MIN, steps: steps(4 * MIN) });
  const rollback = { trigger: 'automatic' as const, status: 'succeeded' };
  const failed = { outcome: 'rolled-back', code: 'HEALTH_CHECK_FAIL', rollback };
  await store.append({ ...base, skill: 'beta', at: at(2), durationMs: 6 * MIN, ...failed });
}

export function insightsTests(): void {
  describe('Insights view (webview)', () => {
    let fx: Fixture;
    let view: InsightsPanel | undefined;

    before(async () => {
      fx = await fixture();
      await writeHistory(fx.root);
    });
    after(() => view?.currentPanel?.dispose());

    it('"Odoobo: Show Insights" draws the charts from the history, with table alternatives and no CSP report', async () => {
      view = await vscode.commands.executeCommand<InsightsPanel>('odoobo.showInsights');
      assert.ok(view?.currentPanel, 'the command opened the panel');
      const html = view.currentPanel.webview.html;
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1].replace(/&#39;|&apos;/g, "'") ?? '';
      assert.match(csp, /^default-src 'none'; /);
      assert.ok(!/unsafe-inline|unsafe-eval|https?:\/\//.test(csp.replace(/https:\/\/[^ ;]*vscode-cdn\.net/g, '')), csp);
      const deadline = Date.now() + 30_000;
      while (!view.rendered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(view.rendered, { charts: 3, tables: 4 }, 'three charts, a table for each and the slow deployments');
      // give a late violation (a style or script the CSP blocks while drawing) the time to be reported
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(view.cspViolations, []);
    });

    it('"Set Notification Webhooks…" keeps a checked URL in secret storage, never in settings, and removes it', async () => {
      const a = await api();
      const url = 'https://hooks.slack.com/services/T000/B000/insightsSecret42';
      try {
        a.setPromptScript(script('ODOOBO_SLACK_WEBHOOK_DEPLOYMENTS', 'ftp://example.com/hook'));
        const bad = await vscode.commands.executeCommand<{ refused?: string; message?: string }>('odoobo.setWebhooks');
        assert.match(bad?.message ?? '', /ODOOBO_SLACK_WEBHOOK_DEPLOYMENTS is not an http\(s\) URL/);
        assert.ok(!bad?.message?.includes('example.com'), bad?.message);
        a.setPromptScript(script('ODOOBO_SLACK_WEBHOOK_DEPLOYMENTS', url));
        assert.equal(await vscode.commands.executeCommand('odoobo.setWebhooks'), 'stored');
        assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('odoobo')).includes('insightsSecret42'));
        a.setPromptScript(script('ODOOBO_SLACK_WEBHOOK_DEPLOYMENTS', ''));
        assert.equal(await vscode.commands.executeCommand('odoobo.setWebhooks'), 'removed');
      } finally {
        a.setPromptScript(undefined);
      }
    });
  });
}
