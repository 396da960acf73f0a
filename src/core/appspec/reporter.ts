/** Collects findings with their positions and fixes, and sorts them for output. */
import type { LineCounter } from 'yaml';
import type { Fixer } from './fixes';
import { toPosition, type Range } from './positions';
import type { Finding, FindingCode, FixHint, Severity, SpecPath } from './types';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export class Reporter {
  readonly findings: Finding[] = [];
  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    /** Turns fix hints into edits; absent where there is no parsed document. */
    readonly fixer?: Fixer,
  ) {}
  add(code: FindingCode, severity: Severity, range: Range, message: string, path?: SpecPath, fix?: FixHint | FixHint[]): void {
    const f: Finding = { file: this.file, ...toPosition(this.lc, range), severity, code, message };
    if (path) f.path = path;
    const hints = fix === undefined ? [] : Array.isArray(fix) ? fix : [fix];
    if (hints.length) f.fix = hints[0];
    const fixes = this.fixer?.fixes(hints, range, path) ?? [];
    if (fixes.length) f.fixes = fixes;
    this.findings.push(f);
  }
}

export function sorted(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}
