/** What every rule reads and reports through, and the helpers rules share to walk a spec. */
import type { Scalar } from 'yaml';
import type { Range } from './positions';
import type { FindingCode, FixHint, LintOptions, Severity, SpecPath } from './types';

export interface RuleContext {
  text: string;
  spec: Record<string, unknown>;
  options: LintOptions;
  /** Every string scalar value in the document with its path (keys excluded). */
  strings: { node: Scalar; path: SpecPath }[];
  /** Range of the value at a path; falls back to its key, then to the closest existing parent. */
  valueRange(path: SpecPath): Range;
  /** Range of the key at a path (for "this field" findings), falling back like valueRange. */
  keyRange(path: SpecPath): Range;
  report(code: FindingCode, severity: Severity, range: Range, message: string, path?: SpecPath, fix?: FixHint | FixHint[]): void;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const code = (s: string) => `\`${s}\``;

export const COMPONENT_KINDS = ['services', 'static_sites', 'workers', 'jobs', 'functions'] as const;
export const SOURCE_KEYS = ['git', 'github', 'gitlab', 'bitbucket'] as const;

interface Component {
  kind: string;
  path: SpecPath;
  value: Obj;
}

export function componentsOf(spec: Obj, kinds: readonly string[] = [...COMPONENT_KINDS, 'databases']): Component[] {
  const out: Component[] = [];
  for (const kind of kinds) {
    const list = spec[kind];
    if (!Array.isArray(list)) continue;
    list.forEach((value, i) => {
      if (isObj(value)) out.push({ kind, path: [kind, i], value });
    });
  }
  return out;
}
