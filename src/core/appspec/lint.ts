/**
 * The app-spec linter: `yaml` keeps positions, the strict zod view (./schema) checks types, enums and unknown
 * fields, ./rules checks what a schema cannot (placeholders, secrets, ports, paths, branches). Bounded on hostile
 * input: size, nesting depth and alias expansion are capped and answered with one error finding.
 */
import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node, type Scalar } from 'yaml';
import { LRUCache } from 'lru-cache';
import { parseYaml } from './incremental';
import { AppSpecSchema, type AppSpec } from '../do/schemas';
import { firstLine, formatPath, keyRange, locate, nodeRange, type Range } from './positions';
import * as rules from './rules';
import { Reporter, sorted } from './reporter';
import { strictAppSpecSchema, strictOverlaySchema } from './schema';
import { schemaFindings } from './schemaFindings';
import { Fixer } from './fixes';
import type { FindingCode, LintOptions, LintResult, LintTextCache, SpecPath, TextLint } from './types';

export const LIMITS = {
  /** Real specs are a few KiB; DigitalOcean's API rejects bodies far smaller than this. */
  maxBytes: 1024 * 1024,
  /** An AppSpec nests 7 levels at most (services[].log_destinations[].open_search.basic_auth.user). */
  maxDepth: 64,
  /** `yaml`'s guard against billion-laughs expansion (its default). */
  maxAliasCount: 100,
} as const;

/** Lints the text of one app spec. Never throws for any input; answers within bounded time and memory. */
export async function lintAppSpec(text: string, options: LintOptions): Promise<LintResult> {
  const cache = options.parser ? undefined : options.cache;
  const key = cache?.key(text, options);
  let pure = key !== undefined ? cache!.get(key) : undefined;
  if (!pure) {
    pure = lintText(text, options);
    if (key !== undefined) cache!.set(key, pure, text);
  }
  if ('done' in pure) return { ...pure.done, findings: pure.done.findings.map((f) => ({ ...f })) };

  // What the text alone does not say: the repository's folders and branches, asked again on every call.
  const { doc, lc, spec, strict } = pure;
  const out = new Reporter(options.file, lc, new Fixer(text, doc));
  out.findings.push(...pure.findings.map((f) => ({ ...f })));
  const ctx = context(text, doc, spec, pure.strings, options, out);
  await Promise.all([rules.sourceDirs(ctx), rules.branches(ctx)]);

  // valid in the strict view: an AppSpec; otherwise the client's loose view types what it can
  const loose = strict.success ? strict : AppSpecSchema.safeParse(spec);
  const typed = (loose.success ? loose.data : spec) as AppSpec;
  // A cached spec is shared by every call with this text: each caller gets its own copy.
  return { findings: sorted(out.findings), spec: key !== undefined ? structuredClone(typed) : typed, document: doc };
}

function context(
  text: string,
  doc: Document,
  spec: Record<string, unknown>,
  strings: Walked['strings'],
  options: LintOptions,
  out: Reporter,
): rules.RuleContext {
  const valueRange = (p: SpecPath): Range => {
    const l = locate(doc, p);
    return nodeRange(l.node) ?? keyRange(l.pair) ?? firstLine(text, nodeRange(l.deepest) ?? [0, 0]);
  };
  const keyRangeAt = (p: SpecPath): Range => {
    const l = locate(doc, p);
    return keyRange(l.pair) ?? nodeRange(l.node) ?? firstLine(text, nodeRange(l.deepest) ?? [0, 0]);
  };
  return { text, spec, options, strings, valueRange, keyRange: keyRangeAt, report: out.add.bind(out) };
}

