/**
 * An environment's app spec: the skill's one spec with the environment's overlay (`infra/<skill>.<env>.yaml`) laid on
 * top, named after the environment. The overlay is applied to the base's YAML document (comments and layout kept), so
 * findings on fields the overlay leaves alone keep pointing at the base's lines, and `overlayPaths` tells where each
 * field the overlay set came from.
 */
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { LintCache } from '../appspec/lint';
import { locate } from '../appspec/positions';
import { appNameFor, EnvironmentError, type EnvironmentDef } from './config';

type Seg = string | number;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Lists merged item by item, by the field that names an item; any other list is replaced whole. */
const KEYED: Readonly<Record<string, string>> = {
  services: 'name',
  workers: 'name',
  jobs: 'name',
  static_sites: 'name',
  functions: 'name',
  databases: 'name',
  envs: 'key',
  alerts: 'rule',
  domains: 'domain',
};
const COMPONENT_KINDS = ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const;
/** The smallest instance size App Platform sells (what a preview runs on). */
export const PREVIEW_INSTANCE_SIZE = 'apps-s-1vcpu-0.5gb';

/** infra/pr-review.yaml + production → infra/pr-review.production.yaml */
export function overlayPathFor(baseSpecPath: string, envName: string): string {
  const ext = path.extname(baseSpecPath);
  return `${baseSpecPath.slice(0, baseSpecPath.length - ext.length)}.${envName}${ext || '.yaml'}`;
}

/** Where a field of the environment's spec came from: its path in the spec and in the overlay file. */
export interface OverlayPath {
  specPath: Seg[];
  overlayPath: Seg[];
  /** 1-based line of the field in the overlay file. */
  overlayLine?: number;
}

export interface EnvironmentSpec {
  /** The YAML that is linted and deployed. */
  text: string;
  /** What the overlay and the environment changed, e.g. `services[0].instance_count = 2 (infra/x.production.yaml)`. */
  changes: string[];
  overlayPaths: OverlayPath[];
}

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (p: Seg[]) => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');

/** The operations that lay `overlay` on `base` (both plain JSON), recorded with the overlay path of each. */
function plan(base: Json | undefined, overlay: Json, at: Seg[], from: Seg[], ops: Op[]): void {
  if (overlay === null) {
    if (base !== undefined) ops.push({ kind: 'delete', at, from });
    return;
  }
  if (isObject(overlay) && isObject(base)) {
    for (const [k, v] of Object.entries(overlay)) plan(base[k], v, [...at, k], [...from, k], ops);
    return;
  }
  const keyField = KEYED[String(at[at.length - 1])];
  if (Array.isArray(overlay) && Array.isArray(base) && keyField) {
    let appended = 0;
    overlay.forEach((item, i) => {
      const key = isObject(item) ? item[keyField] : undefined;
      const index = key === undefined ? -1 : base.findIndex((b) => isObject(b) && b[keyField] === key);
      if (index >= 0) plan(base[index], item, [...at, index], [...from, i], ops);
      else ops.push({ kind: 'add', at, from: [...from, i], value: item, index: base.length + appended++ });
    });
    return;
  }
  ops.push({ kind: 'set', at, from, value: overlay });
}

type Op =
  | { kind: 'set'; at: Seg[]; from: Seg[]; value: Json }
  | { kind: 'add'; at: Seg[]; from: Seg[]; value: Json; index: number }
  | { kind: 'delete'; at: Seg[]; from: Seg[] };

/** Preview-safe settings (as DigitalOcean's app_action does for PR previews): smallest size, one instance, no domains or alerts. */
function previewSafe(doc: Document, changes: string[]): void {
  const del = (p: Seg[]) => {
    if (doc.hasIn(p)) {
      doc.deleteIn(p);
      changes.push(`${show(p)} removed (preview)`);
    }
  };
  del(['domains']);
  del(['alerts']);
  // A preview deploys through the procedure (with its smoke suite) only: never by itself on a push to the PR branch.
  for (const kind of COMPONENT_KINDS) {
    const seq = doc.get(kind);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item, i) => {
      for (const src of ['git', 'github', 'gitlab', 'bitbucket']) {
        if (isMap(item) && isMap(item.get(src)) && doc.getIn([kind, i, src, 'deploy_on_push']) === true) {
          doc.setIn([kind, i, src, 'deploy_on_push'], false);
          changes.push(`${kind}[${i}].${src}.deploy_on_push = false (preview)`);
        }
      }
    });
  }
  for (const kind of COMPONENT_KINDS) {
    const seq = doc.get(kind);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item, i) => {
      if (!isMap(item)) return;
      del([kind, i, 'alerts']);
      if (kind === 'static_sites' || kind === 'functions') return;
      del([kind, i, 'autoscaling']);
      if (item.get('instance_size_slug') !== PREVIEW_INSTANCE_SIZE) {
        item.set('instance_size_slug', PREVIEW_INSTANCE_SIZE);
        changes.push(`${kind}[${i}].instance_size_slug = ${PREVIEW_INSTANCE_SIZE} (preview)`);
      }
      if (kind !== 'jobs' && item.get('instance_count') !== 1) {
        item.set('instance_count', 1);
        changes.push(`${kind}[${i}].instance_count = 1 (preview)`);
      }
    });
  }
}

