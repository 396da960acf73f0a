import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatInvokeResponse, invokeSkill, type InvokeResponse } from '../../core/localRun/invoke';
import { stopGroup } from '../../core/util/processGroup';
import { localRunsDir, readRunRecord, removeRunRecord, type LocalRunRecord } from '../../core/localRun/registry';
import type { SkillRequest } from '../../core/localRun/requestFile';
import { startLocalRun, type LocalRun } from '../../core/localRun/runner';
import { loadSkill, type Skill } from '../../core/skills/loadSkills';
import { settings } from '../config';
import type { SkillsStore } from '../skillsStore';
import { Disposable } from '../util/disposable';

/** The read-only documents the Invoke… responses open in. */
export const RESPONSE_SCHEME = 'odoobo-response';

/** Lines kept per skill for tests (an OutputChannel cannot be read back). */
const KEPT_LINES = 2_000;

interface OwnRun {
  readonly run: LocalRun;
  readonly skill: Skill;
}

/** Where a skill runs from: its worktree when it has one (its working files, uncommitted changes included), else the folder. */
export interface RunSource {
  readonly root: string;
  readonly skill: Skill;
  readonly runsDir: string;
}

/**
 * The window's local runs (Run Locally, Debug): each skill's output in its "<skill> (local run)" log channel, stopped
 * with the window. Runs the CLI started (`odoobo run`) are found through the registry and can be invoked and stopped.
 */
export class LocalRuns extends Disposable {
  private readonly own = new Map<string, OwnRun>();
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly responses = new Map<string, string>();
  private readonly responseChanged = this._register(new vscode.EventEmitter<vscode.Uri>());
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this._onDidChange.event;
  /** Each skill's recent output lines (tests read them). */
  readonly lines = new Map<string, string[]>();
  private responseCount = 0;

  constructor() {
    super();
    this._register(
      vscode.workspace.registerTextDocumentContentProvider(RESPONSE_SCHEME, {
        onDidChange: this.responseChanged.event,
        provideTextDocumentContent: (uri) => this.responses.get(uri.toString()) ?? '',
      }),
    );
    this._register({ dispose: () => void Promise.all([...this.own.values()].map((o) => o.run.stop())) });
  }

  /** The skill as its worktree has it (manifest, folder, spec), and the repository's local-runs folder. */
  async sourceOf(store: SkillsStore, name: string): Promise<RunSource> {
    const view = store.model?.skills.find((v) => v.skill.name === name);
    if (!view) throw new Error(`${name} is not a skill of ${store.folder.name}`);
    const root = view.worktree?.exists ? view.worktree.path : store.folder.uri.fsPath;
    const { skill, problems } = await loadSkill(root, settings(store.folder).skillsLocation, name);
    if (!skill) throw new Error(problems[0]?.message ?? `${name} has no manifest in ${root}`);
    const runsDir = await localRunsDir(root);
    if (!runsDir) throw new Error(`${root} is not in a git repository: a local run is found through <git-common-dir>/odoobo/local-runs`);
    return { root, skill, runsDir };
  }

  private channel(skill: string): vscode.OutputChannel {
    let c = this.channels.get(skill);
    if (!c) {
      c = this._register(vscode.window.createOutputChannel(`${skill} (local run)`, 'log'));
      this.channels.set(skill, c);
    }
    return c;
  }

  private log(skill: string, line: string): void {
    this.channel(skill).appendLine(line);
    const kept = this.lines.get(skill) ?? [];
    kept.push(line);
    if (kept.length > KEPT_LINES) kept.splice(0, kept.length - KEPT_LINES);
    this.lines.set(skill, kept);
  }

  /** Starts the skill from its worktree; the output goes to its log channel. `debugPort`: under debugpy, waiting for it. */
  async start(store: SkillsStore, name: string, options: { debugPort?: number } = {}): Promise<LocalRun> {
    const { root, skill, runsDir } = await this.sourceOf(store, name);
    const channel = this.channel(name);
    this.log(name, `starting ${name} from ${path.relative(root, skill.dir) || '.'} in ${root}: ${skill.manifest.run}`);
    const run = await startLocalRun({
      skill, root, runsDir, owner: 'vscode', debugPort: options.debugPort, onLine: (line) => this.log(name, line),
    });
    this.own.set(name, { run, skill });
    for (const note of run.notes) this.log(name, `note: ${note}`);
    this.log(name, `${name} ${options.debugPort ? 'waits for the debugger' : 'runs'} at ${run.url}`);
    void run.exited.then(() => {
      if (this.own.get(name)?.run !== run) return;
      this.own.delete(name);
      this.log(name, `${name} stopped`);
      this._onDidChange.fire();
    });
    this._onDidChange.fire();
    if (!options.debugPort) channel.show(true);
    return run;
  }

  /** The skill's running local run: this window's, or one the CLI or another window started. */
  async find(store: SkillsStore, name: string): Promise<LocalRunRecord | undefined> {
    const runsDir = await localRunsDir(store.folder.uri.fsPath);
    return runsDir ? readRunRecord(runsDir, name) : undefined;
  }

  /** Stops the skill's local run and everything it started; false when none ran. */
  async stop(store: SkillsStore, name: string): Promise<boolean> {
    const mine = this.own.get(name);
    if (mine) {
      await mine.run.stop();
      this.own.delete(name);
    } else {
      const record = await this.find(store, name);
      if (!record) return false;
      await stopGroup(record.pid);
      await removeRunRecord((await localRunsDir(store.folder.uri.fsPath))!, name, record.pid);
      this.log(name, `${name} (started by ${record.owner}) stopped`);
    }
    this._onDidChange.fire();
    return true;
  }

  /** Sends the request and opens the response (status, time, problems, headers, pretty body) in a read-only editor. */
  async invoke(
    name: string, baseUrl: string, req: SkillRequest, invokePath: string,
  ): Promise<{ response: InvokeResponse; editor: vscode.TextEditor }> {
    const response = await invokeSkill(baseUrl, req, { invokePath });
    const uri = vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/${name} response ${++this.responseCount}.http` });
    this.responses.set(uri.toString(), formatInvokeResponse(response));
    const doc = await vscode.workspace.openTextDocument(uri);
    // beside the code being worked on; in the one group when no editor is open (no empty group beside it)
    const viewColumn = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const editor = await vscode.window.showTextDocument(doc, { preview: false, viewColumn });
    return { response, editor };
  }

  running(name: string): LocalRun | undefined {
    return this.own.get(name)?.run;
  }
}

let instance: LocalRuns | undefined;

/** The window's one LocalRuns (commands, the debug provider and the Testing view share it), disposed with the extension. */
export function localRuns(extension: vscode.ExtensionContext): LocalRuns {
  if (!instance) {
    const created = new LocalRuns();
    instance = created;
    extension.subscriptions.push(created, { dispose: () => (instance = instance === created ? undefined : instance) });
  }
  return instance;
}
