import * as vscode from 'vscode';
import type { SkillsStore } from '../skillsStore';
import { Disposable } from '../util/disposable';
import type { SkillDeployState } from '../deployService';
import { AppSpecItem, FolderItem, NoWorktreeItem, ProblemItem, SkillItem, WorktreeItem, type SkillsTreeNode } from './items';

/** The Skills view: skill → its worktree and its app spec; invalid manifests shown as errors. */
export class SkillsTreeProvider extends Disposable implements vscode.TreeDataProvider<SkillsTreeNode> {
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<SkillsTreeNode | undefined | void>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(
    private readonly stores: () => readonly SkillsStore[],
    private readonly deployState: (skill: string) => SkillDeployState | undefined = () => undefined,
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
        worktree ? new WorktreeItem(element.folder, skill.name, worktree) : new NoWorktreeItem(element.folder, skill.name, !!store?.model?.isGitRepository),
        new AppSpecItem(element.folder, skill.name, skill.appSpecPath, skill.appSpecExists, skill.manifest.appSpec),
      ];
      return children;
    }
    return [];
  }

  private skillsOf(store: SkillsStore, multiRoot: boolean): SkillsTreeNode[] {
    const model = store.model!;
    const items: SkillsTreeNode[] = model.skills.map((v) => new SkillItem(store.folder, v, multiRoot, this.deployState(v.skill.name)));
    for (const p of model.problems) items.push(new ProblemItem(store.folder, p));
    return items.sort((a, b) => String(a.label).localeCompare(String(b.label)));
  }
}