export interface SpecForEnvironmentOptions {
  /** The overlay's file, relative to the repository (for messages). */
  overlayFile?: string;
  /** The skill (for `{skill}` in the app template); default the spec's name. */
  skill?: string;
}

/**
 * The environment's spec text. A base that does not parse is answered unchanged (the linter reports its errors); an
 * overlay that does not parse, is not a mapping, or sets `name` throws an EnvironmentError naming its file and line.
 */
export function specForEnvironment(
  baseText: string,
  overlayText: string | undefined,
  env: EnvironmentDef,
  options: SpecForEnvironmentOptions = {},
): EnvironmentSpec {
  const cacheable = baseText.length + (overlayText?.length ?? 0) <= LintCache.MAX_TEXT;
  const key = cacheable ? JSON.stringify([baseText, overlayText ?? null, env, options.overlayFile ?? null, options.skill ?? null]) : undefined;
  const hit = key !== undefined ? environmentSpecs.get(key) : undefined;
  if (hit) return copy(hit);
  const made = layOverlay(baseText, overlayText, env, options);
  if (key !== undefined) environmentSpecs.set(key, copy(made), { size: key.length + made.text.length });
  return made;
}

/**
 * The same base, overlay and environment give the same spec: kept for the process (bounded, 1 MiB in all), since a
 * plan lays every skill's unchanged overlay again and parsing and printing the YAML was half of a deploy's prepare step
 * (`npm run bench`'s cap N). Texts over the lint cache's bound are not kept. Errors are not kept: they are thrown again.
 */
const environmentSpecs = new LRUCache<string, EnvironmentSpec>({ max: 256, maxSize: 1024 * 1024 });

const copy = (s: EnvironmentSpec): EnvironmentSpec => ({
  text: s.text,
  changes: [...s.changes],
  overlayPaths: s.overlayPaths.map((o) => ({ ...o, specPath: [...o.specPath], overlayPath: [...o.overlayPath] })),
});

function layOverlay(
  baseText: string,
  overlayText: string | undefined,
  env: EnvironmentDef,
  options: SpecForEnvironmentOptions,
): EnvironmentSpec {
  const doc = parseDocument(baseText, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length || !isMap(doc.contents)) return { text: baseText, changes: [], overlayPaths: [] };
  const changes: string[] = [];
  const overlayPaths: OverlayPath[] = [];
  const file = options.overlayFile ?? 'the overlay';
  if (overlayText !== undefined && overlayText.trim() !== '') {
    const lc = new LineCounter();
    const over = parseDocument(overlayText, { version: '1.1', uniqueKeys: true, lineCounter: lc, prettyErrors: false });
    if (over.errors.length) {
      const line = lc.linePos(over.errors[0].pos[0]).line;
      throw new EnvironmentError(`${file}:${line}: ${over.errors[0].message.split('\n')[0]}`, options.overlayFile, line);
    }
    const value = over.toJS({ maxAliasCount: 100 }) as Json;
    if (value !== null && !isObject(value)) {
      throw new EnvironmentError(`${file}:1: an overlay is a mapping of app spec fields, not a ${Array.isArray(value) ? 'list' : typeof value}`, options.overlayFile, 1);
    }
    if (isObject(value) && 'name' in value) {
      const n = locate(over, ['name']).pair?.key as { range?: [number, number] } | undefined;
      const line = n?.range ? lc.linePos(n.range[0]).line : 1;
      throw new EnvironmentError(
        `${file}:${line}: name: an overlay cannot rename the app; the environment's app template in infra/environments.yaml names it`,
        options.overlayFile,
        line,
      );
    }
    const ops: Op[] = [];
    if (isObject(value)) plan(doc.toJS() as Json, value, [], [], ops);
    for (const op of ops) {
      const node = locate(over, op.from).node;
      const overlayLine = node?.range ? lc.linePos(node.range[0]).line : undefined;
      if (op.kind === 'delete') {
        doc.deleteIn(op.at);
        changes.push(`${show(op.at)} removed (${file})`);
        overlayPaths.push({ specPath: op.at, overlayPath: op.from, overlayLine });
      } else if (op.kind === 'add') {
        doc.addIn(op.at, doc.createNode(op.value));
        changes.push(`${show([...op.at, op.index])} added (${file})`);
        overlayPaths.push({ specPath: [...op.at, op.index], overlayPath: op.from, overlayLine });
      } else {
        doc.setIn(op.at, doc.createNode(op.value));
        changes.push(`${show(op.at)} = ${typeof op.value === 'object' ? JSON.stringify(op.value) : String(op.value)} (${file})`);
        overlayPaths.push({ specPath: op.at, overlayPath: op.from, overlayLine });
      }
    }
  }
  const specName = doc.get('name');
  if (typeof specName === 'string' && specName) {
    const name = appNameFor(env, specName, options.skill ?? specName);
    if (name !== specName) {
      doc.set('name', name);
      changes.push(`name = ${name} (environment ${env.name})`);
    }
  }
  if (env.preview) previewSafe(doc, changes);
  return { text: changes.length ? doc.toString() : baseText, changes, overlayPaths };
}
