import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { AppPlatformClient } from '../../../src/core/do';
import { commitOf } from '../../../src/core/deploy';
import type { Deployment } from '../../../src/core/do/schemas';
import { previewDown, previewUp } from '../../../src/core/release/preview';
import { StatusStore } from '../../../src/core/status';
import type { StateMessage } from '../../../src/vscode/dashboard/protocol';
import { api, children, EXTENSION_ID, fixture, script, skillItem, waitFor, type Fixture } from './helpers';

const SKILL = 'pr-review';
const STAGING_APP = `${SKILL}-staging`;
const PR = 7;
const ENVIRONMENTS = [
  'default: staging',
  'environments:',
  '  staging:',
  "    app: '{app}-staging'",
  '  production:',
  "    app: '{app}'",
  '    branch: env/production/{skill}',
  '    approval: true',
  '',
].join('\n');

type Promoted = {
  status: string;
  commit?: string;
  failedGate?: { name: string; detail?: string };
  gates: { name: string; ok: boolean; detail?: string }[];
  error?: string;
  deploy?: { error?: unknown };
};

/**
 * Issue 18 in the editor: a repository that declares staging and production (infra/environments.yaml, committed and
 * pushed here, removed again at the end so that no other suite sees it). pr-review is deployed to staging and tested
 * there, compared with production, promoted with the approval modal dismissed then answered, and given a preview.
 */