/** Everything that depends on the text alone (and the file name and known instance sizes): parse, schema, rules. */
function lintText(text: string, options: LintOptions): TextLint {
  if (text.length > LIMITS.maxBytes || Buffer.byteLength(text, 'utf8') > LIMITS.maxBytes) {
    const end = Math.min(text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'), 200);
    const lc = new LineCounter();
    lc.addNewLine(0);
    const out = new Reporter(options.file, lc);
    out.add(
      'APP_SPEC_TOO_LARGE',
      'error',
      [0, end],
      `the file is ${(Buffer.byteLength(text, 'utf8') / 1024 / 1024).toFixed(1)} MiB; an app spec is at most ` +
      `${LIMITS.maxBytes / 1024 / 1024} MiB, so it is not parsed`,
    );
    return { done: { findings: out.findings } };
  }

  // YAML 1.1, as doctl reads specs (sigs.k8s.io/yaml): `yes`/`no` are booleans there too. An editor passes its
  // IncrementalYaml, which re-parses only what an edit touched.
  const { doc, lc } = options.parser ? options.parser.parse(text) : parseYaml(text);
  const out = new Reporter(options.file, lc, new Fixer(text, doc));
  const tooDeep = doc.errors.find((e) => /call stack/i.test(e.message));
  if (tooDeep) {
    out.add(
      'APP_SPEC_TOO_DEEP',
      'error',
      tooDeep.pos,
      `the YAML nests too deeply to be an app spec (an app spec nests ${LIMITS.maxDepth} levels at most)`,
    );
    return { done: { findings: out.findings } };
  }
  for (const e of doc.errors) out.add('APP_SPEC_SYNTAX_ERROR', 'error', e.pos, e.message);
  for (const w of doc.warnings) out.add('APP_SPEC_SYNTAX_ERROR', 'warning', w.pos, w.message);
  if (doc.errors.length) return { done: { findings: sorted(out.findings) } };

  const walked = walk(doc);
  if (walked.tooDeep) {
    out.add(
      'APP_SPEC_TOO_DEEP',
      'error',
      firstLine(text, nodeRange(walked.tooDeep) ?? [0, 0]),
      `the YAML nests more than ${LIMITS.maxDepth} levels deep; an app spec nests 7 at most`,
    );
    return { done: { findings: sorted(out.findings) } };
  }

  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (err) {
    out.add(
      'APP_SPEC_TOO_MANY_ALIASES',
      'error',
      nodeRange(walked.firstAlias) ?? [0, 0],
      `aliases expand too much (${(err as Error).message}); an app spec needs no more than a few`,
    );
    return { done: { findings: sorted(out.findings), document: doc } };
  }

  const overlay = options.kind === 'overlay';
  // An empty overlay changes nothing: valid.
  if (overlay && (js === null || js === undefined)) return { done: { findings: sorted(out.findings), document: doc } };
  if (typeof js !== 'object' || js === null || Array.isArray(js)) {
    const r = nodeRange(doc.contents ?? undefined) ?? [0, 0];
    const what = overlay ? 'an overlay is a mapping of the fields that differ from the base spec' : 'an app spec is a mapping with at least `name`';
    out.add(
      'SCHEMA_ERROR',
      'error',
      firstLine(text, r),
      `${what}; this document is ${js === null || js === undefined ? 'empty' : Array.isArray(js) ? 'a list' : `a ${typeof js}`}`,
      [],
    );
    return { done: { findings: sorted(out.findings), document: doc } };
  }
  const spec = dropNulls(js) as Record<string, unknown>;
  const ctx = context(text, doc, spec, walked.strings, options, out);

  const strict = (overlay ? strictOverlaySchema() : strictAppSpecSchema()).safeParse(spec);
  schemaFindings(strict, spec, out, ctx.valueRange, ctx.keyRange, text, doc);

  rules.duplicateComponents(ctx);
  rules.openEnums(ctx);
  rules.instanceCounts(ctx);
  rules.autoscaling(ctx);
  rules.valuesAndSecrets(ctx);
  const plaintext = new Set(out.findings.filter((f) => f.code === 'PLAINTEXT_SECRET' && f.path).map((f) => formatPath(f.path!)));
  rules.unencryptedSecrets(ctx, plaintext);
  // A component of an overlay lists only what differs: its health check and port are the merged spec's to check.
  if (!overlay) {
    rules.imagesAndHealthChecks(ctx);
    rules.portMismatch(ctx);
  }
  return { doc, lc, spec, strings: walked.strings, strict, findings: out.findings };
}

/**
 * Keeps what linting a text found from the text alone (the parse, the schema and every rule but the folder and branch
 * checks), so that linting the same text again, as deploying an unchanged spec does, costs the environment checks
 * only. Pass one in `LintOptions.cache`; an editor's `parser` bypasses it. Bounded: texts over 32 KiB are not kept (app
 * specs are a few KiB), and at most `maxEntries` (default 128) or `maxTextBytes` (default 256 KiB) of text with their
 * parsed documents, least recently used first out. The parsed document of a cached text is shared by the calls that
 * lint it (`LintResult.document`): read it, do not change it.
 */
export class LintCache implements LintTextCache {
  static readonly MAX_TEXT = 32 * 1024;
  private readonly lru: LRUCache<string, TextLint>;
  hits = 0;
  misses = 0;

  constructor(options: { maxEntries?: number; maxTextBytes?: number } = {}) {
    this.lru = new LRUCache<string, TextLint>({ max: options.maxEntries ?? 128, maxSize: options.maxTextBytes ?? 256 * 1024 });
  }

  /** The key of a text as these options lint it; undefined when the text is too large to keep. */
  key(text: string, options: LintOptions): string | undefined {
    if (text.length > LintCache.MAX_TEXT) return undefined;
    return `${options.file}\0${options.kind ?? 'spec'}\0${(options.knownInstanceSizes ?? []).join(',')}\0${text}`;
  }

  get(key: string): TextLint | undefined {
    const v = this.lru.get(key);
    if (v) this.hits++;
    else this.misses++;
    return v;
  }

  set(key: string, value: TextLint, text: string): void {
    this.lru.set(key, value, { size: Math.max(1, text.length) });
  }

  get size(): number {
    return this.lru.size;
  }
}

/** What a path is when it is not a regular file, for the message. */
function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

type BoundedRead = { text: string } | { refused: string; code: 'APP_SPEC_UNREADABLE' | 'APP_SPEC_TOO_LARGE' };

/**
 * Reads a regular file of at most `maxBytes`: a FIFO, a device or a directory is refused before any read, and at most
 * `maxBytes + 1` bytes are read whatever the size `stat` reports (/proc files say 0; a file may grow meanwhile).
 */
async function readBoundedFile(file: string, maxBytes: number): Promise<BoundedRead> {
  // O_NONBLOCK: opening a FIFO that has no writer would wait forever; for a regular file it changes nothing.
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const refused = `${file} is ${kindOf(stat)}, not a regular file: an app spec is read only from a regular file`;
      return { code: 'APP_SPEC_UNREADABLE', refused };
    }
    const tooLarge = (what: string): BoundedRead => ({
      code: 'APP_SPEC_TOO_LARGE',
      refused: `the file is ${what}; an app spec is at most ${maxBytes / 1024 / 1024} MiB, so it is not parsed`,
    });
    if (stat.size > maxBytes) return tooLarge(`${(stat.size / 1024 / 1024).toFixed(1)} MiB`);
    const chunks: Buffer[] = [];
    let total = 0;
    // `end` is inclusive: one byte past the cap tells "too large" from "exactly the cap".
    const stream = handle.createReadStream({ start: 0, end: maxBytes, autoClose: false }) as AsyncIterable<Buffer>;
    for await (const chunk of stream) {
      chunks.push(chunk);
      total += chunk.length;
    }
    if (total > maxBytes) return tooLarge(`over ${maxBytes / 1024 / 1024} MiB (it grew while being read)`);
    return { text: Buffer.concat(chunks, total).toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Reads and lints a file; a file that cannot be read (or is not a regular file, or is too large) is one error finding. */
export async function lintAppSpecFile(file: string, options: Omit<LintOptions, 'file'> & { file?: string } = {}): Promise<LintResult> {
  const shown = options.file ?? file;
  const finding = (code: FindingCode, message: string): LintResult => ({
    findings: [{ file: shown, line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code, message }],
  });
  let read: BoundedRead;
  try {
    read = await readBoundedFile(file, LIMITS.maxBytes);
  } catch (err) {
    return finding('APP_SPEC_UNREADABLE', `cannot read the file: ${(err as Error).message}`);
  }
  if ('refused' in read) return finding(read.code, read.refused);
  return lintAppSpec(read.text, { ...options, file: shown });
}

// ---------------------------------------------------------------------------------------------------------------

interface Walked {
  strings: { node: Scalar; path: SpecPath }[];
  tooDeep?: Node;
  firstAlias?: Node;
}

/** One iterative pass over the AST: string scalars with their paths, the nesting depth, the first alias. */
function walk(doc: Document): Walked {
  const out: Walked = { strings: [] };
  const stack: { node: Node; path: SpecPath }[] = [];
  if (doc.contents) stack.push({ node: doc.contents, path: [] });
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (path.length > LIMITS.maxDepth) {
      out.tooDeep = node;
      return out;
    }
    if (isAlias(node)) {
      if (!out.firstAlias || (node.range?.[0] ?? Infinity) < (out.firstAlias.range?.[0] ?? Infinity)) out.firstAlias = node;
    } else if (isScalar(node)) {
      if (typeof node.value === 'string') out.strings.push({ node, path });
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (pair.value && (typeof key === 'string' || typeof key === 'number'))
          stack.push({ node: pair.value as Node, path: [...path, String(key)] });
        else if (pair.value) stack.push({ node: pair.value as Node, path: [...path, '?'] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item) stack.push({ node: item as Node, path: [...path, i] });
      });
    }
  }
  out.strings.reverse();
  return out;
}

/** Go's JSON decoder (doctl) treats `key: null` as absent: so does the linter. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
  return out;
}
