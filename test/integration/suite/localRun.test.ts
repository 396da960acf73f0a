import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { isRefusal } from '../../../src/vscode/commands/support/refusal';
import type { InvokeResult } from '../../../src/vscode/commands/localRun/invoke';
import type { LocalRunItem } from '../../../src/vscode/localRun/localRunItem';
import { api, children, EXTENSION_ID, fixture, skillItem, waitFor, type Fixture } from './helpers';

/** Answers the Invoke… prompts by their titles: where (the local run), which request, the typed body. */
function invokeScript(request: string, typed?: string): { next(kind: string, prompt: string): string | undefined } {
  return {
    next: (kind, prompt) => (prompt.endsWith(': where') ? 'Local run' : kind === 'input' ? typed : request),
  };
}

async function localRunItem(a: OdooboApi, skill: string): Promise<LocalRunItem | undefined> {
  const kids = await children(a, await skillItem(a, skill));
  return kids.find((k) => k.contextValue === 'localrun') as LocalRunItem | undefined;
}

/** Run Locally → the tree shows the URL → Invoke… with an example request → the response editor; Testing; Debug; Stop. */
export function localRunTests(): void {
  describe('local run of a skill', () => {
    const skill = 'pr-review';
    let a: OdooboApi;
    let fx: Fixture;
    let url = '';

    before(async function () {
      this.timeout(60_000);
      fx = await fixture();
      a = await api();
      if (!existsSync(path.join(fx.root, 'skills', skill))) {
        // Run alone (ODOOBO_TEST_GREP): the deploy tests did not add the real skill yet.
        const git = (...args: string[]) => execFileSync('git', args, { cwd: fx.root, encoding: 'utf8' });
        const ext = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
        const filter = (src: string) => !src.includes('__pycache__') && !src.includes('.pytest_cache');
        await fs.cp(path.join(ext, 'skills', skill), path.join(fx.root, 'skills', skill), { recursive: true, filter });
        await fs.copyFile(path.join(ext, 'infra', `${skill}.yaml`), path.join(fx.root, 'infra', `${skill}.yaml`));
        git('add', '-A');
        git('commit', '-q', '-m', `add ${skill}`);
      }
      await vscode.commands.executeCommand('odoobo.refresh');
      await waitFor(a, `${skill} in the tree`, () => skillItem(a, skill));
    });
    after(async () => {
      a.setPromptScript(undefined);
      await vscode.commands.executeCommand('odoobo.stopLocalRun', skill);
    });

    it('Run Locally starts it and the tree shows its URL', async function () {
      this.timeout(60_000);
      const r = await vscode.commands.executeCommand<{ url: string }>('odoobo.runLocally', skill);
      assert.ok(!isRefusal(r), JSON.stringify(r));
      assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      url = r.url;
      const item = await waitFor(a, 'the local run in the tree', () => localRunItem(a, skill));
      assert.equal(item.label, url);
      assert.match(String(item.description), /running locally/);
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200);
    });

    it('Invoke… with an example request opens the skill\'s answer in an editor', async function () {
      this.timeout(30_000);
      a.setPromptScript(invokeScript('debug-output'));
      const r = await vscode.commands.executeCommand<InvokeResult>('odoobo.invoke', skill);
      assert.ok(!isRefusal(r), JSON.stringify(r));
      assert.equal(r.status, 200);
      assert.equal(r.url, `${url}/invoke`);
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.toString(), r.document.toString());
      const text = editor.document.getText();
      assert.match(text, /^POST http:\/\/127\.0\.0\.1:\d+\/invoke\nHTTP 200 · [\d.]+ ms$/m);
      assert.match(text, /^content-type: application\/json$/m);
      assert.match(text, /^ {2}"findings": \[$/m, 'the body, pretty-printed');
    });

    it('Invoke… with typed JSON that fails validation names the field', async function () {
      this.timeout(30_000);
      a.setPromptScript(invokeScript('Type the JSON body…', '{"max_findings": 0, "diff": "x"}'));
      const r = await vscode.commands.executeCommand<InvokeResult>('odoobo.invoke', skill);
      assert.equal(r.status, 422);
      assert.match(vscode.window.activeTextEditor!.document.getText(), /^✗ max_findings: /m);
    });

    it('the Testing view runs the smoke suite against the local run', async function () {
      this.timeout(30_000);
      a.smokeTests.sync();
      const item = a.smokeTests.controller.items.get(skill);
      assert.ok(item);
      const cts = new vscode.CancellationTokenSource();
      await a.smokeTests.localProfile.runHandler(new vscode.TestRunRequest([item], undefined, a.smokeTests.localProfile), cts.token);
      const outcome = a.smokeTests.lastOutcomes.get(skill);
      assert.equal(outcome?.state, 'passed', JSON.stringify(outcome));
      assert.match(outcome.message ?? '', new RegExp(`against ${url.replace(/\./g, '\\.')}`));
    });

    it('the debug configuration resolves: under debugpy, or the message says what to install', async function () {
      this.timeout(30_000);
      const config = { type: 'odoobo', request: 'launch', name: 'Debug pr-review (local run)', skill };
      const r = await vscode.commands.executeCommand<unknown>('odoobo.debugLocally', { debugConfiguration: config });
      let hasDebugpy = true;
      try {
        execFileSync('/usr/bin/python3', ['-c', 'import debugpy'], { stdio: 'ignore' });
      } catch {
        hasDebugpy = false;
      }
      const hasDebugger = !!vscode.extensions.getExtension('ms-python.debugpy') || !!vscode.extensions.getExtension('ms-python.python');
      if (hasDebugpy && hasDebugger) {
        // the running skill must stop first: one local run per skill
        assert.ok(isRefusal(r) && /already runs locally/.test(r.message), JSON.stringify(r));
        return;
      }
      assert.ok(isRefusal(r), JSON.stringify(r));
      assert.match(r.message, /^Debugging pr-review needs /);
      if (!hasDebugpy) assert.match(r.message, /the Python module debugpy for \S+python3\S* \(`\S+ -m pip install debugpy`/);
      if (!hasDebugger) assert.match(r.message, /Python Debugger extension \(ms-python\.debugpy\)/);
      assert.match(r.message, /then press F5 again\.$/);
      // through VS Code's own F5 path: the provider answers nothing, so no session starts
      assert.equal(await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], config), false);
    });

    it('Stop Local Run ends its process group and the tree no longer shows it', async function () {
      this.timeout(30_000);
      const item = await localRunItem(a, skill);
      assert.ok(item);
      const pid = item.record.pid;
      assert.equal(await vscode.commands.executeCommand('odoobo.stopLocalRun', skill), true);
      assert.throws(() => process.kill(-pid, 0), /ESRCH/);
      await waitFor(a, 'the local run gone from the tree', async () => !(await localRunItem(a, skill)));
      await assert.rejects(fetch(`${url}/health`));
    });
  });
}
