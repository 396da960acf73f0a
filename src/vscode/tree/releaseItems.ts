/** Tree items of releases: a skill's environments other than the editor's, and its pull-request previews. */
import * as vscode from 'vscode';
import type { App } from '../../core/do/schemas';
import type { EnvironmentDef } from '../../core/environments';
import { formatAgoIso, UI_AGO } from '../../core/util/timeText';
import { flags } from './items';

/** An environment of a skill: its app and deployments below (read when expanded). */
export class EnvironmentItem extends vscode.TreeItem {
  readonly kind = 'environment' as const;
  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly skillName: string,
    readonly environment: EnvironmentDef,
    readonly appName: string,
    /** From the status file: e.g. `live · a1b2c3d · 14:32`. */
    state: string | undefined,
  ) {
    super(environment.name, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `${folder.uri.toString()}#skill:${skillName}/env:${environment.name}`;
    this.description = [appName, state, environment.requiresApproval ? 'approval required' : undefined].filter(Boolean).join(' · ');
    this.iconPath = new vscode.ThemeIcon(environment.protected ? 'shield' : 'server-environment');
    this.contextValue = flags('environment', { approval: environment.requiresApproval, protected: environment.protected });
    this.tooltip = `${environment.name}: app ${appName}${environment.branch ? `, built from ${environment.branch}` : ', built from the skill branch'}`;
  }
}

/** A pull request's preview app (`<skill>-pr-<n>`): its URL and age; `odoobo preview down` deletes it. */
export class PreviewItem extends vscode.TreeItem {
  readonly kind = 'preview' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly skillName: string, readonly pr: number, readonly app: App) {
    super(`PR #${pr}`, vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#skill:${skillName}/preview:${pr}`;
    const phase = app.active_deployment?.phase?.toLowerCase() ?? app.in_progress_deployment?.phase?.toLowerCase() ?? 'no deployment';
    this.description = [app.spec.name, phase === 'active' ? 'live' : phase, formatAgoIso(app.created_at, Date.now(), UI_AGO)]
      .filter(Boolean)
      .join(' · ');
    this.iconPath = new vscode.ThemeIcon('git-pull-request');
    this.contextValue = flags('preview', { live: !!app.live_url });
    this.tooltip = `Preview of pull request #${pr}: app ${app.spec.name} (${app.id})${app.live_url ? `\n${app.live_url}` : ''}`;
    if (app.live_url) this.command = { command: 'vscode.open', title: 'Open Preview', arguments: [vscode.Uri.parse(app.live_url)] };
  }
}
