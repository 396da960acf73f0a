/**
 * Parsing as the user types. A 2,000-line app spec takes `yaml` ~25 ms to parse, most of it building the concrete
 * syntax tree; an edit usually touches one top-level entry, or one item of a top-level list (one service of
 * `services:`). IncrementalYaml re-parses only that unit — the text from its first line to the next unit's — splices
 * its nodes into the previous document, and shifts the positions of everything after it. Whenever the result could
 * differ from a full parse (the previous parse had errors; the unit does not parse to exactly one entry of the same
 * shape, indentation or key; anchors or aliases; document markers), it parses the whole text instead. Tests compare
 * both on random edits.
 */
import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

/** The options every app-spec parse uses: YAML 1.1, as doctl reads specs (sigs.k8s.io/yaml). */
export const YAML_OPTIONS = { prettyErrors: false, version: '1.1', uniqueKeys: true } as const;

export interface ParsedYaml {
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lc: LineCounter;
}

export function parseYaml(text: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lc });
  return { text, doc, lc };
}

/** Line starts of `text`, as a LineCounter (what parseDocument fills in while it parses). */
function lineCounter(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}

/**
 * Keeps the last parse of one document (e.g. one editor) and answers the next from it when it can. The Document it
 * returns is the previous one, updated in place: a caller must not keep using an older result's nodes.
 */
export class IncrementalYaml {
  private last?: ParsedYaml;
  /** How each parse went (tests and the bench read it). */
  readonly stats = { full: 0, incremental: 0 };

  parse(text: string): ParsedYaml {
    const prev = this.last;
    if (prev && prev.text === text) return prev;
    let next = prev ? splice(prev, text) : undefined;
    if (next) this.stats.incremental++;
    else {
      next = parseYaml(text);
      this.stats.full++;
    }
    this.last = next;
    return next;
  }
}

/** A unit of the previous text that one edit fell in: its span, and how to put a re-parsed one in its place. */
interface Unit {
  start: number;
  end: number;
  kind: 'pair' | 'item';
  /** The collection holding it, and its index there. */
  parent: YAMLMap | YAMLSeq;
  index: number;
  /** The top-level pair it is (kind 'pair') or is under (kind 'item'). */
  pairIndex: number;
}

const DOC_MARKERS = /^(?:---|\.\.\.|%)/m;

function lineStart(text: string, i: number): number {
  return text.lastIndexOf('\n', i - 1) + 1;
}

function startOf(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}

