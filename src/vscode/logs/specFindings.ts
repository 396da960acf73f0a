import * as vscode from 'vscode';
import { lintDocument } from '../appSpecDiagnostics';
import type { ReportedFinding } from './failureLogs';

export interface SpecShown {
  readonly skill: string;
  readonly type: 'SPEC';
  readonly status: 'shown' | 'no-spec';
  readonly file?: string;
  /** Findings now in the Problems view for the spec: the linter's, or App Platform's validation issues. */
  readonly problems: number;
}

/**
 * After a spec error: lints the spec into the Problems view (App Platform's own issues too, when the linter found
 * nothing), shows the Problems view and opens the spec at the first finding.
 */
export async function showSpecFindings(
  diagnostics: vscode.DiagnosticCollection,
  skill: string,
  specPath: string | undefined,
  failure: { line?: number; issues: readonly string[]; findings: readonly ReportedFinding[] },
): Promise<SpecShown> {
  if (!specPath) return { skill, type: 'SPEC', status: 'no-spec', problems: 0 };
  const uri = vscode.Uri.file(specPath);
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch {
    // APP_SPEC_MISSING: there is nothing to open; the notification already says which file is missing.
    return { skill, type: 'SPEC', status: 'no-spec', file: specPath, problems: 0 };
  }
  const findings = (await lintDocument(diagnostics, doc)).filter((f) => f.severity === 'error');
  let problems = findings.length;
  if (problems === 0 && (failure.findings.length || failure.issues.length)) {
    // The editor's lint saw nothing (the file changed since, or only App Platform objected): show what the deploy saw.
    const at = (line = 1, column = 1) => new vscode.Range(line - 1, column - 1, line - 1, column - 1);
    const error = (range: vscode.Range, message: string, code: string) => {
      const d = new vscode.Diagnostic(range, message, vscode.DiagnosticSeverity.Error);
      d.source = 'odoobo';
      d.code = code;
      return d;
    };
    const ds = [
      ...failure.findings.map((f) => error(at(f.line, f.column), f.message, f.code ?? 'SPEC_ERROR')),
      // App Platform's issues have no position: they go on the first line.
      ...failure.issues.map((i) => error(at(), `App Platform: ${i}`, 'SPEC_VALIDATION_FAILED')),
    ];
    diagnostics.set(uri, [...(diagnostics.get(uri) ?? []), ...ds]);
    problems = ds.length;
  }
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  const line = Math.max(0, (findings[0]?.line ?? failure.line ?? 1) - 1);
  const at = new vscode.Range(line, 0, line, 0);
  await vscode.window.showTextDocument(doc, { selection: at, preview: false });
  return { skill, type: 'SPEC', status: 'shown', file: specPath, problems };
}
