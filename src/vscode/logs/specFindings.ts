import * as vscode from 'vscode';
import { lintDocument } from '../appSpecDiagnostics';

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
  failure: { line?: number; issues: readonly string[] },
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
  if (problems === 0 && failure.issues.length) {
    // Only App Platform saw these: they have no position, so they go on the first line.
    const ds = failure.issues.map((i) => {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `App Platform: ${i}`, vscode.DiagnosticSeverity.Error);
      d.source = 'odoobo';
      d.code = 'SPEC_VALIDATION_FAILED';
      return d;
    });
    diagnostics.set(uri, [...(diagnostics.get(uri) ?? []), ...ds]);
    problems = ds.length;
  }
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  const line = Math.max(0, (findings[0]?.line ?? failure.line ?? 1) - 1);
  const at = new vscode.Range(line, 0, line, 0);
  await vscode.window.showTextDocument(doc, { selection: at, preview: false });
  return { skill, type: 'SPEC', status: 'shown', file: specPath, problems };
}
