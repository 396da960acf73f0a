// The app-spec linter (no `vscode` import): used by the `odoobo validate` CLI and the extension's diagnostics.
export { lintAppSpec, lintAppSpecFile, LintCache, LIMITS } from './lint';
export { infraFileKind, lintEnvironmentsFile, lintOverlay, onOverlay } from './environmentLint';
export { IncrementalYaml, parseYaml } from './incremental';
export { formatFindings, summarize, FINDINGS_FORMATS, type FindingsFormat } from './format';
export type { Finding, LintOptions, LintResult } from './types';
