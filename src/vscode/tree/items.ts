import * as path from 'node:path';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Worktree } from '../../core/git/worktrees';
import type { SkillProblem } from '../../core/skills/loadSkills';
import { formatSkillProblem } from '../../core/skills/loadSkills';
import type { SkillView } from '../../core/skillsModel';
import type { SkillDeployState } from '../deployService';
import { lookOf, presentDeploy } from './deployState';
import type { Deployment } from '../../core/do';
import { deploymentDurationMs } from '../../core/deploy/appHistory';
import { commitOf } from '../../core/deploy/apps';
import type { AppDetails } from '../appDetails';
import { healthMonitor, healthText } from '../operate/health';
import { formatAgoIso, formatDuration, UI_AGO } from '../../core/util/timeText';
import type { LocalRunItem } from '../localRun/localRunItem';
import type { EnvironmentItem, PreviewItem } from './releaseItems';

/** `~/…` for paths under the home folder: shorter descriptions that still say where. */
export function tildify(p: string): string {
  const home = os.homedir();
  return home && (p === home || p.startsWith(home + path.sep)) ? '~' + p.slice(home.length) : p;
}

/** A worktree's folder as short as it stays clear: relative to the repository when a sibling (`../repo-worktrees/x`). */
export function displayPath(repoRoot: string, p: string): string {
  const rel = path.relative(repoRoot, p);
  return rel && rel.split(path.sep).filter((s) => s === '..').length <= 1 && !path.isAbsolute(rel) ? rel : tildify(p);
}

/** GitLens-style state flags: `worktree+present+dirty+ahead`. Menus match them with `viewItem =~ /\+dirty/`. */
export function flags(kind: string, set: Record<string, boolean | undefined>): string {
  return [kind, ...Object.entries(set).filter(([, on]) => on).map(([f]) => f)].join('+');
}

export function worktreeSummary(w: Worktree): string {
  const parts: string[] = [];
  if (!w.exists) parts.push('folder missing');
  // First paint: the same item, its state filled in when read (a placeholder, not a wrong "not pushed").
  if (w.pending) parts.push('…');
  if (w.dirty) parts.push(`${w.changedFiles ?? ''} changed`.trim());
  if (w.ahead) parts.push(`↑${w.ahead}`);
  if (w.behind) parts.push(`↓${w.behind}`);
  if (w.upstreamGone) parts.push('upstream gone');
  else if (!w.upstream && w.branch && !w.pending) parts.push('not pushed');
  if (w.locked) parts.push('locked');
  if (w.detached) parts.push('detached');
  return parts.join(' · ');
}

const MODIFIED_COLOR = 'gitDecoration.modifiedResourceForeground';

export class SkillItem extends vscode.TreeItem {
  readonly kind = 'skill' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly view: SkillView, multiRoot: boolean, readonly deploy?: SkillDeployState) {
    super(view.skill.name, vscode.TreeItemCollapsibleState.Collapsed);
    const { skill, worktree } = view;
    this.id = `${folder.uri.toString()}#skill:${skill.name}`;
    const state = worktree ? worktreeSummary(worktree) : 'no worktree';
    // Drift: the branch HEAD is not what is deployed.
    const drift = deploy?.phase === 'active' && deploy.commit && worktree?.head && !worktree.head.startsWith(deploy.commit.slice(0, 7));
    const look = deploy ? presentDeploy(deploy, (at) => shortTime(at)) : undefined;
    const deployText = look ? look.text + (drift ? ' · HEAD ahead of deployed' : '') : undefined;
    const version = `v${skill.manifest.version}`;
    this.description = [multiRoot ? folder.name : undefined, deployText, version, state || undefined].filter(Boolean).join(' · ');
    this.iconPath = look
      ? new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined)
      : new vscode.ThemeIcon('symbol-event', worktree?.dirty ? new vscode.ThemeColor(MODIFIED_COLOR) : undefined);
    this.contextValue = flags('skill', {
      valid: true,
      worktree: !!worktree,
      noworktree: !worktree,
      dirty: worktree?.dirty,
      ahead: !!worktree?.ahead,
      behind: !!worktree?.behind,
      nospec: !skill.appSpecExists,
      deploying: deploy?.phase === 'deploying',
      active: deploy?.phase === 'active',
      deployed: !!deploy?.deploymentId,
      failed: deploy?.phase === 'failed',
      canceled: deploy?.phase === 'canceled',
      servingprevious: !!deploy && lookOf(deploy) === 'serving-previous',
      drift: !!drift,
    });
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${skill.name}** \`v${skill.manifest.version}\`\n\n`);
    md.appendText(skill.manifest.description + '\n\n');
    md.appendMarkdown(`$(file) ${tildify(skill.manifestPath)}\n\n`);
    md.appendMarkdown(`$(git-branch) ${worktree ? `${worktree.branch ?? '(detached)'} in ${tildify(worktree.path)}` : 'no worktree'}`);
    if (deploy) {
      md.appendMarkdown(`\n\n$(${look?.icon ?? 'cloud'}) `);
      md.appendText(look?.tooltip ?? deploy.phase);
      if (deploy.liveUrl) md.appendMarkdown(`\n\n$(link-external) ${deploy.liveUrl}`);
      const ahead = drift ? ' (the branch HEAD is ahead)' : '';
      if (deploy.commit) md.appendMarkdown(`\n\ndeployed commit \`${deploy.commit.slice(0, 12)}\`${ahead}`);
    }
    this.tooltip = md;
  }
}

