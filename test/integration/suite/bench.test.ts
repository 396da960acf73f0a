import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { AppPlatformClient } from '../../../src/core/do';
import { DEPLOY_PUSHED } from '../../../src/vscode/commands/deploy/unpublished';
import { NOT_SCRIPTED } from '../../../src/vscode/commands/support/prompts';
import { api, children } from './helpers';

/** `npm run bench`: activation, and how soon the tree and the status bar show what App Platform did, in the real host. */
export function benchTests(): void {
  const out = () => {
    const file = process.env.ODOOBO_BENCH_OUT;
    assert.ok(file, 'ODOOBO_BENCH_OUT is not set');
    return file;
  };

  it('measures activation', async () => {
    const a = await api();
    const items = await children(a);
    assert.ok(items.length > 0, 'the bench workspace has skills');
    await fs.writeFile(out(), JSON.stringify({ ...a.activation, treeItems: items.length }));
  });

  it('measures App Platform phase changes → the tree and the status bar showing them', async function () {
    this.timeout(300_000);
    const a = await api();
    const skills = (await children(a)).map((i) => String(i.label));
    // When the tree provider first hands out a skill item that shows BUILDING / active (our clock: same machine).
    const treeAt = new Map<string, { building?: number; active?: number }>();
    const statusAt: number[] = [];
    let counted = 0;
    const subs = [
      a.tree.onDidChangeTreeData(async () => {
        for (const item of await children(a)) {
          const seen = treeAt.get(String(item.label)) ?? {};
          treeAt.set(String(item.label), seen);
          const d = String(item.description ?? '');
          seen.building ??= /BUILDING/.test(d) ? Date.now() : undefined;
          seen.active ??= /^active/.test(d) ? Date.now() : undefined;
        }
      }),
      a.deployments.onDidChange(() => {
        const active = Number(/\$\(check\) (\d+)/.exec(a.statusBar.text)?.[1] ?? 0);
        for (; counted < active; counted++) statusAt.push(Date.now());
      }),
    ];
    let plans: { results: { skill: string; status: string; appId?: string }[] }[];
    // The demo's pr-review worktree has a commit origin lacks: the modal question is answered "Deploy Pushed".
    a.setPromptScript({
      next: (kind, prompt) => (kind === 'confirm' && prompt.startsWith('App Platform builds the branch on origin') ? DEPLOY_PUSHED : NOT_SCRIPTED),
    });
    try {
      plans = await vscode.commands.executeCommand<typeof plans>('odoobo.deployAll');
    } finally {
      a.setPromptScript(undefined);
      subs.forEach((s) => s.dispose());
    }
    assert.ok(plans.every((p) => p.results.every((r) => r.status === 'succeeded')), JSON.stringify(plans));
    // App Platform's own times for the same events: when each build started and each deployment went ACTIVE.
    const { url, token } = await a.localPlatform.ensure();
    const client = new AppPlatformClient({ baseUrl: url, token });
    const rows: { skill: string; buildingToTreeMs: number; activeToTreeMs: number; activeAt: number }[] = [];
    try {
      // The app deployed to (named per environment, e.g. <skill>-staging), as the plan reports it.
      const appIds = new Map(plans.flatMap((p) => p.results.map((r) => [r.skill, r.appId] as const)));
      for (const skill of skills) {
        const appId = appIds.get(skill);
        const app = appId ? await client.getApp(appId) : undefined;
        const dep = app?.active_deployment;
        assert.ok(dep, `${skill} has an active deployment`);
        const build = dep.progress?.steps?.find((st) => st.name === 'build');
        const activeAt = Date.parse(dep.phase_last_updated_at ?? '');
        const seen = treeAt.get(skill) ?? {};
        rows.push({ skill, buildingToTreeMs: (seen.building ?? NaN) - Date.parse(build?.started_at ?? ''), activeToTreeMs: (seen.active ?? NaN) - activeAt, activeAt });
      }
    } finally {
      await client.close();
    }
    // The status bar counts: its n-th increment shows the n-th deployment to go ACTIVE.
    const actives = rows.map((r) => r.activeAt).sort((x, y) => x - y);
    const statusMs = statusAt.slice(0, actives.length).map((t, i) => t - actives[i]);
    await fs.writeFile(`${out()}.events.json`, JSON.stringify({ skills: rows, statusActiveMs: statusMs }));
  });
}
