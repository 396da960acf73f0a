import * as vscode from 'vscode';
import { formatEnvironmentCounts } from '../core/status/environmentCounts';
import { settings } from './config';
import type { DeployService } from './deployService';
import type { SkillsStore } from './skillsStore';
import { summarize, type TargetView } from './tree/deployState';
import { Disposable } from './util/disposable';

/**
 * One item: `$(sync~spin) 2  $(check) 5  $(warning) 1  $(error) 1` (deploying / serving / of those, serving the
 * previous deployment after a failed deploy / failed with nothing serving); hidden without skills. The tooltip's
 * first line names the target it counts (local App Platform and its URL, or DigitalOcean).
 */
export class DeployStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('odoobo.deployStatus', vscode.StatusBarAlignment.Left, 50));
  private lastText = '';

  constructor(private readonly deployments: DeployService, private readonly stores: () => readonly SkillsStore[]) {
    super();
    this.item.name = 'Odoobo Skills deployments';
    this.item.command = 'odoobo.showDashboard';
    this._register(deployments.onDidChange(() => this.update()));
    this._register(deployments.onDidChangeEndpoint(() => this.update()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('odoobo') ? this.update() : undefined)));
    this.update();
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  /** The tooltip shown, for tests. */
  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  /** What a click runs, for tests. */
  get command(): string | vscode.Command | undefined {
    return this.item.command;
  }

  /** The target the counts are about: the setting, with the URL of the platform last reached on it. */
  private target(): TargetView {
    const s = settings();
    const reached = this.deployments.endpoint;
    const apiUrl = reached?.target === s.target ? reached.apiUrl : s.target === 'local' && s.apiUrl ? s.apiUrl : undefined;
    return { target: s.target, ...(apiUrl ? { apiUrl } : {}) };
  }

  update(): void {
    const skills = this.stores().flatMap((s) => (s.model?.skills ?? []).map((v) => v.skill.name));
    if (skills.length === 0) {
      this.item.hide();
      return;
    }
    const summary = summarize(skills.map((name) => ({ name, state: this.deployments.state(name) })), this.target());
    // Only touch the item when something visible changed: no flicker while deployments report progress.
    if (summary.text !== this.lastText) {
      this.item.text = summary.text;
      this.lastText = summary.text;
    }
    // With environments, what the status file says of each one (the counts above are the editor's environment).
    const byEnv = this.deployments.environmentCounts;
    this.item.tooltip = byEnv.length > 1 ? `${summary.tooltip}\n\nBy environment:\n${formatEnvironmentCounts(byEnv).join('\n')}` : summary.tooltip;
    this.item.backgroundColor =
      summary.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : summary.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
  }
}
