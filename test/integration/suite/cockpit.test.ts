import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { StatusStore } from '../../../src/core/status';
import type { StateMessage } from '../../../src/vscode/dashboard/protocol';
import { api, EXTENSION_ID, fixture, skillItem, waitFor, type Fixture } from './helpers';

const SKILL = 'pr-review';

/**
 * Issue 17, 2.1 and 2.10: a deploy that fails before going live after a good one. The tree, the status bar and the
 * status file say that the attempt failed AND that the previous deployment still serves; the status bar names the
 * target it counts. Runs where `pr-review` is live on the embedded local App Platform.
 */
export function cockpitTests(): void {
  describe('a failed deploy while the previous deployment serves', () => {
    let a: OdooboApi;
    let fx: Fixture;

    before(async () => {
      fx = await fixture();
      a = await api();
    });

    it('shows "serving previous · last deploy failed" in the tree, counts it as serving, and names the target', async function () {
      this.timeout(120_000);
      assert.equal(a.deployments.state(SKILL)?.phase, 'active', `${SKILL} is live before this test`);
      const liveUrl = a.deployments.state(SKILL)!.liveUrl!;
      const serving = (text: string) => Number(/\$\(check\) (\d+)/.exec(text)?.[1]);
      const servingBefore = serving(a.statusBar.text);
      assert.ok(servingBefore >= 1, a.statusBar.text);

      // The next build fails (BuildJobExitNonZero): the new deployment ends in ERROR and never takes the traffic.
      const { url, token } = await a.localPlatform.ensure();
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const fault = await fetch(`${url}/_local/faults`, { method: 'PATCH', headers, body: JSON.stringify({ failBuilds: 1 }) });
      assert.equal(fault.status, 200, await fault.text());
      type Plans = { results: { status: string; previousStillServing?: boolean; error?: { code: string } }[] }[];
      const plans = await vscode.commands.executeCommand<Plans>('odoobo.deploy', SKILL);
      assert.ok(Array.isArray(plans), JSON.stringify(plans));
      const [r] = plans[0].results;
      assert.equal(r.status, 'failed', JSON.stringify(r));
      assert.equal(r.previousStillServing, true, JSON.stringify(r));
      assert.equal((await fetch(`${liveUrl}/health`)).status, 200, 'the previous deployment still answers at the same URL');

      const item = await waitFor(a, `${SKILL} serving previous in the tree`, async () => {
        const i = await skillItem(a, SKILL);
        return i?.contextValue?.includes('+servingprevious') ? i : undefined;
      });
      assert.match(String(item.description), /^serving previous · last deploy failed \S/);
      assert.ok(item.contextValue?.includes('+failed'), item.contextValue);
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning', 'a distinct icon, not the red error one');
      // appendText keeps spaces as &nbsp; in the markdown source.
      const tooltip = (item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ');
      assert.ok(tooltip.includes(`serving the previous deployment at ${liveUrl}`), tooltip);

      // The status bar counts what serves (unchanged), with a warning for this one, and names the platform it counts.
      assert.equal(serving(a.statusBar.text), servingBefore, a.statusBar.text);
      assert.match(a.statusBar.text, /\$\(warning\) 1/);
      assert.doesNotMatch(a.statusBar.text, /\$\(error\)/);
      const lines = a.statusBar.tooltip.split('\n');
      assert.equal(lines[0], `Odoobo Skills — local App Platform (${url})`);
      assert.ok(lines.some((l) => l.startsWith(`${SKILL}: serving the previous deployment (last deploy failed`)), a.statusBar.tooltip);

      // The dashboard's row: failed and serving the previous deployment, at the same URL (not "Failed" and "Healthy").
      a.dashboard.show();
      try {
        const from = a.dashboard.postedCount;
        await a.dashboard.receive({ type: 'ready' });
        const state = await waitFor(a, 'a dashboard state message', async () =>
          a.dashboard.posted.slice(-(a.dashboard.postedCount - from)).find((m): m is StateMessage => m.type === 'state'));
        const row = state.rows.find((x) => x.skill === SKILL);
        assert.equal(row?.phase, 'failed', JSON.stringify(row));
        assert.equal(row?.servingPrevious, true, JSON.stringify(row));
        assert.equal(row?.liveUrl, liveUrl);
        assert.equal(row?.health.status, 'healthy');
      } finally {
        a.dashboard.currentPanel?.dispose();
      }

      // Recorded for the next window and the CLI: the attempt, and that the previous deployment still served.
      const status = await (await StatusStore.forRepository(fx.root)).skill(SKILL);
      assert.equal(status?.lastDeployAttempt?.status, 'failed');
      assert.equal(status?.lastDeployAttempt?.previousStillServing, true);
    });

    it('a good deploy afterwards clears the warning (and leaves pr-review live for the tests after these)', async function () {
      this.timeout(120_000);
      type Plans = { results: { status: string; error?: unknown }[] }[];
      const plans = await vscode.commands.executeCommand<Plans>('odoobo.deploy', SKILL);
      assert.equal(plans[0].results[0].status, 'succeeded', JSON.stringify(plans[0].results[0].error));
      const item = await waitFor(a, `${SKILL} active in the tree`, async () => {
        const i = await skillItem(a, SKILL);
        return i?.contextValue?.includes('+active') ? i : undefined;
      });
      assert.ok(!item.contextValue?.includes('+servingprevious'), item.contextValue);
      assert.match(String(item.description), /^active /);
      assert.doesNotMatch(a.statusBar.text, /\$\(warning\)/);
    });
  });

  describe('one local App Platform for the editor and the CLI', () => {
    let a: OdooboApi;
    let fx: Fixture;
    const cli = async (...args: string[]): Promise<unknown> => {
      const main = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
      // The CLI finds the platform through the repository's endpoint file, not through a token handed to it.
      const env: NodeJS.ProcessEnv = { ...process.env, ODOOBO_TARGET: 'local' };
      delete env.ODOOBO_LOCAL_TOKEN;
      const { stdout } = await promisify(execFile)(process.execPath, [main, ...args], { cwd: fx.root, env, timeout: 150_000 });
      return JSON.parse(stdout);
    };

    before(async () => {
      fx = await fixture();
      a = await api();
    });

    it("the CLI sees what the editor deployed, and the editor shows the CLI's deployment at the same URL", async function () {
      this.timeout(180_000);
      const { url } = await a.localPlatform.ensure();
      const liveUrl = a.deployments.state(SKILL)?.liveUrl;
      assert.ok(liveUrl, `${SKILL} is live from the editor before this test`);

      // Editor → CLI: `odoobo status --live` asks the repository's platform, the editor's own, and finds its URL.
      type Live = { live: { api_url: string; apps: { skill: string; state: string; liveUrl?: string }[] } };
      const status = (await cli('status', '--live', '--json')) as Live;
      assert.equal(status.live.api_url, url, 'the CLI found the platform the editor uses (no second one)');
      const seen = status.live.apps.find((x) => x.skill === SKILL);
      assert.equal(seen?.state, 'healthy', JSON.stringify(seen));
      assert.equal(seen?.liveUrl, liveUrl);

      // CLI → editor: a deploy from the CLI lands on the same platform and app; the editor's app row shows it active.
      type Deployed = { apiUrl: string; results: { skill: string; status: string; deploymentId?: string; liveUrl?: string }[] };
      const deployed = (await cli('deploy', SKILL, '--json')) as Deployed;
      const [r] = deployed.results;
      assert.equal(deployed.apiUrl, url);
      assert.equal(r.status, 'succeeded', JSON.stringify(r));
      assert.equal(r.liveUrl, liveUrl, 'the same stable URL');
      a.apps.forget(SKILL);
      const details = await a.apps.get(SKILL);
      assert.equal(details.app?.active_deployment?.id, r.deploymentId, "the editor reads the CLI's deployment as the active one");
      assert.equal(details.app?.live_url, liveUrl);
      assert.equal((await fetch(`${liveUrl}/health`)).status, 200, 'and it serves after the CLI command ended');
    });
  });
}
