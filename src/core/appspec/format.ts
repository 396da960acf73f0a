import type { Finding } from './types';

export type FindingsFormat = 'text' | 'json' | 'github';
export const FINDINGS_FORMATS: readonly FindingsFormat[] = ['text', 'json', 'github'];

/** GitHub workflow-command escaping: the message (data) and property values. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const GITHUB_LEVEL = { error: 'error', warning: 'warning', info: 'notice' } as const;

/**
 * `text`: one `file:line:col  severity  CODE  message` line per finding; `json`: an array of
 * `{file, line, column, severity, code, message}`; `github`: `::error file=…,line=…,col=…::…` annotations.
 */
export function formatFindings(findings: readonly Finding[], format: FindingsFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(
        findings.map((f) => ({ file: f.file, line: f.line, column: f.column, severity: f.severity, code: f.code, message: f.message })),
        null,
        2,
      );
    case 'github':
      return findings
        .map((f) => {
          const props = [
            `file=${escapeProperty(f.file)}`,
            `line=${f.line}`,
            `col=${f.column}`,
            `endLine=${f.endLine}`,
            `endColumn=${f.endColumn}`,
            `title=${escapeProperty(f.code)}`,
          ].join(',');
          return `::${GITHUB_LEVEL[f.severity]} ${props}::${escapeData(f.message)}`;
        })
        .join('\n');
    case 'text':
    default: {
      const sev = Math.max(0, ...findings.map((f) => f.severity.length));
      return findings.map((f) => `${f.file}:${f.line}:${f.column}  ${f.severity.padEnd(sev)}  ${f.code}  ${f.message}`).join('\n');
    }
  }
}

/** `2 errors, 1 warning, 0 info in 3 files`. */
export function summarize(findings: readonly Finding[], files: number): string {
  const n = (k: Finding['severity']) => findings.filter((f) => f.severity === k).length;
  const plural = (c: number, w: string) => `${c} ${w}${c === 1 ? '' : 's'}`;
  return `${plural(n('error'), 'error')}, ${plural(n('warning'), 'warning')}, ${n('info')} info in ${plural(files, 'file')}`;
}
