import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { SpecPath } from './types';

/** A source range as offsets into the text: [start, end). */
export type Range = [number, number];

export interface Located {
  /** The value node at the path, if it exists (and is not null). */
  node?: Node;
  /** The pair whose value is the node (or would be), for key ranges. */
  pair?: Pair;
  /** The deepest node that exists on the path (the container, when the path runs off the document). */
  deepest: Node | undefined;
}

/** Finds the YAML node at a spec path, resolving aliases; never throws. */
export function locate(doc: Document, path: SpecPath): Located {
  let node = doc.contents as Node | null | undefined;
  let pair: Pair | undefined;
  let deepest: Node | undefined = node ?? undefined;
  for (const seg of path) {
    if (node && isAlias(node)) node = node.resolve(doc);
    if (!node) return { deepest };
    deepest = node;
    if (isMap(node)) {
      const p = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
      if (!p) return { deepest };
      pair = p;
      node = (p.value as Node | null) ?? undefined;
    } else if (isSeq(node) && typeof seg === 'number') {
      pair = undefined;
      node = (node.items[seg] as Node | null) ?? undefined;
    } else {
      return { deepest };
    }
  }
  if (node && isAlias(node)) node = node.resolve(doc) ?? node;
  if (node && isScalar(node) && node.value === null && !node.range) node = undefined;
  return { node: node ?? undefined, pair, deepest };
}

/** Range of a node's value (without trailing comments and newlines). */
export function nodeRange(node: Node | undefined): Range | undefined {
  const r = node?.range;
  return r ? [r[0], Math.max(r[1], r[0])] : undefined;
}

/** Range of the key of a pair. */
export function keyRange(pair: Pair | undefined): Range | undefined {
  return isPair(pair) ? nodeRange(pair.key as Node) : undefined;
}

/** Narrows a multi-line range to its first line, so a missing-field error underlines `- name: web`, not the block. */
export function firstLine(text: string, r: Range): Range {
  const nl = text.indexOf('\n', r[0]);
  return nl >= 0 && nl < r[1] ? [r[0], nl] : r;
}

/** Where `needle` occurs inside the source of `range`, for underlining a part of a scalar (a port, a placeholder). */
export function subRange(text: string, r: Range, needle: string): Range {
  const i = needle ? text.slice(r[0], r[1]).indexOf(needle) : -1;
  return i >= 0 ? [r[0] + i, r[0] + i + needle.length] : r;
}

export interface Position {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** 1-based line/column of a range, via `yaml`'s LineCounter. */
export function toPosition(lc: LineCounter, r: Range): Position {
  const a = lc.linePos(r[0]);
  const b = lc.linePos(Math.max(r[1], r[0]));
  return { line: Math.max(a.line, 1), column: a.col, endLine: Math.max(b.line, 1), endColumn: b.col };
}

/** `services[0].envs[1].key`: how findings spell a spec path. */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(root)';
}
