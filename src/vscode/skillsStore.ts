import * as vscode from 'vscode';
import { buildSkillsModel, type SkillsModel } from '../core/skillsModel';
import { gitCommonDir } from '../core/git/git';
import { settings } from './config';
import type { EarlyModel } from './earlyModels';
import { Disposable } from './util/disposable';

const DEBOUNCE_MS = 250;

/**
 * The skills and worktrees of one workspace folder. Refreshes itself when manifests, app specs, branches or
 * worktrees change (file watchers on those files and on git's refs and worktree metadata), never on a timer.
 */
export class SkillsStore extends Disposable {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<SkillsModel>());
  readonly onDidChange = this._onDidChange.event;

  private current: SkillsModel | undefined;
  private running: Promise<SkillsModel> | undefined;
  private rerun = false;
  private debounce: NodeJS.Timeout | undefined;
  private readonly staticWatchers: vscode.Disposable[] = [];
  private worktreeWatchers = new Map<string, vscode.Disposable>();
  private watchedGitDir: string | undefined;
  /** Incremented on every completed refresh; tests wait on it. */
  generation = 0;

  /**
   * @param early the folder's first model when it was started before activation (src/vscode/earlyModels.ts): the
   *   first refresh takes it instead of building its own.
   */
  constructor(
    readonly folder: vscode.WorkspaceFolder,
    private readonly log: vscode.LogOutputChannel,
    private early?: EarlyModel,
  ) {
    super();
    this._register({ dispose: () => this.disposeWatchers() });
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('odoobo.skillsLocation', folder)) {
          this.watchStatic();
          this.scheduleRefresh('settings changed');
        }
      }),
    );
    this.watchStatic();
  }

  get model(): SkillsModel | undefined {
    return this.current;
  }

  /** Refreshes now; concurrent calls share one run, and a call during a run causes one more run after it. */
  refresh(): Promise<SkillsModel> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      let model: SkillsModel;
      do {
        this.rerun = false;
        const started = Date.now();
        const early = this.early;
        this.early = undefined;
        if (early) void early.firstPaint.then((partial) => partial && this.paint(partial));
        model = await (early?.complete ??
          buildSkillsModel(this.folder.uri.fsPath, {
            skillsLocation: settings(this.folder).skillsLocation,
            // Only the first load paints early: a later refresh keeps the complete model on screen until the next one.
            onFirstPaint: this.current ? undefined : (partial) => this.paint(partial),
          }));
        this.log.debug(
          `refreshed ${this.folder.name}: ${model.skills.length} skills, ${model.worktrees.length} worktrees in ${Date.now() - started} ms`,
        );
        if (model.gitError) this.log.warn(`git: ${model.gitError}`);
      } while (this.rerun && !this.isDisposed);
      return model;
    })().then(
      async (model) => {
        this.running = undefined;
        this.current = model;
        this.generation++;
        await this.watchGit(model);
        if (!this.isDisposed) this._onDidChange.fire(model);
        return model;
      },
      (err) => {
        this.running = undefined;
        this.log.error(`refresh of ${this.folder.name} failed: ${(err as Error).message}`);
        throw err;
      },
    );
    return this.running;
  }

  /** Shows the first paint (skills and worktrees, their state still unknown) unless disposed or already complete. */
  private paint(partial: SkillsModel): void {
    if (this.isDisposed || this.current) return;
    this.current = partial;
    this._onDidChange.fire(partial);
  }

  /** Coalesces bursts of file events into one refresh. */
  scheduleRefresh(reason: string): void {
    if (this.isDisposed) return;
    this.log.trace(`refresh scheduled: ${reason}`);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.refresh().catch(() => undefined);
    }, DEBOUNCE_MS);
  }

  private watch(pattern: vscode.GlobPattern, reason: string): vscode.Disposable {
    const w = vscode.workspace.createFileSystemWatcher(pattern);
    const on = (uri: vscode.Uri) => this.scheduleRefresh(`${reason}: ${uri.fsPath}`);
    const subs = [w.onDidCreate(on), w.onDidChange(on), w.onDidDelete(on)];
    return { dispose: () => [w, ...subs].forEach((d) => d.dispose()) };
  }

  private watchStatic(): void {
    this.staticWatchers.splice(0).forEach((d) => d.dispose());
    const loc = settings(this.folder).skillsLocation.replace(/\\/g, '/').replace(/\/+$/, '');
    this.staticWatchers.push(
      this.watch(new vscode.RelativePattern(this.folder, `${loc}/{*,*/manifest.json}`), 'skill'),
      this.watch(new vscode.RelativePattern(this.folder, `{infra/**/*.{yaml,yml},.do/*.{yaml,yml}}`), 'app spec'),
    );
  }

  /** Watches git's own refs and worktree metadata, and each skill worktree's files (for dirty state). */
  private async watchGit(model: SkillsModel): Promise<void> {
    if (this.isDisposed) return;
    if (model.isGitRepository && !this.watchedGitDir) {
      const common = await gitCommonDir(this.folder.uri.fsPath);
      if (common && !this.isDisposed) {
        this.watchedGitDir = common;
        this.staticWatchers.push(
          this.watch(
            new vscode.RelativePattern(vscode.Uri.file(common), '{HEAD,packed-refs,refs/heads/**,refs/remotes/**,worktrees/**}'),
            'git',
          ),
        );
      }
    }
    const wanted = new Set(model.skills.flatMap((s) => (s.worktree && s.worktree.exists && !s.worktree.isMain ? [s.worktree.path] : [])));
    for (const [p, d] of this.worktreeWatchers) {
      if (!wanted.has(p)) {
        d.dispose();
        this.worktreeWatchers.delete(p);
      }
    }
    for (const p of wanted) {
      if (!this.worktreeWatchers.has(p)) {
        this.worktreeWatchers.set(p, this.watch(new vscode.RelativePattern(vscode.Uri.file(p), '**'), 'worktree'));
      }
    }
  }

  private disposeWatchers(): void {
    clearTimeout(this.debounce);
    this.staticWatchers.splice(0).forEach((d) => d.dispose());
    this.worktreeWatchers.forEach((d) => d.dispose());
    this.worktreeWatchers.clear();
  }
}
