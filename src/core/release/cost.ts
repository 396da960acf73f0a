/**
 * An app spec's monthly price: App Platform's own figure (`propose`'s `app_cost`) and, per component, the instance
 * size's `usd_per_month` × `instance_count` (from apps_list_instanceSizes), so a change shows where it comes from.
 */
import type { AppPlatformClient } from '../do/client';
import type { AppSpec, InstanceSize } from '../do/schemas';

/** The component kinds that run on instances (static sites and functions are not priced per instance). */
const PRICED_KINDS = ['services', 'workers', 'jobs'] as const;

export interface CostLine {
  kind: (typeof PRICED_KINDS)[number];
  component: string;
  /** `instance_size_slug`; undefined when the spec leaves it to App Platform's default. */
  size?: string;
  count: number;
  /** Size price × count; undefined when the size is not in App Platform's list (or not set). */
  usdPerMonth?: number;
}

export interface Costing {
  /** `propose`'s `app_cost` (US dollars a month); undefined when propose refused the spec or did not price it. */
  appCost?: number;
  /** Why `appCost` is missing: propose's error message. */
  proposeError?: string;
  lines: CostLine[];
  /** The sum of the priced lines. */
  instancesTotal: number;
}

export interface CostChange {
  /** The live app's price; undefined when there is no live app yet. */
  before?: Costing;
  after: Costing;
  /** after − before, by `app_cost` when both have one, else by the instance lines. */
  delta?: number;
}

/** The price each instance size slug lists, in dollars a month. */
export function priceList(sizes: readonly InstanceSize[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sizes) {
    const usd = Number(s.usd_per_month);
    if (s.slug && s.usd_per_month !== undefined && Number.isFinite(usd)) out.set(s.slug, usd);
  }
  return out;
}

/** The spec's instance lines priced from the list (no request). */
export function instanceLines(spec: AppSpec, prices: ReadonlyMap<string, number>): CostLine[] {
  const lines: CostLine[] = [];
  const record = spec as Record<string, unknown>;
  for (const kind of PRICED_KINDS) {
    const list = record[kind];
    if (!Array.isArray(list)) continue;
    for (const c of list as Array<{ name?: unknown; instance_size_slug?: unknown; instance_count?: unknown }>) {
      const size = typeof c.instance_size_slug === 'string' ? c.instance_size_slug : undefined;
      const count = typeof c.instance_count === 'number' && c.instance_count > 0 ? c.instance_count : 1;
      const unit = size === undefined ? undefined : prices.get(size);
      lines.push({ kind, component: String(c.name ?? '?'), size, count, ...(unit !== undefined ? { usdPerMonth: unit * count } : {}) });
    }
  }
  return lines;
}

/** Prices a spec: propose (which changes nothing) for `app_cost`, the price list for the lines. */
export async function priceSpec(
  client: AppPlatformClient,
  spec: AppSpec,
  prices: ReadonlyMap<string, number>,
  options: { appId?: string; signal?: AbortSignal } = {},
): Promise<Costing> {
  const lines = instanceLines(spec, prices);
  const instancesTotal = lines.reduce((sum, l) => sum + (l.usdPerMonth ?? 0), 0);
  try {
    const proposed = await client.proposeApp({ spec, ...(options.appId ? { app_id: options.appId } : {}) }, { signal: options.signal });
    return { ...(proposed.app_cost !== undefined ? { appCost: proposed.app_cost } : {}), lines, instancesTotal };
  } catch (e) {
    if (options.signal?.aborted) throw e;
    return { proposeError: (e as Error).message, lines, instancesTotal };
  }
}

export function costDelta(before: Costing | undefined, after: Costing): number | undefined {
  if (!before) return undefined;
  if (before.appCost !== undefined && after.appCost !== undefined) return after.appCost - before.appCost;
  return after.instancesTotal - before.instancesTotal;
}

/** `$12/month`, with cents only when there are some. */
export function usd(n: number | undefined): string {
  if (n === undefined) return '?';
  return `$${Number.isInteger(n) ? n : n.toFixed(2)}/month`;
}
