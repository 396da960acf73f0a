/**
 * Quick fixes as text edits: the rules say what would fix a finding (a FixHint), this turns it into edits of the
 * linted text, so that an editor (or the CLI) applies them without knowing YAML. No `vscode` here.
 */
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { keyRange, locate, nodeRange, type Range } from './positions';
import type { Fix, FixHint, SpecPath, TextEdit } from './types';

/** What one `health_check` quick fix adds: App Platform's defaults, on the skills' `/health` route. */
export const DEFAULT_HEALTH_CHECK = {
  http_path: '/health',
  initial_delay_seconds: 5,
  period_seconds: 10,
  timeout_seconds: 3,
  success_threshold: 1,
  failure_threshold: 3,
};

/** Structural fixes re-serialise the document; past this many bytes of rewriting per lint, hostile input gets none. */
const REWRITE_BUDGET_BYTES = 2 * 1024 * 1024;

type Value = string | number | boolean;

/** How `value` reads as a whole YAML value: plain when YAML reads it back as the same value, else quoted. */
export function yamlScalar(value: Value): string {
  if (typeof value !== 'string') return String(value);
  const probe = parseDocument(`v: ${value}\n`, { version: '1.1' });
  const node = isMap(probe.contents) ? probe.contents.get('v', true) : undefined;
  const plain = probe.errors.length === 0 && isScalar(node) && (node as { value: unknown }).value === value && !value.includes('\n');
  return plain ? value : JSON.stringify(value);
}

/** The smallest single edit that turns `before` into `after` (their common head and tail kept). */
export function minimalEdit(before: string, after: string): TextEdit | undefined {
  if (before === after) return undefined;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let tail = 0;
  while (tail < max - start && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return { start, end: before.length - tail, newText: after.slice(start, after.length - tail) };
}

/** Turns hints into fixes for one lint of `text`, whose parsed document (with source ranges) is `doc`. */
export class Fixer {
  private base?: Document;
  private spent = 0;

  constructor(
    private readonly text: string,
    private readonly doc: Document,
  ) {}

  fixes(hints: readonly FixHint[], range: Range, path: SpecPath | undefined): Fix[] {
    return hints.flatMap((h) => this.one(h, range, path));
  }

  private one(hint: FixHint, range: Range, path: SpecPath | undefined): Fix[] {
    switch (hint.kind) {
      case 'replace-value': {
        const whole = this.isWholeValue(range, path);
        return hint.suggestions.slice(0, 3).map((s, i) => this.replace(`Change to "${s}"`, range, whole ? yamlScalar(s) : s, i === 0));
      }
      case 'rename-field':
        return hint.suggestions.slice(0, 3).map((s, i) => this.replace(`Rename to "${s}"`, range, s, i === 0));
      case 'set-value': {
        const r = path && nodeRange(locate(this.doc, path).node);
        if (!r) return [];
        return hint.values
          .slice(0, 3)
          .map((v, i) => this.replace(hint.titles?.[i] ?? `Change to ${yamlScalar(v)}`, r, yamlScalar(v), i === 0));
      }
      case 'set-field':
        return this.rewrite(hint.title, (d) => d.setIn(hint.path, hint.value), hint.preferred);
      case 'remove-field':
        return path ? this.rewrite(`Remove "${String(path[path.length - 1])}"`, (d) => void d.deleteIn(path)) : [];
      case 'make-secret':
        return this.rewrite('Make this env a SECRET (and remove its plaintext value from the file)', (d) => {
          const env = d.getIn(hint.envPath, true);
          if (!isMap(env)) return;
          env.delete('value');
          env.set('type', 'SECRET');
        }, true);
      case 'add-health-check':
        return this.rewrite('Add a health_check (GET /health)', (d) => {
          const service = d.getIn(hint.servicePath, true);
          if (isMap(service)) service.set('health_check', d.createNode(DEFAULT_HEALTH_CHECK));
        }, true);
      // the user's value (a command asks for it) or a tag only the registry knows: no edit to compute here
      case 'replace-placeholder':
      case 'pin-image':
        return [];
    }
  }

  private replace(title: string, range: Range, newText: string, preferred: boolean): Fix {
    return { title, edits: [{ start: range[0], end: range[1], newText }], preferred };
  }

  /** Whether `range` is the whole value at `path` (not a part of a string, nor a key): then quoting matters. */
  private isWholeValue(range: Range, path: SpecPath | undefined): boolean {
    if (!path) return false;
    const l = locate(this.doc, path);
    const r = nodeRange(l.node);
    const k = keyRange(l.pair);
    return !!r && r[0] === range[0] && r[1] === range[1] && !(k && k[0] === range[0]);
  }

  /** Changes a copy of the document with `yaml` and answers the one edit that differs (comments and order kept). */
  private rewrite(title: string, mutate: (doc: Document) => void, preferred = false): Fix[] {
    if (this.spent + this.text.length > REWRITE_BUDGET_BYTES) return [];
    this.spent += this.text.length;
    // YAML 1.2 for the copy: a 1.1 round trip would print `yes`/`no` strings back as booleans
    this.base ??= parseDocument(this.text, { uniqueKeys: false });
    if (this.base.errors.length) return [];
    const copy = this.base.clone();
    let after: string;
    try {
      mutate(copy);
      after = copy.toString({ lineWidth: 0 });
    } catch {
      return []; // a path through a scalar (odd or hostile YAML): no edit to offer, and linting never throws
    }
    const edit = minimalEdit(this.text, after);
    return edit ? [{ title, edits: [edit], preferred }] : [];
  }
}

/** Applies a fix's edits to `text` (edits do not overlap; applied from the end so offsets stay valid). */
export function applyFix(text: string, fix: Fix): string {
  let out = text;
  for (const e of [...fix.edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