function hasAnchorsOrAliases(node: unknown): boolean {
  let found = false;
  visit(node as Node, {
    Alias: () => {
      found = true;
      return visit.BREAK;
    },
    Node: (_k, n) => {
      if ((n as { anchor?: string }).anchor) {
        found = true;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Adds `delta` to every position in `node` and below. */
function shift(node: unknown, delta: number): void {
  if (delta === 0 || node == null) return;
  const move = (n: { range?: [number, number, number] | null }) => {
    if (n.range) n.range = [n.range[0] + delta, n.range[1] + delta, n.range[2] + delta];
  };
  if (isPair(node)) {
    shift(node.key, delta);
    shift(node.value, delta);
    return;
  }
  if (isNode(node)) move(node);
  if (isMap(node) || isSeq(node)) for (const item of node.items) shift(item, delta);
}

/** Which unit of the previous document the changed range [from, to) of its text lies in, if one does. */
function unitOf(prev: ParsedYaml, root: YAMLMap, from: number, to: number): Unit | undefined {
  const text = prev.text;
  const pairs = root.items;
  const keyStarts = pairs.map((p) => startOf(p.key));
  if (keyStarts.some((s) => s === undefined)) return undefined;
  for (let j = 0; j < pairs.length; j++) {
    const start = lineStart(text, keyStarts[j]!);
    const end = j + 1 < pairs.length ? lineStart(text, keyStarts[j + 1]!) : text.length;
    // Only keys that start their line at column 0.
    if (start !== keyStarts[j]) return undefined;
    if (from < start || to > end) continue;
    const value = pairs[j].value;
    if (isSeq(value) && !value.flow && value.items.length > 0) {
      const items = value.items;
      const itemStarts = items.map((it) => startOf(it));
      const lines = itemStarts.map((s) => (s === undefined ? -1 : lineStart(text, s)));
      // Each item on its own `- ` line.
      const ownLines = itemStarts.every((s, i) => s !== undefined && /^ *- +$/.test(text.slice(lines[i], s)));
      if (ownLines) {
        for (let i = 0; i < items.length; i++) {
          const iStart = lines[i];
          const iEnd = i + 1 < items.length ? lines[i + 1] : end;
          if (from >= itemStarts[i]! && to <= iEnd) {
            return { start: iStart, end: iEnd, kind: 'item', parent: value, index: i, pairIndex: j };
          }
        }
      }
    }
    return { start, end, kind: 'pair', parent: root, index: j, pairIndex: j };
  }
  return undefined;
}

/** The previous parse updated for `text`, or undefined when only a full parse is sure to be right. */
function splice(prev: ParsedYaml, text: string): ParsedYaml | undefined {
  const old = prev.text;
  const doc = prev.doc;
  const root = doc.contents;
  if (doc.errors.length || doc.warnings.length || !isMap(root) || root.flow || !root.range) return undefined;

  // The changed range: [from, oldTo) of the old text; the new text differs only there, by `delta` characters.
  const max = Math.min(old.length, text.length);
  let from = 0;
  while (from < max && old.charCodeAt(from) === text.charCodeAt(from)) from++;
  let tail = 0;
  while (tail < max - from && old.charCodeAt(old.length - 1 - tail) === text.charCodeAt(text.length - 1 - tail)) tail++;
  const oldTo = old.length - tail;
  const delta = text.length - old.length;

  const unit = unitOf(prev, root, from, oldTo);
  if (!unit) return undefined;
  // The unit must still end at a line start: an edit that joined its last line with the next unit's is not its own.
  const newEnd = unit.end + delta;
  if (newEnd <= unit.start || (newEnd < text.length && text.charCodeAt(newEnd - 1) !== 10)) return undefined;
  const fragment = text.slice(unit.start, newEnd);
  if (DOC_MARKERS.test(fragment) || fragment.includes('\t') || fragment.includes('\r')) return undefined;

  // Every line after the unit's first must stay inside it: indented (or blank, or a comment).
  const firstIndent = /^ */.exec(fragment)![0].length;
  const oldFirstIndent = /^ */.exec(old.slice(unit.start))![0].length;
  if (firstIndent !== oldFirstIndent) return undefined;
  const lines = fragment.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const body = lines[i].trimStart();
    if (body === '' || body.startsWith('#')) continue;
    const indent = lines[i].length - body.length;
    // A pair's lines are indented; an item's are indented past its dash, or are its next sibling's dash (refused below).
    if (unit.kind === 'pair' ? indent === 0 : indent < firstIndent || (indent === firstIndent && !/^-( |$)/.test(body))) return undefined;
  }

  const part = parseDocument(fragment, YAML_OPTIONS);
  if (part.errors.length || part.warnings.length) return undefined;
  const contents = part.contents;
  let replacement: Node | Pair;
  if (unit.kind === 'pair') {
    if (!isMap(contents) || contents.flow || contents.items.length !== 1) return undefined;
    const pair = contents.items[0] as Pair;
    const oldKey = (unit.parent.items[unit.index] as Pair).key;
    if (!isScalar(pair.key) || !isScalar(oldKey) || pair.key.value !== oldKey.value) return undefined;
    replacement = pair;
  } else {
    if (!isSeq(contents) || contents.flow || contents.items.length !== 1 || !isNode(contents.items[0])) return undefined;
    replacement = contents.items[0];
  }
  if (hasAnchorsOrAliases(contents) || hasAnchorsOrAliases(unit.parent.items[unit.index])) return undefined;

  // Splice: the new unit at its place in the text, everything after it moved by delta.
  shift(replacement, unit.start);
  const after = (items: unknown[], from: number) => {
    for (let i = from; i < items.length; i++) shift(items[i], delta);
  };
  (unit.parent.items as unknown[])[unit.index] = replacement;
  after(unit.parent.items, unit.index + 1);
  if (unit.kind === 'item') {
    const seq = unit.parent as YAMLSeq;
    if (seq.range) seq.range = [seq.range[0], seq.range[1] + delta, seq.range[2] + delta];
    after(root.items, unit.pairIndex + 1);
  }
  root.range = [root.range[0], root.range[1] + delta, root.range[2] + delta];
  if (doc.range) doc.range = [doc.range[0], doc.range[1] + delta, doc.range[2] + delta];
  return { text, doc, lc: lineCounter(text) };
}
