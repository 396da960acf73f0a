/**
 * Scaling a skill's component: instance count, size, or autoscaling (min/max instances and CPU target), checked
 * against App Platform's instance sizes, priced before → after, and written into the app spec (or an environment's
 * overlay) with `yaml`'s document model so comments and layout stay. The repository stays the source of truth: the
 * edit is left for the user to see and commit, and a normal deploy sends it.
 */
import { createTwoFilesPatch } from 'diff';
import { isMap, isSeq, parseDocument, YAMLMap, type Document } from 'yaml';
import { editDistance, suggest } from '../appspec/suggest';
import type { AppSpec, InstanceSize } from '../do/schemas';
import { DEFAULT_SIZE, instanceRange, specMonthlyCost, type MonthlyCost } from './cost';

/** Components that run instances (static sites and functions do not scale). */
const SCALED_KINDS = ['services', 'workers', 'jobs'] as const;
/** App Platform's most instances of one component (the OpenAPI description's `max_instance_count` maximum). */
export const MAX_INSTANCES = 250;

export interface ScaleChange {
  /** The component to scale; default the spec's only service, worker or job. */
  component?: string;
  count?: number;
  size?: string;
  /** Autoscaling instead of a fixed count (replaces `instance_count`); `false` removes it. */
  autoscale?: { min?: number; max?: number; cpuPercent?: number } | false;
}

/** How one component is scaled. */
export interface ComponentScale {
  size: string;
  /** A fixed count (absent with autoscaling). */
  count?: number;
  autoscaling?: { min?: number; max?: number; cpuPercent?: number };
}

export interface ScalePlan {
  /** The file that is edited (the app spec, or the environment's overlay). */
  file: string;
  component: string;
  kind: (typeof SCALED_KINDS)[number];
  before: ComponentScale;
  after: ComponentScale;
  /** From the instance sizes' prices. */
  cost: { before: MonthlyCost; after: MonthlyCost };
  /** The file's text before and after the edit. */
  original: string;
  text: string;
  /** A unified diff of the edit (empty when nothing changes). */
  diff: string;
  changed: boolean;
  /** The whole app spec before and after (what would be deployed), for `propose`. */
  specBefore: AppSpec;
  specAfter: AppSpec;
}

export type ScaleErrorCode =
  'UNKNOWN_SIZE' | 'COUNT_OUT_OF_RANGE' | 'UNKNOWN_COMPONENT' | 'NOT_AUTOSCALABLE' | 'INVALID_SCALE' | 'BAD_SPEC';

export class ScaleError extends Error {
  constructor(
    readonly code: ScaleErrorCode,
    message: string,
    readonly details: { suggestions?: string[]; range?: { min: number; max: number } } = {},
  ) {
    super(message);
    this.name = 'ScaleError';
  }
}

export interface PlanScaleInput {
  /** The text of the file to edit, and its name (relative to the repository) for messages. */
  text: string;
  file: string;
  change: ScaleChange;
  /** App Platform's instance sizes (client.listInstanceSizes()). */
  sizes: readonly InstanceSize[];
  /**
   * The whole app spec the edited text makes (default: the text itself is the spec). An environment's overlay passes
   * the base merged with the overlay.
   */
  effectiveSpec?: (text: string) => AppSpec;
  /** The component as the effective spec has it, for an overlay that does not name it yet. */
  overlay?: boolean;
}

/** The instances a size allows: 1 for `single_instance_only` sizes, else 1 to MAX_INSTANCES. */
export function countRange(size: InstanceSize): { min: number; max: number } {
  return { min: 1, max: size.single_instance_only ? 1 : MAX_INSTANCES };
}