export class WorktreeItem extends vscode.TreeItem {
  readonly kind = 'worktree' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly skillName: string, readonly worktree: Worktree) {
    super(worktree.branch ?? '(detached HEAD)', vscode.TreeItemCollapsibleState.None);
    const w = worktree;
    this.id = `${folder.uri.toString()}#skill:${skillName}/worktree`;
    this.description = [worktreeSummary(w) || 'clean', displayPath(folder.uri.fsPath, w.path)].join(' · ');
    this.iconPath = !w.exists || w.prunable
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : w.locked
        ? new vscode.ThemeIcon('lock')
        : w.dirty
          ? new vscode.ThemeIcon('git-branch', new vscode.ThemeColor('gitDecoration.modifiedResourceForeground'))
          : new vscode.ThemeIcon('git-branch');
    this.contextValue = flags('worktree', {
      present: w.exists,
      main: w.isMain,
      dirty: w.dirty,
      ahead: !!w.ahead,
      behind: !!w.behind,
      noupstream: !w.upstream,
      upstreamgone: w.upstreamGone,
      locked: w.locked,
      prunable: w.prunable,
      detached: w.detached,
    });
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(git-branch) **${w.branch ?? '(detached HEAD)'}**\n\n`);
    md.appendText(`${w.path}\n`);
    md.appendMarkdown(`\n\nHEAD \`${w.head?.slice(0, 12) ?? '?'}\``);
    const tracking = w.upstreamGone ? ' (gone)' : ` · ↑${w.ahead ?? 0} ↓${w.behind ?? 0}`;
    if (w.pending) md.appendMarkdown(' · reading its state…');
    else md.appendMarkdown(w.upstream ? ` · upstream \`${w.upstream}\`${tracking}` : ' · no upstream');
    if (w.dirty) md.appendMarkdown(`\n\n${w.changedFiles} uncommitted change${w.changedFiles === 1 ? '' : 's'}`);
    if (w.locked) md.appendText(`\n\nLocked${w.lockedReason ? `: ${w.lockedReason}` : ''}`);
    if (w.prunable) md.appendText(`\n\nPrunable: ${w.prunableReason ?? 'stale entry'}`);
    this.tooltip = md;
    if (w.exists) this.resourceUri = vscode.Uri.file(w.path);
  }
}

export class NoWorktreeItem extends vscode.TreeItem {
  readonly kind = 'noworktree' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly skillName: string, isRepo: boolean) {
    super(isRepo ? 'No worktree' : 'Not a git repository', vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#skill:${skillName}/worktree`;
    this.description = isRepo ? `branch skill/${skillName} has no worktree` : undefined;
    this.iconPath = new vscode.ThemeIcon('circle-slash');
    this.contextValue = flags('noworktree', { repo: isRepo });
    if (isRepo) {
      this.command = { command: 'odoobo.setupWorktrees', title: 'Set Up Worktree', arguments: [skillName] };
      this.tooltip = `Set up a worktree for skill/${skillName}`;
    }
  }
}

