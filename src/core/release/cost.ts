/**
 * The cost side of the pre-flight diff: App Platform's own figure (`propose`'s `app_cost`) and, per component, the
 * instance size's price × its instances, so a change shows where it comes from. The prices and propose are asked
 * through operate/cost.ts (what `odoobo scale` uses), so both show the same figures.
 */
import type { AppPlatformClient } from '../do/client';
import type { AppSpec, InstanceSize } from '../do/schemas';
import { DEFAULT_SIZE, instanceRange, proposedCost, sizePrice, specMonthlyCost } from '../operate/cost';

/** The component kinds that run on instances (static sites and functions are not priced per instance). */
const PRICED_KINDS = ['services', 'workers', 'jobs'] as const;

export interface CostLine {
  kind: (typeof PRICED_KINDS)[number];
  component: string;
  /** `instance_size_slug` (App Platform's default when the spec names none). */
  size: string;
  /** Instances; the most an autoscaling range allows. */
  count: number;
  /** Size price × count; undefined when App Platform does not list the size. */
  usdPerMonth?: number;
}

export interface Costing {
  /** `propose`'s `app_cost` (US dollars a month); undefined when propose refused the spec or did not price it. */
  appCost?: number;
  /** Why `appCost` is missing. */
  proposeError?: string;
  lines: CostLine[];
  /** The instance sizes' prices summed (the upper end of an autoscaling range). */
  instancesTotal: number;
}

export interface CostChange {
  /** The live app's price; undefined when there is no live app yet. */
  before?: Costing;
  after: Costing;
  /** after − before, by `app_cost` when both have one, else by the instance prices. */
  delta?: number;
}

type Sized = Parameters<typeof instanceRange>[0] & { name?: unknown };

function instanceLines(spec: AppSpec, sizes: readonly InstanceSize[]): CostLine[] {
  const record = spec as Record<string, unknown>;
  return PRICED_KINDS.flatMap((kind) =>
    (Array.isArray(record[kind]) ? (record[kind] as Sized[]) : []).map((c) => {
      const size = c.instance_size_slug ?? DEFAULT_SIZE;
      const count = instanceRange(c).max;
      const unit = sizePrice(size, sizes);
      return { kind, component: String(c.name ?? '?'), size, count, ...(unit !== undefined ? { usdPerMonth: unit * count } : {}) };
    }),
  );
}

/** Prices a spec: propose (which changes nothing) for `app_cost`, the instance sizes for the lines. */
export async function priceSpec(
  client: AppPlatformClient,
  spec: AppSpec,
  sizes: readonly InstanceSize[],
  appId?: string,
): Promise<Costing> {
  const proposed = await proposedCost(client, spec, appId);
  return {
    ...(proposed.cost !== undefined ? { appCost: proposed.cost } : { proposeError: proposed.error }),
    lines: instanceLines(spec, sizes),
    instancesTotal: specMonthlyCost(spec, sizes).max,
  };
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
