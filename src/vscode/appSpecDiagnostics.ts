import * as path from 'node:path';
import * as vscode from 'vscode';
import { simpleGit } from 'simple-git';
import { lintAppSpec, type Finding } from '../core/appspec';

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(f: Finding): vscode.Diagnostic {
  const range = new vscode.Range(f.line - 1, f.column - 1, (f.endLine ?? f.line) - 1, (f.endColumn ?? f.column) - 1);
  const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
  d.code = f.code;
  d.source = 'odoobo';
  return d;
}

/** Lints one app spec with the core linter and publishes its findings as diagnostics. */
export async function lintDocument(collection: vscode.DiagnosticCollection, doc: vscode.TextDocument): Promise<Finding[]> {
  const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
  const repoRoot = folder?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
  const git = simpleGit({ baseDir: repoRoot });
  const branchExists = async (branch: string) => {
    for (const ref of [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`]) {
      const out = await git.raw(['rev-parse', '--verify', '--quiet', ref]).catch(() => '');
      if (out.trim()) return true;
    }
    return false;
  };
  const { findings } = await lintAppSpec(doc.getText(), { file: doc.uri.fsPath, repoRoot, branchExists });
  collection.set(doc.uri, findings.map(toDiagnostic));
  return findings;
}