export class AppSpecItem extends vscode.TreeItem {
  readonly kind = 'appspec' as const;
  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly skillName: string,
    readonly specPath: string,
    exists: boolean,
    relative: string,
  ) {
    super(relative, vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#skill:${skillName}/appspec`;
    this.description = exists ? 'app spec' : 'app spec missing';
    this.iconPath = exists
      ? new vscode.ThemeIcon('file-code')
      : new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    this.contextValue = flags('appspec', { missing: !exists });
    this.resourceUri = vscode.Uri.file(specPath);
    if (exists) this.command = { command: 'vscode.open', title: 'Open App Spec', arguments: [vscode.Uri.file(specPath)] };
    this.tooltip = exists ? specPath : `The manifest names ${relative}, which does not exist.`;
  }
}

export class ProblemItem extends vscode.TreeItem {
  readonly kind = 'problem' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly problem: SkillProblem) {
    super(problem.folder, vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#problem:${problem.folder}:${problem.field ?? ''}:${problem.line ?? 0}`;
    this.description = `invalid manifest${problem.field ? `: ${problem.field}` : ''}`;
    this.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    this.contextValue = flags('skill', { invalid: true });
    this.tooltip = formatSkillProblem({ ...problem, file: tildify(problem.file) });
    const line = Math.max(0, (problem.line ?? 1) - 1);
    const col = Math.max(0, (problem.column ?? 1) - 1);
    this.command = {
      command: 'vscode.open',
      title: 'Open Manifest',
      arguments: [vscode.Uri.file(problem.file), { selection: new vscode.Range(line, col, line, col) }],
    };
  }
}

