import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { isRefusal } from '../../../src/vscode/commands/support/refusal';
import { NOT_SCRIPTED, type PromptScript } from '../../../src/vscode/commands/support/prompts';
import { api, children, EXTENSION_ID, fixture, script, skillItem, waitFor, type Fixture } from './helpers';

type PlanResults = { results: { skill: string; status: string; error?: { code: string; step: string } }[] }[];

/** Answers the unpushed-work question with `answer` wherever it comes; any other prompt is shown for real (never here). */
function unpushedAnswer(answer: string | undefined): PromptScript & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    next(kind, prompt) {
      asked.push(`${kind}: ${prompt}`);
      if (kind === 'confirm' && prompt.startsWith('App Platform builds the branch on origin')) return answer;
      throw new Error(`unscripted ${kind} prompt: ${prompt}`);
    },
  };
}

/** Rollback wording on pr-review's deployment rows, while the deploy tests' platform still serves it (issue 17, 2.5). */
export function rollbackWordingTests(): void {
  describe('rollback wording on deployment rows', () => {
    it('labels the rollback row with a short id, and the confirmation names the deployment and its commit', async () => {
      const a = await api();
      const kids = await children(a, await skillItem(a, 'pr-review'));
      const rows = await children(a, kids.find((k) => k.contextValue === 'deployments'));
      const rollbackRow = rows.find((r) => /rollback/i.test(String(r.label)));
      assert.ok(rollbackRow, `rows: ${rows.map((r) => r.label).join(' | ')}`);
      assert.doesNotMatch(String(rollbackRow.label), /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no full deployment id in the label');
      const target = rows.find((r) => r.contextValue?.includes('+rollbackable'));
      assert.ok(target, `no superseded row: ${rows.map((r) => r.contextValue).join(', ')}`);
      const asked = script(undefined);
      a.setPromptScript(asked);
      try {
        const r = await vscode.commands.executeCommand('odoobo.rollbackToDeployment', target);
        assert.ok(isRefusal(r) && r.refused === 'cancelled', JSON.stringify(r));
      } finally {
        a.setPromptScript(undefined);
      }
      const q = /^confirm: Roll back pr-review to deployment ([0-9a-f]{8}) \((.+)\), commit ([0-9a-f]{12}|unknown)\?/.exec(asked.asked[0]);
      assert.ok(q, asked.asked[0]);
      assert.ok(target.id?.includes(`deployment:${q[1]}`), `the confirmation names ${q[1]}, the row is ${target.id}`);
      assert.match(q[2], /superseded/);
      assert.match(q[2], /ago|just now/);
    });
  });
}

/** Issue 17, 2.2/2.3/2.6/2.9 in the real extension host: runs last, on the fixture's worktrees (beta: 1 unpushed commit). */
export function commandsTests(): void {
  describe('commands: unpushed work, palette, Show Logs after a failure, walkthrough', () => {
    let a: OdooboApi;
    let fx: Fixture;

    before(async () => {
      fx = await fixture();
      a = await api();
    });
    after(async () => {
      a.setPromptScript(undefined);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await a.localPlatform.stop();
    });

    it('the walkthrough keys are set by what the earlier tests did: worktrees, a deploy, a test run, a merge', () => {
      for (const step of ['worktrees', 'deployed', 'tested', 'merged'] as const) {
        assert.ok(a.walkthrough.steps.has(step), `${step} not set; set: ${[...a.walkthrough.steps].join(', ')}`);
      }
      const contributes = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes;
      const events = contributes.walkthroughs[0].steps as { id: string; completionEvents: string[] }[];
      assert.deepEqual(events.find((s) => s.id === 'deploy')?.completionEvents, ['onContext:odoobo.walkthrough.deployed']);
    });

    it('Test and Roll Back from the palette ask for the skill', async () => {
      assert.ok(a.deployments.state('pr-review')?.liveUrl, 'pr-review serves: the deploy tests deployed it');
      const tested = script(undefined);
      a.setPromptScript(tested);
      const t = await vscode.commands.executeCommand('odoobo.test');
      assert.ok(isRefusal(t) && t.refused === 'cancelled', JSON.stringify(t));
      assert.deepEqual(tested.asked, ['pick: Test which skills?']);
      const rolled = script(undefined);
      a.setPromptScript(rolled);
      const r = await vscode.commands.executeCommand('odoobo.rollback');
      assert.ok(isRefusal(r) && r.refused === 'cancelled', JSON.stringify(r));
      assert.deepEqual(rolled.asked, ['pick: Roll back which skill?']);
      const contributes = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes;
      const palette = contributes.menus.commandPalette as { command: string; when: string }[];
      const hidden = (c: string) => palette.some((e) => e.command === c && e.when === 'false');
      for (const c of ['odoobo.test', 'odoobo.rollback', 'odoobo.cancelDeploy']) assert.ok(!hidden(c), `${c} is hidden from the palette`);
    });

    it('asks before deploying a skill with an unpushed commit; Cancel deploys nothing', async () => {
      const before = a.deployments.state('beta');
      const asked = unpushedAnswer(undefined);
      a.setPromptScript(asked);
      const r = await vscode.commands.executeCommand('odoobo.deploy', 'beta');
      assert.ok(isRefusal(r) && r.refused === 'cancelled', JSON.stringify(r));
      assert.equal(asked.asked.length, 1);
      assert.match(asked.asked[0], /beta: 1 commit not on origin\/skill\/beta, 1 uncommitted file/);
      assert.match(asked.asked[0], /Push and Deploy pushes the branches first/);
      assert.equal(a.deployments.state('beta'), before, 'nothing was deployed');
    });

    it('"Deploy Pushed" proceeds to deploy what origin has', async function () {
      this.timeout(180_000);
      const asked = unpushedAnswer('Deploy Pushed');
      a.setPromptScript(asked);
      const deploying = vscode.commands.executeCommand<PlanResults>('odoobo.deploy', 'beta');
      // It proceeds: beta deploys (its fixture app has no /health, so stop it rather than wait for the health checks).
      await waitFor(a, 'beta deploying or done', async () => a.deployments.isDeploying('beta') || a.deployments.state('beta'), 60_000);
      a.deployments.cancel('beta');
      const plans = await deploying;
      assert.ok(Array.isArray(plans), JSON.stringify(plans));
      assert.equal(plans[0].results[0].skill, 'beta', 'the plan ran');
      assert.equal(asked.asked.length, 1);
      assert.match(asked.asked[0], /^confirm: App Platform builds the branch on origin/);
    });

    it('Cancel Deployment from the palette asks which deployment in flight to cancel', async function () {
      this.timeout(180_000);
      a.setPromptScript(unpushedAnswer('Deploy Pushed'));
      const deploying = vscode.commands.executeCommand<PlanResults>('odoobo.deploy', 'pr-review');
      await waitFor(a, 'pr-review deploying', async () => a.deployments.isDeploying('pr-review'), 60_000);
      const asked = script('pr-review');
      a.setPromptScript(asked);
      const cancelled = await vscode.commands.executeCommand('odoobo.cancelDeploy');
      assert.equal(cancelled, true, JSON.stringify(cancelled));
      assert.deepEqual(asked.asked, ['pick: Cancel the deployment of which skills?']);
      const plans = await deploying;
      assert.equal(plans[0].results[0].status, 'canceled', JSON.stringify(plans[0].results[0].error));
    });

    it('Validate App Spec from the palette, with no YAML editor open, asks for one of the skills\' app specs', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const asked = script('infra/alpha.yaml');
      a.setPromptScript(asked);
      const findings = await vscode.commands.executeCommand('odoobo.validateAppSpec');
      assert.ok(Array.isArray(findings), JSON.stringify(findings));
      assert.deepEqual(asked.asked, ['pick: Validate which app spec?']);
    });

    it('Show Logs after a spec error opens the spec with its findings in the Problems view, not a run log', async function () {
      this.timeout(90_000);
      const file = path.join(fx.root, 'infra', 'alpha.yaml');
      const good = await fs.readFile(file, 'utf8');
      const envs = '    envs:\n      - key: REGION\n        value: YOUR_REGION_HERE\n';
      const broken = good.replace('    http_port: 8080\n', `    http_port: 8080\n${envs}`);
      const placeholderLine = broken.split('\n').findIndex((l) => l.includes('YOUR_REGION_HERE'));
      assert.ok(placeholderLine > 0, 'the fixture spec has an http_port line');
      await fs.writeFile(file, broken);
      // An editor of an earlier test may hold the spec: wait until it shows the file as written (the lint reads it).
      const doc = await vscode.workspace.openTextDocument(file);
      await waitFor(a, 'the spec as written', async () => doc.getText() === broken);
      try {
        // alpha's worktree may hold work from the tree tests: deploy what origin has, whatever is asked.
        const unpushed = (kind: string, prompt: string) => kind === 'confirm' && prompt.startsWith('App Platform builds');
        a.setPromptScript({ next: (kind, prompt) => (unpushed(kind, prompt) ? 'Deploy Pushed' : NOT_SCRIPTED) });
        const plans = await vscode.commands.executeCommand<PlanResults>('odoobo.deploy', 'alpha');
        const [r] = plans[0].results;
        assert.equal(r.status, 'failed');
        assert.equal(r.error?.code, 'PLACEHOLDER_VALUES');
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        const shown = await vscode.commands.executeCommand<{ type: string; status: string; problems: number }>('odoobo.showLogs', 'alpha');
        assert.equal(shown.type, 'SPEC', JSON.stringify(shown));
        assert.equal(shown.status, 'shown');
        assert.ok(shown.problems >= 1);
        assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file, 'the spec is the active editor');
        assert.equal(vscode.window.activeTextEditor?.selection.active.line, placeholderLine, 'at the placeholder');
        assert.ok(vscode.languages.getDiagnostics(vscode.Uri.file(file)).some((d) => d.code === 'PLACEHOLDER_VALUES'));
        assert.equal(a.logs.following('alpha'), undefined, 'no run log was opened');
      } finally {
        a.setPromptScript(undefined);
        await fs.writeFile(file, good);
      }
    });
  });
}
