import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { isRefusal } from '../../../src/vscode/commands/support/refusal';
import { AppPlatformClient } from '../../../src/core/do';
import { StatusStore } from '../../../src/core/status';
import { api, children, EXTENSION_ID, fixture, script, skillItem, waitFor, type Fixture } from './helpers';
import { dashboardTests } from './dashboard.test';
import { insightsTests } from './insights.test';
import { logsAndTestingTests } from './logsTesting.test';
import { quickFixTests } from './quickFixes.test';
import { commandsTests, rollbackWordingTests } from './commands.test';
import { cockpitTests } from './cockpit.test';
import { operateTests } from './operate.test';
import { localRunTests } from './localRun.test';
import { releaseTests } from './release.test';

export function trustedTests(): void {
  let a: OdooboApi;
  let fx: Fixture;

  before(async () => {
    fx = await fixture();
    a = await api();
  });

  describe('activation and manifest', () => {
    it('activates on a workspace that holds skills, in a trusted workspace', () => {
      assert.equal(vscode.workspace.isTrusted, true);
      assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
      assert.equal(vscode.workspace.workspaceFolders?.[0].uri.fsPath, fx.root);
    });

    it('registers exactly the commands package.json declares', async () => {
      const declared = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command).sort();
      // The workbench adds `odoobo.skills.focus`, `.open`, … for the view itself; those are not ours.
      const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('odoobo.') && !c.startsWith('odoobo.skills.')).sort();
      assert.deepEqual(registered, declared);
      assert.deepEqual([...a.commandIds].sort(), declared);
    });

    it('contributes a walkthrough whose steps open existing pages and run declared commands', async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
      const json = ext.packageJSON.contributes;
      const [walk] = json.walkthroughs as { id: string; steps: { id: string; description: string; media: { markdown: string }; completionEvents: string[] }[] }[];
      assert.deepEqual(walk.steps.map((st) => st.id), ['target', 'token', 'worktrees', 'deploy', 'test', 'merge']);
      const declared = new Set((json.commands as { command: string }[]).map((c) => c.command));
      for (const st of walk.steps) {
        const page = await fs.readFile(path.join(ext.extensionPath, st.media.markdown), 'utf8');
        assert.match(page, /^# /, `${st.media.markdown} is the step's page`);
        const links = [...st.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
        assert.equal(links.length, 1, `${st.id} has one action`);
        assert.ok(declared.has(links[0]), `${st.id} runs ${links[0]}, which is declared`);
        assert.ok(st.completionEvents.some((e) => e === `onCommand:${links[0]}` || e.startsWith('onContext:odoobo.walkthrough.')), `${st.id} ticks`);
      }
    });

    it('declares every setting with its default', () => {
      const c = vscode.workspace.getConfiguration('odoobo');
      assert.equal(c.get('target'), 'local');
      assert.equal(c.get('concurrency'), 5);
      assert.equal(c.get('deployTimeout'), 600);
      assert.equal(c.get('skillsLocation'), 'skills');
      assert.equal(c.get('apiUrl'), '');
      assert.equal(c.get('worktreeRoot'), '');
      assert.equal(c.get('pollInterval'), 5);
    });
  });

  describe('Skills tree', () => {
    it('lists every valid skill and each invalid manifest as an error item', async () => {
      const labels = (await children(a)).map((i) => i.label);
      assert.deepEqual(labels, [...fx.skills, ...fx.invalid].sort());
      const broken = await skillItem(a, fx.invalid[0]);
      assert.equal(broken?.contextValue, 'skill+invalid');
      assert.match(String(broken?.tooltip), /manifest\.json:\d+:\d+/);
    });

    it('shows worktree state in contextValue flags and descriptions', async () => {
      const [clean, dirty] = Object.keys(fx.worktrees);
      const cleanItem = await skillItem(a, clean);
      assert.equal(cleanItem?.contextValue, 'skill+valid+worktree');
      const dirtyItem = await skillItem(a, dirty);
      assert.equal(dirtyItem?.contextValue, 'skill+valid+worktree+dirty+ahead');
      assert.match(String(dirtyItem?.description), /↑1/);
      const noWt = fx.skills.find((s) => !fx.worktrees[s])!;
      assert.equal((await skillItem(a, noWt))?.contextValue, 'skill+valid+noworktree');
    });

    it('gives a skill its worktree, its app and its app spec as children', async () => {
      const [clean, dirty] = Object.keys(fx.worktrees);
      const [wt, app, spec] = await children(a, await skillItem(a, clean));
      // The local App Platform is not started just to expand a node: the app row says how it will be read.
      assert.equal(a.localPlatform.isRunning, false);
      assert.equal(app.contextValue, 'info+app');
      assert.match(String(app.description), /not read: the local App Platform starts with the first deploy/);
      assert.deepEqual(app.command?.arguments, [clean]);
      assert.equal(wt.label, `skill/${clean}`);
      assert.equal(wt.contextValue, 'worktree+present');
      assert.match(String(wt.description), /^clean · \.\.\/repo-worktrees\//);
      assert.equal(wt.resourceUri?.fsPath, fx.worktrees[clean].path);
      assert.equal(spec.label, `infra/${clean}.yaml`);
      assert.equal(spec.contextValue, 'appspec');
      assert.deepEqual(spec.command?.arguments?.[0].fsPath, path.join(fx.root, 'infra', `${clean}.yaml`));
      const [dwt] = await children(a, await skillItem(a, dirty));
      assert.equal(dwt.contextValue, 'worktree+present+dirty+ahead');
      const noWt = fx.skills.find((s) => !fx.worktrees[s])!;
      const [none] = await children(a, await skillItem(a, noWt));
      assert.equal(none.contextValue, 'noworktree+repo');
      assert.equal(none.command?.command, 'odoobo.setupWorktrees');
    });

    it('keeps item ids stable across refreshes', async () => {
      const ids = async () => {
        const top = await children(a);
        const nested = await Promise.all(top.map((t) => children(a, t)));
        return [...top, ...nested.flat()].map((i) => i.id);
      };
      const before = await ids();
      assert.equal(new Set(before).size, before.length, 'ids are unique');
      await vscode.commands.executeCommand('odoobo.refresh');
      assert.deepEqual(await ids(), before);
    });
  });

  describe('refresh by itself on file and git events', () => {
    it('shows a skill added on disk', async () => {
      const dir = path.join(fx.root, 'skills', 'zeta');
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ name: 'zeta', description: 'added by the test', version: '1.0.0', run: 'python3 main.py', appSpec: 'infra/zeta.yaml' }));
      const item = await waitFor(a, 'skill zeta in the tree', () => skillItem(a, 'zeta'));
      assert.match(String(item.description), /v1\.0\.0/);
    });

    it('shows a manifest becoming invalid, and valid again', async () => {
      const file = path.join(fx.root, 'skills', 'zeta', 'manifest.json');
      const good = await fs.readFile(file, 'utf8');
      await fs.writeFile(file, good.replace('"1.0.0"', '"one"'));
      await waitFor(a, 'zeta flagged invalid', async () => (await skillItem(a, 'zeta'))?.contextValue === 'skill+invalid');
      await fs.writeFile(file, good);
      await waitFor(a, 'zeta valid again', async () => (await skillItem(a, 'zeta'))?.contextValue?.startsWith('skill+valid'));
    });

    it('shows a worktree created with git', async () => {
      const noWt = fx.skills.find((s) => !fx.worktrees[s])!;
      const wtPath = path.join(path.dirname(fx.root), 'repo-worktrees', noWt);
      execFileSync('git', ['worktree', 'add', '-q', '-b', `skill/${noWt}`, wtPath, 'main'], { cwd: fx.root });
      await waitFor(a, `${noWt} with a worktree`, async () => (await skillItem(a, noWt))?.contextValue?.includes('+worktree'));
    });

    it('shows a clean worktree turning dirty when a file in it changes', async () => {
      const [clean] = Object.keys(fx.worktrees);
      await fs.writeFile(path.join(fx.worktrees[clean].path, 'scratch.txt'), 'work in progress\n');
      const item = await waitFor(a, `${clean} dirty`, async () => {
        const i = await skillItem(a, clean);
        return i?.contextValue?.includes('+dirty') ? i : undefined;
      });
      assert.match(String(item.description), /1 changed/);
    });

    it('drops a skill whose folder is deleted', async () => {
      await fs.rm(path.join(fx.root, 'skills', 'zeta'), { recursive: true, force: true });
      await waitFor(a, 'zeta gone', async () => !(await skillItem(a, 'zeta')));
    });
  });

  describe('commands', () => {
    it('chooses the target and writes it to the workspace settings', async () => {
      assert.equal(await vscode.commands.executeCommand('odoobo.chooseTarget', 'digitalocean'), 'digitalocean');
      assert.equal(vscode.workspace.getConfiguration('odoobo').get('target'), 'digitalocean');
      a.setPromptScript(script('local'));
      try {
        assert.equal(await vscode.commands.executeCommand('odoobo.chooseTarget'), 'local');
      } finally {
        a.setPromptScript(undefined);
      }
      assert.equal(vscode.workspace.getConfiguration('odoobo').get('target'), 'local');
    });

    it('checks the token against the API, stores it in secret storage (never in settings) and removes it', async () => {
      // The token is checked against the API before it is stored: here the local App Platform, which checks bearer
      // tokens as DigitalOcean does (401 for an unknown one).
      const platform = await a.localPlatform.ensure();
      const config = vscode.workspace.getConfiguration('odoobo');
      const token = 'dop_v1_' + 'ab12'.repeat(16);
      const closed = await new Promise<number>((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const port = (srv.address() as net.AddressInfo).port;
          srv.close(() => resolve(port));
        });
      });
      await config.update('apiUrl', platform.url, vscode.ConfigurationTarget.Workspace);
      try {
        a.setPromptScript(script(token));
        const bad = await vscode.commands.executeCommand('odoobo.setToken');
        assert.ok(isRefusal(bad), `an unknown token was accepted: ${JSON.stringify(bad)}`);
        assert.match(bad.message, /refused this token: it is unknown or revoked \(401\)\. It was not stored/);
        assert.ok(!bad.message.includes(token));
        a.setPromptScript(script(platform.token));
        assert.equal(await vscode.commands.executeCommand('odoobo.setToken'), 'stored');
        a.setPromptScript(script(''));
        assert.equal(await vscode.commands.executeCommand('odoobo.setToken'), 'removed');
        // Unreachable API: stored only when the user says so.
        await config.update('apiUrl', `http://127.0.0.1:${closed}`, vscode.ConfigurationTarget.Workspace);
        const asked = script(token, undefined);
        a.setPromptScript(asked);
        const declined = await vscode.commands.executeCommand('odoobo.setToken');
        assert.ok(isRefusal(declined) && declined.refused === 'cancelled');
        assert.match(asked.asked[1], /^confirm: Could not reach http:\/\/127\.0\.0\.1:\d+ to check the token \(NETWORK_ERROR/);
        a.setPromptScript(script(token, 'Store Unchecked'));
        assert.equal(await vscode.commands.executeCommand('odoobo.setToken'), 'stored');
        a.setPromptScript(script(''));
        assert.equal(await vscode.commands.executeCommand('odoobo.setToken'), 'removed');
        a.setPromptScript(script('not a token'));
        const r = await vscode.commands.executeCommand('odoobo.setToken');
        assert.ok(isRefusal(r));
        assert.match(r.message, /no spaces/);
      } finally {
        a.setPromptScript(undefined);
        await config.update('apiUrl', undefined, vscode.ConfigurationTarget.Workspace);
        await a.localPlatform.stop();
      }
      const settingsFile = path.join(fx.root, '.vscode', 'settings.json');
      const text = await fs.readFile(settingsFile, 'utf8').catch(() => '');
      assert.ok(!text.includes(token), 'the token must not be written to settings');
    });

    it('scaffolds a new skill that appears in the tree', async () => {
      a.setPromptScript(script('hello-world', 'Says hello'));
      try {
        assert.equal(await vscode.commands.executeCommand('odoobo.scaffoldSkill'), 'hello-world');
      } finally {
        a.setPromptScript(undefined);
      }
      await waitFor(a, 'hello-world in the tree', () => skillItem(a, 'hello-world'));
      await fs.stat(path.join(fx.root, 'infra', 'hello-world.yaml'));
      a.setPromptScript(script('../escape'));
      try {
        const r = await vscode.commands.executeCommand('odoobo.scaffoldSkill');
        assert.ok(isRefusal(r));
        assert.match(r.message, /Invalid name/);
      } finally {
        a.setPromptScript(undefined);
      }
      await assert.rejects(fs.stat(path.join(fx.root, 'escape')));
    });
  });

  describe('local App Platform on demand', () => {
    it('starts the embedded platform once, answers the App Platform API with its token only, and stops', async () => {
      assert.equal(a.localPlatform.isRunning, false, 'nothing starts before it is needed');
      const [first, second] = await Promise.all([a.localPlatform.ensure(), a.localPlatform.ensure()]);
      assert.equal(first, second, 'concurrent callers share one platform');
      assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const client = new AppPlatformClient({ baseUrl: first.url, token: first.token });
      try {
        assert.deepEqual(await client.listApps(), []);
        const anonymous = await fetch(`${first.url}/v2/apps`);
        assert.equal(anonymous.status, 401);
      } finally {
        await client.close();
      }
      await a.localPlatform.stop();
      assert.equal(a.localPlatform.isRunning, false);
      await assert.rejects(fetch(`${first.url}/v2/apps`));
    });
  });

  describe('validate app spec', () => {
    it('lints an app spec and shows its findings as diagnostics with codes and exact ranges', async () => {
      const file = path.join(fx.root, 'infra', 'lint-me.yaml');
      await fs.writeFile(file, ['name: lint-me', 'services:', '  - name: web', '    http_port: 8080', '    envs:', '      - key: API_TOKEN', '        value: YOUR_TOKEN_HERE', ''].join('\n'));
      const findings = await vscode.commands.executeCommand<{ code: string }[]>('odoobo.validateAppSpec', vscode.Uri.file(file));
      assert.ok(Array.isArray(findings), JSON.stringify(findings));
      const diags = vscode.languages.getDiagnostics(vscode.Uri.file(file));
      const placeholder = diags.find((d) => d.code === 'PLACEHOLDER_VALUES');
      assert.ok(placeholder, `diagnostics: ${diags.map((d) => d.code).join(', ')}`);
      assert.equal(placeholder.range.start.line, 6);
      assert.equal(placeholder.severity, vscode.DiagnosticSeverity.Error);
      assert.ok(diags.some((d) => d.code === 'MISSING_HEALTH_CHECK'));
      await fs.rm(file);
    });
  });

  describe('app-spec diagnostics as you type, and quick fixes', () => {
    const specFile = () => path.join(fx.root, 'infra', 'live.yaml');
    const secret = 'dop_v1_' + '0123456789abcdef'.repeat(4);
    const diagnosticsWith = (uri: vscode.Uri, code: string, present = true) =>
      waitFor(a, `${present ? '' : 'no '}${code} on ${path.basename(uri.fsPath)}`, async () => {
        const has = vscode.languages.getDiagnostics(uri).some((d) => d.code === code);
        return has === present ? vscode.languages.getDiagnostics(uri) : undefined;
      });
    const fixes = async (uri: vscode.Uri, code: string) => {
      const d = vscode.languages.getDiagnostics(uri).find((x) => x.code === code)!;
      return (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range)) ?? [];
    };

    before(async () => {
      await fs.writeFile(
        specFile(),
        ['name: live', 'services:', '  - name: web', '    instance_size_slug: apps-s-1vcpu-0.5gbb', '    http_port: 8080', '    envs:', '      - key: DO_TOKEN', `        value: ${secret}`, '      - key: REGION_NAME', '        value: PLACEHOLDER', ''].join('\n'),
      );
    });
    after(async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(specFile(), { force: true });
    });

    it('lints an app spec when it opens and again as it is edited', async () => {
      const doc = await vscode.workspace.openTextDocument(specFile());
      await vscode.window.showTextDocument(doc);
      const diags = await diagnosticsWith(doc.uri, 'PLAINTEXT_SECRET');
      assert.ok(!diags.some((d) => d.message.includes(secret)), 'the secret is masked in the message');
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, new vscode.Position(0, 0), 'bogus_top_level: 1\n');
      await vscode.workspace.applyEdit(edit);
      const after = await diagnosticsWith(doc.uri, 'UNKNOWN_FIELD');
      assert.equal(after.find((d) => d.code === 'UNKNOWN_FIELD')!.range.start.line, 0);
      await vscode.commands.executeCommand('undo');
      await diagnosticsWith(doc.uri, 'UNKNOWN_FIELD', false);
    });

    it('turns a plaintext secret into a type: SECRET env without its value', async () => {
      const uri = vscode.Uri.file(specFile());
      const action = (await fixes(uri, 'PLAINTEXT_SECRET')).find((x) => /SECRET/.test(x.title));
      assert.ok(action?.edit, 'a quick fix is offered');
      assert.ok(await vscode.workspace.applyEdit(action.edit));
      const text = (await vscode.workspace.openTextDocument(uri)).getText();
      assert.ok(!text.includes(secret), 'the secret is gone from the file');
      assert.match(text, /- key: DO_TOKEN\n\s+type: SECRET/);
      await diagnosticsWith(uri, 'PLAINTEXT_SECRET', false);
    });

    it('changes an unknown instance size to the nearest valid one', async () => {
      const uri = vscode.Uri.file(specFile());
      const diags = await diagnosticsWith(uri, 'SCHEMA_ERROR').catch(() => vscode.languages.getDiagnostics(uri));
      const sizeDiag = diags.find((d) => /instance_size_slug|size/.test(d.message));
      assert.ok(sizeDiag, `diagnostics: ${diags.map((d) => `${d.code}: ${d.message}`).join(' | ')}`);
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, sizeDiag.range)) ?? [];
      const change = actions.find((x) => x.title.includes('apps-s-1vcpu-0.5gb"'));
      assert.ok(change?.edit, `actions: ${actions.map((x) => x.title).join(', ')}`);
      await vscode.workspace.applyEdit(change.edit);
      assert.match((await vscode.workspace.openTextDocument(uri)).getText(), /instance_size_slug: apps-s-1vcpu-0\.5gb\n/);
    });

    it('replaces a placeholder with a value the user enters, and adds a default health_check', async () => {
      const uri = vscode.Uri.file(specFile());
      await diagnosticsWith(uri, 'PLACEHOLDER_VALUES');
      const d = vscode.languages.getDiagnostics(uri).find((x) => x.code === 'PLACEHOLDER_VALUES')!;
      assert.equal(await vscode.commands.executeCommand('odoobo.replacePlaceholder', uri, d.range, 'eu-central'), true);
      assert.match((await vscode.workspace.openTextDocument(uri)).getText(), /value: eu-central\n/);
      await diagnosticsWith(uri, 'PLACEHOLDER_VALUES', false);
      const hc = (await fixes(uri, 'MISSING_HEALTH_CHECK')).find((x) => /health_check/.test(x.title));
      assert.ok(hc?.edit);
      await vscode.workspace.applyEdit(hc.edit);
      assert.match((await vscode.workspace.openTextDocument(uri)).getText(), /health_check:\n\s+http_path: \/health/);
      await diagnosticsWith(uri, 'MISSING_HEALTH_CHECK', false);
    });
  });

  describe('worktree actions', () => {
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

    it('sets up a worktree after explicit consent to a temporary root, and reuses it the second time', async () => {
      a.setPromptScript(script('Use Temporary Folder'));
      try {
        const reports = await vscode.commands.executeCommand<{ outcomes: { skill: string; status: string; push?: string; path?: string }[] }[]>('odoobo.setupWorktrees', 'hello-world');
        assert.ok(Array.isArray(reports), JSON.stringify(reports));
        const [o] = reports[0].outcomes;
        assert.equal(o.skill, 'hello-world');
        assert.equal(o.status, 'created');
        assert.equal(git(fx.root, 'rev-parse', '--abbrev-ref', 'skill/hello-world@{upstream}'), 'origin/skill/hello-world');
        a.setPromptScript(script('Use Temporary Folder'));
        const again = await vscode.commands.executeCommand<{ outcomes: { status: string }[] }[]>('odoobo.setupWorktrees', 'hello-world');
        assert.equal(again[0].outcomes[0].status, 'reused');
      } finally {
        a.setPromptScript(undefined);
      }
      await waitFor(a, 'hello-world with a worktree', async () => (await skillItem(a, 'hello-world'))?.contextValue?.includes('+worktree'));
    });

    it('refuses to remove a worktree with uncommitted work unless told to, and loses nothing', async () => {
      const wtPath = path.join(path.dirname(fx.root), 'repo-worktrees', 'hello-world');
      const precious = path.join(wtPath, 'precious.txt');
      await fs.writeFile(precious, 'work in progress\n');
      a.setPromptScript(script('Remove Worktree', undefined));
      try {
        const r = await vscode.commands.executeCommand('odoobo.removeWorktree', 'hello-world');
        assert.ok(isRefusal(r), JSON.stringify(r));
        assert.match(r.message, /uncommitted/i);
      } finally {
        a.setPromptScript(undefined);
      }
      assert.equal(await fs.readFile(precious, 'utf8'), 'work in progress\n');
      await fs.rm(precious);
      a.setPromptScript(script('Remove Worktree'));
      try {
        const r = await vscode.commands.executeCommand<{ removed: boolean }>('odoobo.removeWorktree', 'hello-world');
        assert.equal(r.removed, true);
      } finally {
        a.setPromptScript(undefined);
      }
      await assert.rejects(fs.stat(wtPath));
      await waitFor(a, 'hello-world without a worktree', async () => (await skillItem(a, 'hello-world'))?.contextValue?.includes('+noworktree'));
    });

    it('refuses to merge a skill with no live deployment, naming each unmet precondition', async () => {
      const [clean] = Object.keys(fx.worktrees);
      const results = await vscode.commands.executeCommand<{ status: string; unmet: { code: string }[]; checks: { code: string; status: string }[] }[]>('odoobo.merge', clean);
      assert.equal(results[0].status, 'refused');
      assert.ok(results[0].unmet.some((u) => u.code === 'NO_DEPLOYMENT'), JSON.stringify(results[0].unmet));
      assert.ok(results[0].checks.some((c) => c.status === 'not-checked'), 'smoke tests are reported as not checked');
    });

    it('merges a skill whose recorded deployment is ACTIVE on its HEAD, with the deployment in git trailers', async () => {
      const skill = fx.skills.find((s) => !fx.worktrees[s])!; // its worktree was created with git above, clean
      const wtPath = path.join(path.dirname(fx.root), 'repo-worktrees', skill);
      await fs.writeFile(path.join(wtPath, 'skills', skill, 'feature.py'), 'FEATURE = True\n');
      git(wtPath, 'add', '-A');
      git(wtPath, 'commit', '-q', '-m', `${skill}: a feature`);
      const head = git(wtPath, 'rev-parse', 'HEAD');
      const store = await StatusStore.forRepository(fx.root);
      await store.recordDeployment(skill, { target: 'local', appId: 'app-123', deploymentId: 'dep-456', phase: 'ACTIVE', commit: head, liveUrl: 'http://127.0.0.1:1', deployedAt: new Date().toISOString() });
      // Earlier tests left work in the main worktree (settings, the scaffolded skill): merge refuses that, so commit it.
      git(fx.root, 'add', '-A');
      git(fx.root, 'commit', '-q', '-m', 'work from earlier tests');
      a.setPromptScript(script('Merge'));
      let results: { status: string; mergeCommit?: string }[];
      try {
        results = await vscode.commands.executeCommand<typeof results>('odoobo.merge', skill);
      } finally {
        a.setPromptScript(undefined);
      }
      assert.equal(results[0].status, 'merged', JSON.stringify(results[0]));
      assert.equal(git(fx.root, 'rev-parse', 'main'), results[0].mergeCommit);
      assert.equal(git(fx.root, 'log', '-1', '--format=%(trailers:key=Deployment-Id,valueonly)'), 'dep-456');
      assert.equal(git(fx.root, 'log', '-1', '--format=%(trailers:key=Deployed-Commit,valueonly)'), head);
      assert.equal(git(fx.root, 'log', '-1', '--format=%P').split(' ').length, 2, 'a --no-ff merge commit');
    });
  });

  describe('deploy on the embedded local App Platform', () => {
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

    before(async () => {
      // A real FastAPI skill from this repository, on its pushed branch skill/pr-review (App Platform builds from origin).
      const ext = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
      await fs.cp(path.join(ext, 'skills', 'pr-review'), path.join(fx.root, 'skills', 'pr-review'), { recursive: true, filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache') });
      await fs.copyFile(path.join(ext, 'infra', 'pr-review.yaml'), path.join(fx.root, 'infra', 'pr-review.yaml'));
      git(fx.root, 'add', '-A');
      git(fx.root, 'commit', '-q', '-m', 'add pr-review');
      git(fx.root, 'push', '-q', 'origin', 'main:refs/heads/skill/pr-review');
      await waitFor(a, 'pr-review in the tree', () => skillItem(a, 'pr-review'));
    });

    after(() => a.localPlatform.stop());

    it('deploys a skill through the whole procedure, shows it live in the tree and the status bar', async function () {
      this.timeout(120_000);
      const plans = await vscode.commands.executeCommand<{ results: { skill: string; status: string; liveUrl?: string; error?: unknown; steps: { name: string; status: string }[] }[] }[]>('odoobo.deploy', 'pr-review');
      assert.ok(Array.isArray(plans), JSON.stringify(plans));
      const [r] = plans[0].results;
      assert.equal(r.status, 'succeeded', JSON.stringify(r.error ?? r));
      assert.deepEqual(
        r.steps.filter((st) => st.status === 'succeeded').map((st) => st.name),
        ['lock', 'prepare', 'validate', 'apply', 'create', 'monitor', 'health', 'traffic', 'post-deploy', 'record'].filter((n) => r.steps.some((st) => st.name === n)),
      );
      const health = await fetch(`${r.liveUrl}/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { skill: string }).skill, 'pr-review');
      const item = await waitFor(a, 'pr-review active in the tree', async () => {
        const i = await skillItem(a, 'pr-review');
        return i?.contextValue?.includes('+active') ? i : undefined;
      });
      assert.match(String(item.description), /^active/);
      assert.match(a.statusBar.text, /\$\(check\) 1/);
    });

    it('runs the smoke suite against the live skill and records it', async () => {
      const results = await vscode.commands.executeCommand<{ passed: boolean; checks: { name: string; status: string }[] }[]>('odoobo.test', 'pr-review');
      assert.ok(Array.isArray(results), JSON.stringify(results));
      assert.equal(results[0].passed, true, JSON.stringify(results[0].checks));
      assert.ok(results[0].checks.length >= 5);
      const status = await (await StatusStore.forRepository(fx.root)).skill('pr-review');
      assert.equal(status?.lastTest?.status, 'passed');
    });

    it('shows the app and its recent deployments under the skill, and rolls back to an earlier one from the tree', async function () {
      this.timeout(120_000);
      const appChildren = async () => {
        const kids = await children(a, await skillItem(a, 'pr-review'));
        const app = kids.find((k) => k.contextValue?.startsWith('app'));
        const group = kids.find((k) => k.contextValue === 'deployments');
        assert.ok(app && group, `no app / deployments under pr-review: ${kids.map((k) => k.contextValue).join(', ')}`);
        return { kids, app, deployments: await children(a, group) };
      };
      const first = await appChildren();
      assert.deepEqual(first.kids.map((k) => k.contextValue?.split('+')[0]), ['noworktree', 'app', 'deployments', 'appspec']);
      assert.match(String(first.app.label), /^http:\/\/127\.0\.0\.1:\d+/);
      assert.equal(first.app.contextValue, 'app+live');
      assert.match(String(first.app.description), /^fra · apps-s-1vcpu-0\.5gb · \$\d+(\.\d+)?\/mo · local$/);
      assert.equal(first.deployments.length, 1);
      assert.match(String(first.deployments[0].description), /^live · (just now|\d+ s ago) · \d+(\.\d)? s$/);
      assert.equal(first.deployments[0].contextValue, 'deployment+active');

      const again = await vscode.commands.executeCommand<{ results: { status: string }[] }[]>('odoobo.deploy', 'pr-review');
      assert.equal(again[0].results[0].status, 'succeeded');
      const second = await appChildren();
      assert.equal(second.deployments.length, 2, 'the second deployment is listed first, the first one is now superseded');
      assert.equal(second.deployments[0].contextValue, 'deployment+active');
      assert.equal(second.deployments[1].contextValue, 'deployment+rollbackable');

      a.setPromptScript(script('Roll Back'));
      let rolled: { status: string; error?: unknown };
      try {
        rolled = await vscode.commands.executeCommand<{ status: string; error?: unknown }>('odoobo.rollback', second.deployments[1]);
      } finally {
        a.setPromptScript(undefined);
      }
      assert.equal(rolled.status, 'succeeded', JSON.stringify(rolled));
      const third = await appChildren();
      assert.equal(third.deployments.length, 3);
      assert.equal(third.deployments[0].contextValue, 'deployment+active');
      assert.match(String(third.deployments[0].label), /rollback/i);
    });

    it('polls a deployment started elsewhere (CI, another window) only while the view is visible', async function () {
      this.timeout(120_000);
      const { url, token } = await a.localPlatform.ensure();
      const client = new AppPlatformClient({ baseUrl: url, token });
      try {
        const app = await client.findAppByName('pr-review');
        assert.ok(app);
        a.apps.setVisible(false);
        const dep = await client.createDeployment(app.id);
        a.apps.forget('pr-review');
        await children(a, await skillItem(a, 'pr-review'));
        assert.ok(a.apps.peek('pr-review')?.app?.in_progress_deployment || a.apps.peek('pr-review')?.app?.pending_deployment, 'read while in flight');
        assert.deepEqual(a.apps.polling, [], 'no polling while the view is hidden');
        a.apps.setVisible(true);
        assert.deepEqual(a.apps.polling, ['pr-review'], 'only the app with a deployment in flight is polled');
        await waitFor(a, 'the deployment started elsewhere to show as live', async () => a.apps.peek('pr-review')?.app?.active_deployment?.id === dep.id, 90_000);
        assert.deepEqual(a.apps.polling, [], 'polling stops once it settled');
        const kids = await children(a, await skillItem(a, 'pr-review'));
        const deployments = await children(a, kids.find((k) => k.contextValue === 'deployments'));
        assert.ok(deployments[0].id?.endsWith(`deployment:${dep.id}`));
      } finally {
        a.apps.setVisible(false);
        await client.close();
      }
    });

    // pr-review is live now (and the platform still runs: the after hook above stops it once these are done).
    logsAndTestingTests();
    rollbackWordingTests();
    cockpitTests();
    operateTests();
  });

  quickFixTests();
  dashboardTests();
  insightsTests();
  commandsTests();
  localRunTests();
  // Last: it declares environments (infra/environments.yaml) for a while and renames apps with them.
  releaseTests();
}
