import * as vscode from 'vscode';
import type { DeployService } from './deployService';
import type { SkillsStore } from './skillsStore';
import { Disposable } from './util/disposable';

/** One item: `$(sync~spin) 2  $(check) 3  $(error) 1` (deploying / active / failed); hidden without skills. */
export class DeployStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('odoobo.deployStatus', vscode.StatusBarAlignment.Left, 50));
  private lastText = '';

  constructor(private readonly deployments: DeployService, private readonly stores: () => readonly SkillsStore[]) {
    super();
    this.item.name = 'Odoobo Skills deployments';
    this.item.command = 'odoobo.showDashboard';
    this._register(deployments.onDidChange(() => this.update()));
    this.update();
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  /** What a click runs, for tests. */
  get command(): string | vscode.Command | undefined {
    return this.item.command;
  }

  update(): void {
    const skills = this.stores().flatMap((s) => (s.model?.skills ?? []).map((v) => v.skill.name));
    if (skills.length === 0) {
      this.item.hide();
      return;
    }
    let deploying = 0;
    let active = 0;
    let failed = 0;
    const lines: string[] = [];
    for (const name of skills) {
      const st = this.deployments.state(name);
      if (st?.phase === 'deploying') deploying++;
      else if (st?.phase === 'active') active++;
      else if (st?.phase === 'failed') failed++;
      const detail = st?.detail ? ` — ${st.detail}` : '';
      const url = st?.liveUrl && st.phase === 'active' ? ` · ${st.liveUrl}` : '';
      lines.push(`${name}: ${st ? `${st.phase}${detail}${url}` : 'not deployed'}`);
    }
    const parts = [deploying ? `$(sync~spin) ${deploying}` : '', `$(check) ${active}`, failed ? `$(error) ${failed}` : ''].filter(Boolean);
    const text = parts.join('  ');
    // Only touch the item when something visible changed: no flicker while deployments report progress.
    if (text !== this.lastText) {
      this.item.text = text;
      this.lastText = text;
    }
    this.item.tooltip = lines.join('\n');
    this.item.backgroundColor = failed ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }
}
