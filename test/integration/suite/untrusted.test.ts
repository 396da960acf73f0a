import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { TRUST_REQUIRED } from '../../../src/vscode/commands/commandIds';
import { isRefusal } from '../../../src/vscode/commands/support/refusal';
import { api, children, fixture, type Fixture } from './helpers';

export function untrustedTests(): void {
  let a: OdooboApi;
  let fx: Fixture;

  before(async () => {
    fx = await fixture();
    a = await api();
  });

  describe('untrusted workspace (limited support)', () => {
    it('runs in an untrusted workspace', () => {
      assert.equal(vscode.workspace.isTrusted, false);
    });

    it('still shows skills and worktrees', async () => {
      const labels = (await children(a)).map((i) => i.label);
      assert.deepEqual(labels, [...fx.skills, ...fx.invalid].sort());
    });

    it('refuses every command that runs code, deploys or changes git, and says why', async () => {
      for (const id of TRUST_REQUIRED) {
        const r = await vscode.commands.executeCommand(id);
        assert.ok(isRefusal(r), `${id} returned ${JSON.stringify(r)}`);
        assert.equal(r.refused, 'untrusted', id);
        assert.match(r.message, /disabled in an untrusted workspace/);
      }
    });

    it('does not start the local App Platform (it runs code)', async () => {
      await assert.rejects(a.localPlatform.ensure(), /untrusted workspace/);
      assert.equal(a.localPlatform.isRunning, false);
    });

    it('still allows read-only commands', async () => {
      await vscode.commands.executeCommand('odoobo.refresh');
      const r = await vscode.commands.executeCommand('odoobo.showDashboard');
      assert.ok(!(isRefusal(r) && r.refused === 'untrusted'), JSON.stringify(r));
      assert.ok(a.dashboard.currentPanel, 'the dashboard opens in an untrusted workspace');
      a.dashboard.currentPanel.dispose();
    });
  });
}
