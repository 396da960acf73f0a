import * as vscode from 'vscode';
import type { SkillsStore } from '../skillsStore';
import { Disposable } from '../util/disposable';
import type { SkillDeployState } from '../deployService';
import type { AppDetailsCache } from '../appDetails';
import { settings } from '../config';
import { localRunChildren } from '../localRun/localRunItem';
import { editorEnvironments, skillAppName } from '../environments';
import { StatusStore } from '../../core/status/statusStore';
import { skillEnvStatus } from '../../core/status/schema';
import { EnvironmentItem, PreviewItem } from './releaseItems';
import {
  AppItem,
  AppSpecItem,
  DeploymentItem,
  DeploymentsItem,
  FolderItem,
  InfoItem,
  NoWorktreeItem,
  ProblemItem,
  SkillItem,
  WorktreeItem,
  type SkillsTreeNode,
} from './items';

/** The Skills view: skill → its worktree, its app and recent deployments, its app spec; invalid manifests as errors. */
export class SkillsTreeProvider extends Disposable implements vscode.TreeDataProvider<SkillsTreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<SkillsTreeNode | undefined | void>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(
    private readonly stores: () => readonly SkillsStore[],
    private readonly deployState: (skill: string) => SkillDeployState | undefined = () => undefined,
    /** The app details, loaded (with the deploy path) when a skill is first expanded; their changes call `changed`. */
    private readonly appDetails?: () => AppDetailsCache,
  ) {
    super();
  }

  /** Called when any store has a new model. */
  changed(): void {
    this._onDidChangeTreeData.fire();
  }

  getTreeItem(element: SkillsTreeNode): vscode.TreeItem {
    return element;
  }

  getParent(): undefined {
    return undefined;
  }

  async getChildren(element?: SkillsTreeNode): Promise<SkillsTreeNode[]> {
    const withSkills = this.stores().filter((s) => s.model && (s.model.skills.length > 0 || s.model.problems.length > 0));
    if (!element) {
      if (withSkills.length > 1) return withSkills.map((s) => new FolderItem(s.folder));
      return withSkills.length === 1 ? this.skillsOf(withSkills[0], false) : [];
    }
    if (element instanceof FolderItem) {
      const store = withSkills.find((s) => s.folder.uri.toString() === element.folder.uri.toString());
      return store ? this.skillsOf(store, true) : [];
    }
    if (element instanceof SkillItem) {
      const store = this.stores().find((s) => s.folder.uri.toString() === element.folder.uri.toString());
      const { skill, worktree } = element.view;
      const children: SkillsTreeNode[] = [
        worktree
          ? new WorktreeItem(element.folder, skill.name, worktree)
          : new NoWorktreeItem(element.folder, skill.name, !!store?.model?.isGitRepository),
        ...(await localRunChildren(element.folder, skill.name)),
        ...(await this.releaseChildren(element.folder, skill.name)),
        new AppSpecItem(element.folder, skill.name, skill.appSpecPath, skill.appSpecExists, skill.manifest.appSpec),
      ];
      return children;
    }
    if (element instanceof EnvironmentItem) {
      const suffix = `@${element.environment.name}`;
      // The same rows as the editor's environment, with ids of their own (a tree's ids are unique).
      return (await this.appChildren(element.folder, element.skillName, element.appName)).map((item) => {
        if (!(item instanceof DeploymentItem) && item.id) item.id += suffix;
        return item;
      });
    }
    if (element instanceof DeploymentsItem) {
      const activeId = element.details.app?.active_deployment?.id;
      return element.details.deployments.map((d) => new DeploymentItem(element.folder, element.skillName, d, activeId));
    }
    return [];
  }

  /**
   * The editor's environment's app and deployments (as before environments existed), then each other environment as a
   * group, then the skill's pull-request previews.
   */
  private async releaseChildren(folder: vscode.WorkspaceFolder, skill: string): Promise<SkillsTreeNode[]> {
    const root = folder.uri.fsPath;
    let envs;
    try {
      envs = await editorEnvironments(root);
    } catch (e) {
      const message = (e as Error).message;
      return [new InfoItem(folder, skill, 'environments', 'Environments', { icon: 'warning', description: message, tooltip: message })];
    }
    const items: SkillsTreeNode[] = await this.appChildren(folder, skill, skillAppName(envs.current, skill));
    const others = envs.usable.filter((e) => e.name !== envs.current.name);
    if (others.length) {
      const status = await StatusStore.forRepository(root)
        .then((st) => st.skill(skill))
        .catch(() => undefined);
      for (const env of others) {
        const d = skillEnvStatus(status, env.name, envs.envs.defaultName).lastDeployment;
        const state = d ? `${d.phase === 'ACTIVE' ? 'live' : d.phase.toLowerCase()} · ${d.commit.slice(0, 7)}` : 'not deployed';
        items.push(new EnvironmentItem(folder, skill, env, skillAppName(env, skill), state));
      }
    }
    for (const p of (await this.appDetails?.().previews(skill)) ?? []) items.push(new PreviewItem(folder, skill, p.pr, p.app));
    return items;
  }

  /** An app and its recent deployments, read when the skill is expanded (never starting the local platform for it). */
  private async appChildren(folder: vscode.WorkspaceFolder, skill: string, appName = skill): Promise<SkillsTreeNode[]> {
    const apps = this.appDetails?.();
    if (!apps) return [];
    const deploy = { command: 'odoobo.deploy', title: 'Deploy', arguments: [skill] };
    let details = apps.peek(skill, appName);
    if (!details) {
      if (!(await apps.canRead())) {
        const local = settings().target === 'local';
        return [
          new InfoItem(folder, skill, 'app', 'App', {
            icon: 'cloud',
            description: local ? 'not read: the local App Platform starts with the first deploy' : 'not read: set a DigitalOcean token',
            command: local ? deploy : { command: 'odoobo.setToken', title: 'Set Token' },
          }),
        ];
      }
      details = await apps.get(skill, appName);
    }
    if (details.error) {
      const refresh = { command: 'odoobo.refresh', title: 'Refresh' };
      const description = `could not be read: ${details.error}`;
      return [new InfoItem(folder, skill, 'app', 'App', { icon: 'warning', description, tooltip: details.error, command: refresh })];
    }
    if (!details.app) {
      const description = `no app named ${appName} on ${details.target === 'local' ? 'the local App Platform' : 'DigitalOcean'}`;
      return [new InfoItem(folder, skill, 'app', 'Not deployed', { icon: 'cloud', description, command: deploy })];
    }
    return [new AppItem(folder, skill, { ...details, app: details.app }), new DeploymentsItem(folder, skill, details)];
  }

  private skillsOf(store: SkillsStore, multiRoot: boolean): SkillsTreeNode[] {
    const model = store.model!;
    const items: SkillsTreeNode[] = model.skills.map((v) => new SkillItem(store.folder, v, multiRoot, this.deployState(v.skill.name)));
    for (const p of model.problems) items.push(new ProblemItem(store.folder, p));
    return items.sort((a, b) => String(a.label).localeCompare(String(b.label)));
  }
}