/** The sizes nearest an unknown slug: typos first, else the closest spellings. */
export function nearestSizes(slug: string, sizes: readonly InstanceSize[], limit = 3): string[] {
  const slugs = sizes.map((s) => s.slug).filter((s): s is string => !!s);
  const typos = suggest(slug, slugs, limit);
  if (typos.length) return typos;
  return slugs
    .map((s) => ({ s, d: editDistance(slug.toLowerCase(), s.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.s.localeCompare(b.s))
    .slice(0, limit)
    .map((x) => x.s);
}

function whole(n: number | undefined, what: string, min: number, max: number): void {
  if (n === undefined) return;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ScaleError('INVALID_SCALE', `${what} must be a whole number from ${min} to ${max}, got ${n}`, { range: { min, max } });
  }
}

interface Located {
  kind: (typeof SCALED_KINDS)[number];
  name: string;
  value: Record<string, unknown>;
}

function componentsOf(spec: AppSpec): Located[] {
  return SCALED_KINDS.flatMap((kind) =>
    ((spec[kind] ?? []) as Array<Record<string, unknown>>).map((value) => ({ kind, name: String(value.name), value })),
  );
}

function scaleOf(c: Record<string, unknown>): ComponentScale {
  type Auto = { min_instance_count?: number; max_instance_count?: number; metrics?: { cpu?: { percent?: number } } };
  const a = c.autoscaling as Auto | undefined;
  const size = typeof c.instance_size_slug === 'string' ? c.instance_size_slug : DEFAULT_SIZE;
  if (a) {
    return { size, autoscaling: { min: a.min_instance_count, max: a.max_instance_count, cpuPercent: a.metrics?.cpu?.percent } };
  }
  return { size, count: typeof c.instance_count === 'number' ? c.instance_count : 1 };
}

function parse(text: string, file: string): Document.Parsed {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length) throw new ScaleError('BAD_SPEC', `${file}: ${doc.errors[0].message} (fix the YAML first: odoobo validate)`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new ScaleError('BAD_SPEC', `${file}: an app spec is a mapping`);
  // An empty overlay gets a plain mapping (left to yaml, YAML 1.1 would make it an `!!omap`).
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  return doc;
}

/** The component's mapping in the document, by name; an overlay gets one added when it does not name it yet. */
function componentNode(doc: Document, kind: string, name: string, add: boolean, file: string): YAMLMap {
  let list = doc.get(kind);
  if (!list && add) {
    doc.set(kind, doc.createNode([]));
    list = doc.get(kind);
  }
  if (isSeq(list)) {
    for (const item of list.items) if (isMap(item) && item.get('name') === name) return item;
    if (add) {
      const node = doc.createNode({ name }) as YAMLMap;
      list.items.push(node);
      return node;
    }
  }
  throw new ScaleError('UNKNOWN_COMPONENT', `${file}: no ${kind} component named \`${name}\``);
}

/**
 * Checks a change against the sizes and plans the edit; throws ScaleError for an unknown size (with the nearest ones),
 * a count out of the size's range (with the range), or an unknown component. Changes nothing on disk.
 */
export function planScale(input: PlanScaleInput): ScalePlan {
  const { text, file, change, sizes } = input;
  const effective = input.effectiveSpec ?? ((t: string) => (parse(t, file).toJS() ?? {}) as AppSpec);
  const specBefore = effective(text);
  const all = componentsOf(specBefore);
  if (!all.length) throw new ScaleError('UNKNOWN_COMPONENT', `${file}: the app spec has no service, worker or job to scale`);
  let target: Located | undefined;
  if (change.component !== undefined) {
    target = all.find((c) => c.name === change.component);
    if (!target) {
      const names = all.map((c) => c.name);
      const near = suggest(change.component, names);
      throw new ScaleError(
        'UNKNOWN_COMPONENT',
        `${file}: no service, worker or job named \`${change.component}\` (components: ${names.join(', ')})`,
        { suggestions: near.length ? near : names },
      );
    }
  } else if (all.length === 1) {
    target = all[0];
  } else {
    throw new ScaleError('UNKNOWN_COMPONENT', `${file}: several components can scale (${all.map((c) => c.name).join(', ')}): name one`, {
      suggestions: all.map((c) => c.name),
    });
  }
  if (change.count !== undefined && change.autoscale) {
    throw new ScaleError(
      'INVALID_SCALE',
      'a fixed instance count and autoscaling do not go together (App Platform: instance_count must not be set with autoscaling)',
    );
  }
  whole(change.count, 'the instance count', 1, MAX_INSTANCES);
  const before = scaleOf(target.value);

  const sizeSlug = change.size ?? before.size;
  const size = sizes.find((s) => s.slug === sizeSlug);
  if (!size) {
    const near = nearestSizes(sizeSlug, sizes);
    throw new ScaleError(
      'UNKNOWN_SIZE',
      `\`${sizeSlug}\` is not an App Platform instance size; nearest: ${near.join(', ')} (all: odoobo scale --help lists them)`,
      { suggestions: near },
    );
  }

  // What the component runs afterwards
  let after: ComponentScale;
  if (change.autoscale) {
    const old = before.autoscaling ?? {};
    const auto = { ...old, ...Object.fromEntries(Object.entries(change.autoscale).filter(([, v]) => v !== undefined)) };
    whole(auto.min, 'the autoscaling minimum', 1, MAX_INSTANCES);
    whole(auto.max, 'the autoscaling maximum', 1, MAX_INSTANCES);
    whole(auto.cpuPercent, 'the autoscaling CPU target', 1, 100);
    if (auto.min === undefined || auto.max === undefined) {
      throw new ScaleError('INVALID_SCALE', 'autoscaling needs both a minimum and a maximum instance count');
    }
    if (auto.min > auto.max) {
      throw new ScaleError('INVALID_SCALE', `the autoscaling minimum (${auto.min}) is above its maximum (${auto.max})`, {
        range: { min: 1, max: auto.max },
      });
    }
    if (!size.scalable) {
      const scalable = sizes.filter((s) => s.scalable && s.slug).map((s) => s.slug!);
      throw new ScaleError(
        'NOT_AUTOSCALABLE',
        `\`${sizeSlug}\` cannot autoscale (App Platform autoscales dedicated sizes only: ${scalable.slice(0, 3).join(', ')}, …)`,
        { suggestions: scalable.slice(0, 3) },
      );
    }
    after = { size: sizeSlug, autoscaling: auto };
  } else if (change.autoscale === false || !before.autoscaling) {
    after = { size: sizeSlug, count: change.count ?? before.count ?? before.autoscaling?.min ?? 1 };
  } else {
    after = { size: sizeSlug, autoscaling: before.autoscaling };
  }
  if (after.autoscaling?.max !== undefined && size.single_instance_only) {
    const range = countRange(size);
    throw new ScaleError('COUNT_OUT_OF_RANGE', `\`${sizeSlug}\` runs a single instance only; it cannot autoscale`, { range });
  }
  if (after.count !== undefined) {
    const r = countRange(size);
    if (after.count < r.min || after.count > r.max) {
      const why = size.single_instance_only ? ' (a single-instance size: choose a larger size to run more)' : '';
      throw new ScaleError(
        'COUNT_OUT_OF_RANGE',
        `${after.count} instances of \`${sizeSlug}\` is out of its range ${r.min}–${r.max}${why}`,
        { range: r },
      );
    }
  }

  // The edit, on the document (comments and layout kept)
  const doc = parse(text, file);
  const node = componentNode(doc, target.kind, target.name, input.overlay === true, file);
  if (change.size !== undefined && change.size !== before.size) node.set('instance_size_slug', change.size);
  if (after.autoscaling && change.autoscale) {
    if (input.overlay && before.count !== undefined) node.set('instance_count', null);
    else node.delete('instance_count');
    const a = after.autoscaling;
    const auto = mapAt(doc, node, ['autoscaling']);
    auto.set('min_instance_count', a.min);
    auto.set('max_instance_count', a.max);
    if (a.cpuPercent !== undefined) mapAt(doc, auto, ['metrics', 'cpu']).set('percent', a.cpuPercent);
  } else if (after.count !== undefined && (change.count !== undefined || change.autoscale === false)) {
    if (before.autoscaling) {
      if (input.overlay) node.set('autoscaling', null);
      else node.delete('autoscaling');
    }
    node.set('instance_count', after.count);
  }
  const edited = doc.toString();
  const changed = edited !== text;
  const specAfter = changed ? effective(edited) : specBefore;
  return {
    file,
    component: target.name,
    kind: target.kind,
    before,
    after,
    cost: { before: specMonthlyCost(specBefore, sizes), after: specMonthlyCost(specAfter, sizes) },
    original: text,
    text: changed ? edited : text,
    diff: changed ? createTwoFilesPatch(file, file, text, edited, '', '', { context: 2 }) : '',
    changed,
    specBefore,
    specAfter,
  };
}

/** The mapping at `keys` under `map`, made when missing (yaml's setIn would make YAML 1.1 `!!omap`s). */
function mapAt(doc: Document, map: YAMLMap, keys: string[]): YAMLMap {
  let at = map;
  for (const k of keys) {
    let next = at.get(k);
    if (!isMap(next)) {
      next = doc.createNode({});
      at.set(k, next);
    }
    at = next as YAMLMap;
  }
  return at;
}

/** `2 × apps-s-1vcpu-1gb`, or `apps-d-1vcpu-1gb, autoscaling 2–4 at 70% CPU`. */
export function describeScale(s: ComponentScale): string {
  if (s.autoscaling) {
    const r = instanceRange({ autoscaling: { min_instance_count: s.autoscaling.min, max_instance_count: s.autoscaling.max } });
    const cpu = s.autoscaling.cpuPercent !== undefined ? ` at ${s.autoscaling.cpuPercent}% CPU` : '';
    return `${s.size}, autoscaling ${r.min}–${r.max}${cpu}`;
  }
  return `${s.count ?? 1} × ${s.size}`;
}
