import * as vscode from 'vscode';
import { TOKEN_SECRET_KEY } from '../../secrets';
import type { CommandContext } from '../context';

/** Walkthrough steps that tick when their thing is done: package.json's `onContext:odoobo.walkthrough.<step>`. */
export const WALKTHROUGH_STEPS = ['tokenSet', 'worktrees', 'deployed', 'tested', 'merged'] as const;
export type WalkthroughStep = (typeof WALKTHROUGH_STEPS)[number];

export const walkthroughKey = (step: WalkthroughStep): string => `odoobo.walkthrough.${step}`;

/**
 * Sets the walkthrough's context keys: from what the commands did (a deploy succeeded, tests ran, a merge happened)
 * and from state that exists already (worktrees on disk, a stored token, a skill live on the target).
 */
export class WalkthroughProgress implements vscode.Disposable {
  private readonly done = new Set<WalkthroughStep>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly watched = new WeakSet<object>();

  /** The steps whose context key is set (tests read it: VS Code cannot read a context key back). */
  get steps(): ReadonlySet<WalkthroughStep> {
    return this.done;
  }

  mark(step: WalkthroughStep, on = true): void {
    if (on ? this.done.has(step) : !this.done.has(step)) return;
    if (on) this.done.add(step);
    else this.done.delete(step);
    void vscode.commands.executeCommand('setContext', walkthroughKey(step), on);
  }

  /** Follows the deploy state, every folder's skills model and the secret storage. */
  track(ctx: Pick<CommandContext, 'deployments' | 'stores' | 'extension'>): this {
    const sync = () => {
      for (const store of ctx.stores()) {
        if (this.watched.has(store)) continue;
        this.watched.add(store);
        this.subscriptions.push(store.onDidChange(sync));
      }
      const skills = ctx.stores().flatMap((s) => s.model?.skills ?? []);
      if (skills.some((v) => v.worktree && !v.worktree.isMain)) this.mark('worktrees');
      const states = [...ctx.deployments.all.values()];
      if (states.some((s) => s.phase === 'active')) this.mark('deployed');
      if (states.some((s) => s.smoke)) this.mark('tested');
    };
    const token = async () => this.mark('tokenSet', !!(await ctx.extension.secrets.get(TOKEN_SECRET_KEY)));
    this.subscriptions.push(
      ctx.deployments.onDidChange(sync),
      vscode.workspace.onDidChangeWorkspaceFolders(sync),
      ctx.extension.secrets.onDidChange((e) => (e.key === TOKEN_SECRET_KEY ? void token() : undefined)),
    );
    sync();
    void token();
    return this;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

/** The extension's one instance: command handlers mark steps, registerCommands starts it. */
export const walkthrough = new WalkthroughProgress();