export class FolderItem extends vscode.TreeItem {
  readonly kind = 'folder' as const;
  constructor(readonly folder: vscode.WorkspaceFolder) {
    super(folder.name, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `${folder.uri.toString()}#folder`;
    this.iconPath = vscode.ThemeIcon.Folder;
    this.contextValue = 'folder';
    this.resourceUri = folder.uri;
  }
}

/** When a deployment settled, as the tree shows it: `14:32` today, `Nov 21` before (it does not go stale like "5 min ago"). */
export function shortTime(at: number, now = new Date()): string {
  const d = new Date(at);
  const today = d.toDateString() === now.toDateString();
  return today
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/** How long a settled deployment took (created → ACTIVE, ERROR or CANCELED; not until it was superseded). */
export function deploymentDuration(d: Deployment): string | undefined {
  const ms = deploymentDurationMs(d);
  return ms === undefined ? undefined : formatDuration(ms);
}

const PHASE_ICON: Record<string, [string, string?]> = {
  ACTIVE: ['pass-filled', 'testing.iconPassed'],
  SUPERSEDED: ['history'],
  ERROR: ['error', 'testing.iconFailed'],
  CANCELED: ['circle-slash'],
  PENDING_BUILD: ['sync~spin'],
  BUILDING: ['sync~spin'],
  PENDING_DEPLOY: ['sync~spin'],
  DEPLOYING: ['sync~spin'],
};

function phaseIcon(phase: string | undefined): vscode.ThemeIcon {
  const [id, color] = PHASE_ICON[phase ?? ''] ?? ['circle-outline'];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** The skill's app on the current target: live URL, region, instance size and its monthly price. */
export class AppItem extends vscode.TreeItem {
  readonly kind = 'app' as const;
  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly skillName: string,
    readonly details: AppDetails & { app: NonNullable<AppDetails['app']> },
  ) {
    super(details.app.live_url ?? details.app.spec.name, vscode.TreeItemCollapsibleState.None);
    const { app } = details;
    this.id = `${folder.uri.toString()}#skill:${skillName}/app`;
    const local = details.target === 'local';
    // CPU, memory and replicas from the health monitor (operate/health.ts), which polls while this row is shown.
    const health = healthMonitor()?.watch(skillName, app.id);
    const where = [app.region?.slug ?? app.spec.region, details.size, local ? 'local' : undefined];
    this.description = [health ? healthText(health) : undefined, ...where].filter(Boolean).join(' · ');
    this.iconPath = new vscode.ThemeIcon('cloud');
    this.contextValue = flags('app', { live: !!app.live_url, pinned: !!app.pinned_deployment?.id });
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(cloud) **${app.spec.name}** on ${local ? 'the local App Platform' : 'DigitalOcean App Platform'}\n\n`);
    if (app.live_url) md.appendMarkdown(`$(link-external) ${app.live_url}\n\n`);
    md.appendText(`app ${app.id}${app.region?.label ? ` · ${app.region.label}` : ''}${details.size ? ` · ${details.size}` : ''}`);
    if (health) md.appendMarkdown(`\n\n$(pulse) ${healthText(health)}${health.state ? ` · ${health.state.toLowerCase()}` : ''}`);
    const pinned = app.pinned_deployment?.id;
    if (pinned) md.appendMarkdown(`\n\n$(pinned) pinned to rollback deployment \`${pinned.slice(0, 8)}\``);
    this.tooltip = md;
    if (app.live_url) this.command = { command: 'vscode.open', title: 'Open Live URL', arguments: [vscode.Uri.parse(app.live_url)] };
  }
}

/** The "Deployments" group under a skill: its recent deployments, newest first. */
export class DeploymentsItem extends vscode.TreeItem {
  readonly kind = 'deployments' as const;
  constructor(readonly folder: vscode.WorkspaceFolder, readonly skillName: string, readonly details: AppDetails) {
    super('Deployments', details.deployments.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#skill:${skillName}/deployments`;
    this.description = details.deployments.length ? `${details.deployments.length} recent` : 'none yet';
    this.iconPath = new vscode.ThemeIcon('history');
    this.contextValue = 'deployments';
  }
}

/** One deployment: phase, cause, age and duration; redeploy, or roll back to it when it is an earlier good one. */
export class DeploymentItem extends vscode.TreeItem {
  readonly kind = 'deployment' as const;
  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly skillName: string,
    readonly deployment: Deployment,
    activeId: string | undefined,
  ) {
    super(deployment.cause?.replace(/\b([0-9a-f]{8})(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b/gi, '$1') ?? deployment.id.slice(0, 8));
    const d = deployment;
    const active = d.id === activeId;
    this.id = `${folder.uri.toString()}#skill:${skillName}/deployment:${d.id}`;
    const phase = active ? 'live' : d.phase?.toLowerCase().replace(/_/g, ' ');
    const took = deploymentDuration(d);
    this.description = [phase, formatAgoIso(d.created_at, Date.now(), UI_AGO), took].filter(Boolean).join(' · ');
    this.iconPath = phaseIcon(d.phase);
    // App Platform rolls back to SUPERSEDED deployments only (an earlier good one, not the live one).
    this.contextValue = flags('deployment', { active, rollbackable: d.phase === 'SUPERSEDED', failed: d.phase === 'ERROR' });
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${d.phase ?? '?'}**${active ? ' (live)' : ''} · deployment \`${d.id}\`\n\n`);
    if (d.cause) md.appendText(`${d.cause}\n\n`);
    if (d.created_at) md.appendText(`created ${new Date(d.created_at).toLocaleString()}${took ? `, took ${took}` : ''}`);
    const commit = commitOf(d, skillName);
    if (commit) md.appendMarkdown(`\n\ncommit \`${commit.slice(0, 12)}\``);
    this.tooltip = md;
  }
}

/** A line of information under a skill (not deployed, cannot read the app…), optionally with an action. */
export class InfoItem extends vscode.TreeItem {
  readonly kind = 'info' as const;
  constructor(
    readonly folder: vscode.WorkspaceFolder,
    readonly skillName: string,
    key: string,
    label: string,
    options: { description?: string; icon?: string; command?: vscode.Command; tooltip?: string } = {},
  ) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.id = `${folder.uri.toString()}#skill:${skillName}/${key}`;
    this.description = options.description;
    this.iconPath = new vscode.ThemeIcon(options.icon ?? 'info');
    this.contextValue = `info+${key}`;
    this.command = options.command;
    this.tooltip = options.tooltip;
  }
}

export type SkillsTreeNode =
  | SkillItem
  | WorktreeItem
  | NoWorktreeItem
  | AppSpecItem
  | ProblemItem
  | FolderItem
  | AppItem
  | DeploymentsItem
  | DeploymentItem
  | InfoItem
  | LocalRunItem
  | EnvironmentItem
  | PreviewItem;
