import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fixture } from './helpers';

/** Waits until the spec's diagnostics satisfy `ok`; answers them. */
type Check = (d: vscode.Diagnostic[]) => boolean;
async function diagnostics(uri: vscode.Uri, what: string, ok: Check, ms = 15_000): Promise<vscode.Diagnostic[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const d = vscode.languages.getDiagnostics(uri);
    if (ok(d)) return d;
    const seen = d.map((x) => `${x.code}: ${x.message}`).join(' | ');
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; diagnostics: ${seen}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Quick fixes computed by the linter, offered through the real code-action provider of the extension host. */
export function quickFixTests(): void {
  describe('app-spec quick fixes for numbers out of range', () => {
    let file: string;
    before(async () => {
      file = path.join((await fixture()).root, 'infra', 'quickfix-count.yaml');
      const spec = ['name: quickfix', 'services:', '  - name: web', '    run_command: uvicorn main:app --port $PORT'];
      spec.push('    http_port: 8080');
      spec.push('    health_check:', '      http_path: /health', '    instance_count: 0', '');
      await fs.writeFile(file, spec.join('\n'));
    });
    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(file, { force: true });
    });

    it('offers instance_count: 1 for instance_count: 0, and applying it leaves the spec clean', async () => {
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const before = await diagnostics(doc.uri, 'the instance_count finding', (d) => d.some((x) => /instance_count/.test(x.message)));
      const finding = before.find((x) => /instance_count/.test(x.message))!;
      assert.equal(finding.code, 'SCHEMA_ERROR');
      assert.equal(finding.range.start.line, 7);
      const ask = 'vscode.executeCodeActionProvider';
      const provided = await vscode.commands.executeCommand<vscode.CodeAction[]>(ask, doc.uri, finding.range);
      const actions = provided ?? [];
      const fix = actions.find((a) => a.title === 'Change to 1');
      assert.ok(fix?.edit, `actions: ${actions.map((a) => a.title).join(', ') || 'none'}`);
      assert.equal(fix.isPreferred, true);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.match(doc.getText(), /\n {4}instance_count: 1\n/);
      await diagnostics(doc.uri, 'no findings after the fix', (d) => d.length === 0);
    });
  });

  describe('an environment overlay (infra/<skill>.<env>.yaml) is diagnosed as an overlay', () => {
    let file: string;
    before(async () => {
      file = path.join((await fixture()).root, 'infra', 'alpha.production.yaml');
      await fs.writeFile(file, ['services:', '  - name: alpha', '    instance_cont: 2', ''].join('\n'));
    });
    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(file, { force: true });
    });

    it('renames an unknown field by quick fix; then what the merged spec gets wrong shows on the overlay\'s line', async () => {
      const doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      const unknown = await diagnostics(doc.uri, 'the unknown field', (d) => d.some((x) => x.code === 'UNKNOWN_FIELD'));
      // Not linted as a base spec: no missing name or health check.
      assert.deepEqual(unknown.map((x) => x.code), ['UNKNOWN_FIELD']);
      const finding = unknown[0];
      assert.equal(finding.range.start.line, 2);
      const ask = 'vscode.executeCodeActionProvider';
      const provided = await vscode.commands.executeCommand<vscode.CodeAction[]>(ask, doc.uri, finding.range);
      const fix = (provided ?? []).find((a) => a.title === 'Rename to "instance_count"');
      assert.ok(fix?.edit, `actions: ${(provided ?? []).map((a) => a.title).join(', ') || 'none'}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      // alpha's base runs apps-s-1vcpu-0.5gb, a single-instance size: two instances of it are flagged on the overlay.
      const merged = await diagnostics(doc.uri, 'the merged spec\'s finding', (d) => d.some((x) => /single instance/.test(x.message)));
      assert.deepEqual(merged.map((x) => [x.code, x.range.start.line]), [['SCHEMA_ERROR', 2]]);
    });
  });
}
