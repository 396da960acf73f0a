import * as path from 'node:path';
import * as vscode from 'vscode';
import { IncrementalYaml, infraFileKind, lintAppSpec, lintEnvironmentsFile, lintOverlay, type Finding } from '../core/appspec';
import { lintGitContext } from '../core/git/git';
import { Disposable } from './util/disposable';

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** The findings last published per document: code actions receive rebuilt diagnostics and look their findings up here. */
const published = new Map<string, Finding[]>();
/** One parser per open app spec: as the user types, only the part an edit touched is parsed again. */
const parsers = new Map<string, IncrementalYaml>();

/** The finding behind a diagnostic VS Code hands back (same code, same start). */
export function findingFor(uri: vscode.Uri, d: vscode.Diagnostic): Finding | undefined {
  if (d.source !== 'odoobo') return undefined;
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return published
    .get(uri.toString())
    ?.find((f) => f.code === code && f.line - 1 === d.range.start.line && f.column - 1 === d.range.start.character);
}

export class AppSpecDiagnostic extends vscode.Diagnostic {
  constructor(readonly finding: Finding) {
    super(
      new vscode.Range(
        finding.line - 1,
        finding.column - 1,
        (finding.endLine ?? finding.line) - 1,
        (finding.endColumn ?? finding.column) - 1,
      ),
      finding.message,
      SEVERITY[finding.severity],
    );
    this.code = finding.code;
    this.source = 'odoobo';
  }
}

export function toDiagnostic(f: Finding): vscode.Diagnostic {
  return new AppSpecDiagnostic(f);
}

/** Lints one app spec with the core linter and publishes its findings as diagnostics. */
export async function lintDocument(collection: vscode.DiagnosticCollection, doc: vscode.TextDocument): Promise<Finding[]> {
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const repoRoot = folder?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
  const version = doc.version;
  const key = doc.uri.toString();
  let parser = parsers.get(key);
  if (!parser && !doc.isClosed) parsers.set(key, (parser = new IncrementalYaml()));
  // The same git context as `odoobo validate`: the editor and the CLI judge a spec's branches alike.
  const git = await lintGitContext(doc.uri.fsPath, { repoRoot });
  const options = { file: doc.uri.fsPath, repoRoot, branchExists: git.branchExists, parser };
  // An overlay is linted as one (alone, then on its base), infra/environments.yaml as the environments file.
  const kind = infraFileKind(doc.uri.fsPath);
  const { findings } =
    kind.kind === 'environments'
      ? { findings: lintEnvironmentsFile(doc.getText(), doc.uri.fsPath) }
      : kind.kind === 'overlay'
        ? await lintOverlay(doc.getText(), doc.uri.fsPath, { ...options, environmentsRoot: repoRoot })
        : await lintAppSpec(doc.getText(), options);
  // A newer edit may have been linted meanwhile: never publish stale ranges over it.
  if (doc.version === version && !doc.isClosed) {
    published.set(doc.uri.toString(), findings);
    collection.set(doc.uri, findings.map(toDiagnostic));
  }
  return findings;
}

const DEBOUNCE_MS = 200;

/** App-spec diagnostics as the user types: debounced per document, cleared when it closes. */
export class AppSpecDiagnostics extends Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(readonly collection: vscode.DiagnosticCollection) {
    super();
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)));
    this._register(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)));
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        clearTimeout(this.timers.get(d.uri.toString()));
        published.delete(d.uri.toString());
        parsers.delete(d.uri.toString());
        this.collection.delete(d.uri);
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('odoobo.appSpecFiles')) this.lintOpenDocuments();
      }),
    );
    this._register({ dispose: () => this.timers.forEach((t) => clearTimeout(t)) });
    this.lintOpenDocuments();
  }

  lintOpenDocuments(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** Whether `doc` is an app spec by the `odoobo.appSpecFiles` globs (relative to its workspace folder). */
  static isAppSpec(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme !== 'file' || !/\.ya?ml$/i.test(doc.uri.fsPath)) return false;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (!folder) return false;
    const globs = vscode.workspace
      .getConfiguration('odoobo', doc.uri)
      .get<string[]>('appSpecFiles', ['infra/*.{yaml,yml}', '.do/*.{yaml,yml}']);
    return globs.some((g) => vscode.languages.match({ pattern: new vscode.RelativePattern(folder, g) }, doc) > 0);
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (this.isDisposed || !AppSpecDiagnostics.isAppSpec(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        lintDocument(this.collection, doc).catch(() => undefined);
      }, delay),
    );
  }
}
