import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import type { RestartResult } from '../../../src/core/operate/restart';
import type { ScaleOutcome } from '../../../src/vscode/commands/operate/scale';
import type { ConsolePty } from '../../../src/vscode/operate/consoleTerminal';
import type { SkillsTreeNode } from '../../../src/vscode/tree/items';
import { api, children, fixture, script, skillItem, waitFor, type Fixture } from './helpers';

const SKILL = 'pr-review';

/** The app row of a skill in the tree (its children hold it once the app is read). */
async function appRow(a: OdooboApi): Promise<SkillsTreeNode> {
  const find = async () => (await children(a, await skillItem(a, SKILL))).find((k) => k.contextValue?.startsWith('app'));
  return waitFor(a, `${SKILL}'s app row`, find);
}

/** Text the console terminal writes, collected; `until` waits for a pattern in it. */
function collect(pty: ConsolePty): { text: () => string; until: (re: RegExp, ms?: number) => Promise<string> } {
  let text = '';
  pty.onDidWrite((t) => (text += t));
  return {
    text: () => text,
    until: async (re, ms = 15_000) => {
      const deadline = Date.now() + ms;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`console: timed out waiting for ${re}; got:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return text;
    },
  };
}

/** A console on the skill's running instance, opened from its app row. */
async function openConsole(a: OdooboApi): Promise<{ terminal: vscode.Terminal; pty: ConsolePty; out: ReturnType<typeof collect> }> {
  const r = await vscode.commands.executeCommand<{ terminal: vscode.Terminal; pty: ConsolePty }>('odoobo.openConsole', await appRow(a));
  assert.ok(r && 'pty' in r, JSON.stringify(r));
  const out = collect(r.pty);
  assert.equal(await r.pty.opened, true, out.text());
  return { ...r, out };
}

/**
 * Issue 19 in the editor, on the local App Platform where pr-review is live: health on the app row, a rolling restart
 * from the tree, a console terminal, scale with the cost shown and the spec edited, a secret that survives a deploy.
 */
export function operateTests(): void {
  describe('operate what runs', () => {
    let a: OdooboApi;
    let fx: Fixture;
    let specFile: string;
    let original: string;

    before(async () => {
      fx = await fixture();
      a = await api();
      specFile = path.join(fx.root, 'infra', `${SKILL}.yaml`);
      original = await fs.readFile(specFile, 'utf8');
    });
    afterEach(() => a.setPromptScript(undefined));
    after(async () => {
      // The fixture's spec back as it was (the tests after these expect a clean main worktree).
      await fs.writeFile(specFile, original);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('the app row shows the health of the running app (cpu, memory, replicas)', async function () {
      this.timeout(60_000);
      const row = await waitFor(a, 'health on the app row', async () => {
        const r = await appRow(a);
        return /cpu \d+% · mem \d+% · 1\/1 ready/.test(String(r.description)) ? r : undefined;
      }, 45_000);
      assert.match(String(row.description), /^cpu \d+% · mem \d+% · 1\/1 ready · /);
    });

    it('restarts from the tree: every instance replaced, the live URL serving throughout', async function () {
      this.timeout(120_000);
      const liveUrl = a.deployments.state(SKILL)!.liveUrl!;
      let failures = 0;
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const ok = await fetch(`${liveUrl}/health`).then((r) => r.status === 200, () => false);
          if (!ok) failures++;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const r = await vscode.commands.executeCommand<RestartResult>('odoobo.restart', await appRow(a));
      probing = false;
      await probe;
      assert.ok(r && 'after' in r, JSON.stringify(r));
      assert.deepEqual(r.components, [SKILL]);
      assert.equal(r.after.length, r.before.length);
      assert.ok(r.after.every((n) => !r.before.includes(n)), `new instances: ${r.before.join(',')} → ${r.after.join(',')}`);
      assert.equal(failures, 0, 'the app kept serving');
    });

    it('opens a console terminal on the running instance: echo runs there, and closing the terminal ends the session', async function () {
      this.timeout(60_000);
      const { terminal, pty, out } = await openConsole(a);
      assert.match(terminal.name, /^Console: pr-review\/pr-review/);
      pty.handleInput('echo odoobo-$((6*7)) in $(basename "$PWD")\r');
      await out.until(/odoobo-42 in pr-review/);
      const closed = new Promise<void>((resolve) => vscode.window.onDidCloseTerminal((t) => t === terminal && resolve()));
      terminal.dispose();
      await closed;
    });

    it('scales with the cost shown and the spec edited in its editor, then deploys', async function () {
      this.timeout(180_000);
      const asked = script('apps-s-1vcpu-1gb', '2', 'Scale and Deploy');
      a.setPromptScript(asked);
      const r = await vscode.commands.executeCommand<ScaleOutcome>('odoobo.scale', SKILL);
      assert.ok(r && 'plan' in r, JSON.stringify(r));
      assert.match(asked.asked[0], /^pick: Instance size for pr-review \(now 1 × apps-s-1vcpu-0\.5gb\)/);
      assert.match(asked.asked[1], /^input: How many instances \(1–250\)\?/);
      assert.match(asked.asked[2], /Monthly cost \$5\.00\/month → \$24\.00\/month \(\+\$19\.00\)\./);
      assert.match(asked.asked[2], /App Platform's price: \$5\.00 → \$24\.00\./);
      assert.match(asked.asked[2], /\+ {4}instance_count: 2/);
      assert.equal(r.deploy.results[0].status, 'succeeded', JSON.stringify(r.deploy.results[0].error));
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === specFile);
      assert.ok(doc, 'the spec is open in an editor');
      assert.equal(doc.isDirty, false, 'and saved');
      assert.match(doc.getText(), /^ {4}instance_count: 2\n {4}instance_size_slug: apps-s-1vcpu-1gb$/m);
      assert.equal(await fs.readFile(specFile, 'utf8'), doc.getText());
      assert.match(doc.getText(), /^# DigitalOcean App Platform app spec for the pr-review skill/, 'comments kept');
    });

    it('sets a secret from a password box; a deploy of a changed spec keeps it in the running skill', async function () {
      this.timeout(240_000);
      const value = `s3cr3t-${Date.now()}`;
      a.setPromptScript(script('GITHUB_TOKEN', value));
      const set = await vscode.commands.executeCommand<{ key: string; phase?: string }>('odoobo.setSecret', SKILL);
      assert.deepEqual(set, { key: 'GITHUB_TOKEN', phase: 'ACTIVE' });
      assert.ok(!(await fs.readFile(specFile, 'utf8')).includes(value), 'the value is not in the repository');

      // A setting changed: the spec differs from the live one, so the deploy sends it (with the secret carried over).
      a.setPromptScript(script('MODEL', 'carried-over-check'));
      type Deployed = { deploy: { results: { status: string; error?: unknown }[] } };
      const deployed = await vscode.commands.executeCommand<Deployed>('odoobo.setEnvVar', SKILL);
      assert.equal(deployed.deploy.results[0].status, 'succeeded', JSON.stringify(deployed.deploy.results[0].error));

      const { terminal, pty, out } = await openConsole(a);
      try {
        pty.handleInput('echo "model=$MODEL token=$GITHUB_TOKEN."\r');
        await out.until(new RegExp(`model=carried-over-check token=${value}\\.`));
      } finally {
        terminal.dispose();
      }
    });
  });
}