export function releaseTests(): void {
  describe('releases: environments, Compare with Live, Promote to…, previews', () => {
    let a: OdooboApi;
    let fx: Fixture;
    let client: AppPlatformClient;
    const git = (...args: string[]) => execFileSync('git', args, { cwd: fx.root, encoding: 'utf8' }).trim();
    const envFile = () => path.join(fx.root, 'infra', 'environments.yaml');

    before(async function () {
      this.timeout(60_000);
      fx = await fixture();
      a = await api();
      // pr-review comes from the deploy suite; alone (ODOOBO_TEST_GREP) this suite adds it the same way.
      if (!(await fs.stat(path.join(fx.root, 'skills', SKILL)).catch(() => undefined))) {
        const ext = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
        const skip = (src: string) => !src.includes('__pycache__') && !src.includes('.pytest_cache');
        await fs.cp(path.join(ext, 'skills', SKILL), path.join(fx.root, 'skills', SKILL), { recursive: true, filter: skip });
        await fs.copyFile(path.join(ext, 'infra', `${SKILL}.yaml`), path.join(fx.root, 'infra', `${SKILL}.yaml`));
        git('add', '--', `skills/${SKILL}`, `infra/${SKILL}.yaml`);
        git('commit', '-q', '-m', `add ${SKILL}`, '--', `skills/${SKILL}`, `infra/${SKILL}.yaml`);
      }
      if (!git('ls-remote', 'origin', `refs/heads/skill/${SKILL}`)) git('push', '-q', 'origin', `main:refs/heads/skill/${SKILL}`);
      await fs.writeFile(envFile(), ENVIRONMENTS);
      git('add', '--', 'infra/environments.yaml');
      git('commit', '-q', '-m', 'environments: staging and production', '--', 'infra/environments.yaml');
      git('push', '-q', 'origin', 'main');
      const { url, token } = await a.localPlatform.ensure();
      client = new AppPlatformClient({ baseUrl: url, token });
      // Before environments, the skill's one app was named as its spec: production's app now. It starts absent.
      const old = await client.findAppByName(SKILL);
      if (old) await client.deleteApp(old.id);
      a.apps.forget(SKILL);
      await a.deployments.load(a.stores()[0]);
    });

    after(async function () {
      this.timeout(60_000);
      a.setPromptScript(undefined);
      await previewDown(SKILL, PR, { repoRoot: fx.root, client }).catch(() => undefined);
      await client?.close();
      await fs.rm(envFile(), { force: true });
      git('commit', '-q', '-m', 'environments: back to the defaults', '--', 'infra/environments.yaml');
      git('push', '-q', 'origin', 'main');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await a.localPlatform.stop();
    });

    it('deploys to staging, tests there, and shows the staging app and a production group not deployed', async function () {
      this.timeout(180_000);
      type Plans = { results: { status: string; liveUrl?: string; commit?: string; error?: unknown }[] }[];
      const plans = await vscode.commands.executeCommand<Plans>('odoobo.deploy', SKILL);
      assert.ok(Array.isArray(plans), JSON.stringify(plans));
      assert.equal(plans[0].results[0].status, 'succeeded', JSON.stringify(plans[0].results[0].error));
      const staging = await client.findAppByName(STAGING_APP);
      assert.equal(staging?.active_deployment?.phase, 'ACTIVE', 'the plain deploy went to the staging app');
      assert.equal(await client.findAppByName(SKILL), undefined, 'and not to production');

      const tests = await vscode.commands.executeCommand<{ passed: boolean }[]>('odoobo.test', SKILL);
      assert.ok(Array.isArray(tests), JSON.stringify(tests));
      assert.equal(tests[0].passed, true);
      const status = await (await StatusStore.forRepository(fx.root)).skill(SKILL);
      const lastTest = status?.environments?.staging?.lastTest;
      assert.equal(lastTest?.status, 'passed', JSON.stringify(status?.environments));
      assert.equal(lastTest?.commit, commitOf(staging.active_deployment as Deployment, SKILL), 'the run names the commit it tested');

      const kids = await children(a, await skillItem(a, SKILL));
      const app = kids.find((k) => k.contextValue?.startsWith('app'));
      assert.equal(app?.contextValue, 'app+live', kids.map((k) => `${k.label}: ${k.contextValue}`).join(', '));
      assert.equal(app?.label, staging?.live_url?.replace(/\/$/, ''));
      assert.equal(a.apps.peek(SKILL, STAGING_APP)?.app?.id, staging?.id, 'the row is the staging app');
      const prod = kids.find((k) => k.label === 'production');
      assert.ok(prod, kids.map((k) => k.label).join(', '));
      assert.match(String(prod.contextValue), /^environment\b.*\+approval/);
      assert.equal(prod.description, `${SKILL} · not deployed · approval required`);
      const [none] = await children(a, prod);
      assert.equal(none?.label, 'Not deployed');
      assert.match(String(none?.description), new RegExp(`^no app named ${SKILL} on the local App Platform`));
    });

    it('compares production with what a deploy would apply, in a diff editor of masked YAML', async function () {
      this.timeout(60_000);
      type Compared = { environment: string; left: string; right: string };
      const r = await vscode.commands.executeCommand<Compared>('odoobo.compareWithLive', SKILL, 'production');
      assert.equal(r.environment, 'production', JSON.stringify(r));
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.ok(tab?.input instanceof vscode.TabInputTextDiff, `the active tab is a diff: ${tab?.label}`);
      assert.equal(tab.input.modified.toString(), r.right);
      assert.equal(tab.input.original.toString(), r.left);
      assert.match(tab.label, /^pr-review \(production\): live ↔ to apply/);
      const right = (await vscode.workspace.openTextDocument(vscode.Uri.parse(r.right))).getText();
      assert.match(right, /^name: pr-review$/m, 'the right side is named as the production app');
      assert.doesNotMatch(right, /pr-review-staging/);
      assert.match(right, /branch: env\/production\/pr-review/);
      const left = (await vscode.workspace.openTextDocument(vscode.Uri.parse(r.left))).getText();
      assert.match(left, /no app yet/);
    });

    it('refuses at the approval gate when the modal is dismissed, and promotes the verified commit when approved', async function () {
      this.timeout(240_000);
      const stagingCommit = commitOf((await client.findAppByName(STAGING_APP))?.active_deployment as Deployment, SKILL);
      assert.ok(stagingCommit);
      const dismissed = script(undefined);
      a.setPromptScript(dismissed);
      let refused: Promoted[];
      try {
        refused = await vscode.commands.executeCommand<Promoted[]>('odoobo.promote', SKILL, 'production');
      } finally {
        a.setPromptScript(undefined);
      }
      assert.ok(Array.isArray(refused), JSON.stringify(refused));
      assert.equal(refused[0].status, 'refused', JSON.stringify(refused[0]));
      assert.equal(refused[0].failedGate?.name, 'approval', JSON.stringify(refused[0].gates));
      assert.ok(refused[0].gates.filter((g) => g.name !== 'approval').every((g) => g.ok), JSON.stringify(refused[0].gates));
      assert.equal(dismissed.asked.length, 1);
      const question = `^confirm: Promote ${SKILL} from staging to production at ${stagingCommit.slice(0, 7)}\\?`;
      assert.match(dismissed.asked[0], new RegExp(question));
      assert.match(dismissed.asked[0], /✓ source-smoke-passed/);
      const diff = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      assert.ok(diff instanceof vscode.TabInputTextDiff, 'the pre-flight diff opened beside the modal');
      assert.equal(await client.findAppByName(SKILL), undefined, 'nothing was deployed');
      assert.equal(git('ls-remote', 'origin', `refs/heads/env/production/${SKILL}`), '', 'the env branch was not moved');

      a.setPromptScript(script('Approve and Promote'));
      let promoted: Promoted[];
      try {
        promoted = await vscode.commands.executeCommand<Promoted[]>('odoobo.promote', SKILL, 'production');
      } finally {
        a.setPromptScript(undefined);
      }
      assert.equal(promoted[0].status, 'promoted', JSON.stringify(promoted[0]));
      assert.equal(promoted[0].commit, stagingCommit);
      const prodApp = await client.findAppByName(SKILL);
      assert.equal(prodApp?.active_deployment?.phase, 'ACTIVE');
      assert.equal(commitOf(prodApp.active_deployment as Deployment, SKILL), stagingCommit, 'production runs what staging verified');
      assert.equal(git('ls-remote', 'origin', `refs/heads/env/production/${SKILL}`).split(/\s/)[0], stagingCommit);

      const prod = await waitFor(a, 'production live in the tree', async () => {
        const p = (await children(a, await skillItem(a, SKILL))).find((k) => k.label === 'production');
        return p?.description?.toString().startsWith(`${SKILL} · live · ${stagingCommit.slice(0, 7)}`) ? p : undefined;
      });
      const [prodRow] = await children(a, prod);
      assert.equal(prodRow.contextValue, 'app+live');
    });

    it("shows the editor's environment in the dashboard's header and switches it from there", async function () {
      this.timeout(60_000);
      const config = vscode.workspace.getConfiguration('odoobo');
      /** The newest state message posted after `from` messages, once `ok` holds for it. */
      const stateAfter = (from: number, what: string, ok: (m: StateMessage) => boolean) =>
        waitFor(a, what, async () => {
          const n = a.dashboard.postedCount - from;
          const states = n > 0 ? a.dashboard.posted.slice(-n).filter((m): m is StateMessage => m.type === 'state') : [];
          const last = states.at(-1);
          return last && ok(last) ? last : undefined;
        });
      a.dashboard.show();
      try {
        let from = a.dashboard.postedCount;
        await a.dashboard.receive({ type: 'ready' });
        const first = await stateAfter(from, 'the first state', () => true);
        assert.deepEqual(first.environment, { current: 'staging', all: ['staging', 'production'], requiresApproval: false });
        const bare = (u?: string) => u?.replace(/\/$/, '');
        assert.equal(bare(first.rows.find((r) => r.skill === SKILL)?.liveUrl), bare((await client.findAppByName(STAGING_APP))?.live_url));

        await a.dashboard.receive({ type: 'chooseEnvironment', environment: 'qa' });
        assert.match(String(a.dashboard.rejected.at(-1)), /unknown environment qa/);

        // The header's switch without a name: the command's quick pick, answered here.
        from = a.dashboard.postedCount;
        const asked = script('production');
        a.setPromptScript(asked);
        await a.dashboard.receive({ type: 'chooseEnvironment' });
        const prod = await stateAfter(from, 'the production state', (m) => m.environment?.current === 'production');
        a.setPromptScript(undefined);
        assert.deepEqual(asked.asked, ['pick: Deploy to and show which environment?']);
        assert.equal(vscode.workspace.getConfiguration('odoobo').get('environment'), 'production', 'written to the workspace settings');
        assert.equal(prod.environment?.requiresApproval, true);
        const row = prod.rows.find((r) => r.skill === SKILL);
        assert.equal(row?.phase, 'active', JSON.stringify(row));
        assert.equal(bare(row?.liveUrl), bare((await client.findAppByName(SKILL))?.live_url), "the row is production's app");

        from = a.dashboard.postedCount;
        await a.dashboard.receive({ type: 'chooseEnvironment', environment: 'staging' });
        await stateAfter(from, 'the staging state again', (m) => m.environment?.current === 'staging');
      } finally {
        a.setPromptScript(undefined);
        a.dashboard.currentPanel?.dispose();
        await config.update('environment', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('shows a pull request preview as "PR #n" under the skill', async function () {
      this.timeout(180_000);
      const up = await previewUp(SKILL, PR, undefined, { repoRoot: fx.root, client, target: 'local', smoke: false });
      assert.equal(up.status, 'succeeded', JSON.stringify(up.error));
      assert.equal(up.app, `${SKILL}-pr-${PR}`);
      const item = await waitFor(a, 'the preview in the tree', async () =>
        (await children(a, await skillItem(a, SKILL))).find((k) => k.label === `PR #${PR}`));
      assert.equal(item.contextValue, 'preview+live');
      assert.match(String(item.description), new RegExp(`^${SKILL}-pr-${PR} · live · `));
      assert.equal((item.command?.arguments?.[0] as vscode.Uri).toString(), vscode.Uri.parse(up.liveUrl!).toString());
    });

    it("lists each environment's counts in the status bar's tooltip", async () => {
      await a.deployments.load(a.stores()[0]);
      const tooltip = await waitFor(a, 'environment lines in the tooltip', async () =>
        /^production: /m.test(a.statusBar.tooltip) ? a.statusBar.tooltip : undefined);
      assert.match(tooltip, /^By environment:$/m);
      assert.match(tooltip, /^staging: [1-9]\d* serving/m);
      assert.match(tooltip, /^production: 1 serving/m);
    });
  });
}
