/**
 * What an app spec costs a month, from App Platform's instance sizes (`GET /v2/apps/tiers/instance_sizes`, their
 * `usd_per_month`): each service, worker and job's size price times its instance count, or its autoscaling range.
 */
import type { AppPlatformClient } from '../do/client';
import type { AppSpec, InstanceSize } from '../do/schemas';

/** App Platform's size when a component names none (the OpenAPI description's default). */
export const DEFAULT_SIZE = 'apps-s-1vcpu-0.5gb';

/** USD a month: `min` with the fewest instances, `max` with the most (equal without autoscaling). */
export interface MonthlyCost {
  min: number;
  max: number;
  /** Sizes the catalogue does not price (their instances count as 0). */
  unpriced: string[];
}

interface Sized {
  instance_count?: number;
  instance_size_slug?: string;
  autoscaling?: { min_instance_count?: number; max_instance_count?: number };
}

/** The monthly price of a size, or undefined when the catalogue does not list it (or lists no price). */
export function sizePrice(slug: string, sizes: readonly InstanceSize[]): number | undefined {
  const price = Number(sizes.find((s) => s.slug === slug)?.usd_per_month);
  return Number.isFinite(price) && sizes.some((s) => s.slug === slug) ? price : undefined;
}

/** How many instances a component runs: its autoscaling range, else its count (default 1). */
export function instanceRange(c: Sized): { min: number; max: number } {
  const a = c.autoscaling;
  if (a && (a.min_instance_count !== undefined || a.max_instance_count !== undefined)) {
    const min = a.min_instance_count ?? 1;
    return { min, max: Math.max(min, a.max_instance_count ?? min) };
  }
  const n = c.instance_count ?? 1;
  return { min: n, max: n };
}

export function specMonthlyCost(spec: AppSpec, sizes: readonly InstanceSize[]): MonthlyCost {
  const out: MonthlyCost = { min: 0, max: 0, unpriced: [] };
  const components = [...(spec.services ?? []), ...(spec.workers ?? []), ...(spec.jobs ?? [])] as Sized[];
  for (const c of components) {
    const slug = c.instance_size_slug ?? DEFAULT_SIZE;
    const price = sizePrice(slug, sizes);
    if (price === undefined) {
      if (!out.unpriced.includes(slug)) out.unpriced.push(slug);
      continue;
    }
    const r = instanceRange(c);
    out.min += price * r.min;
    out.max += price * r.max;
  }
  return out;
}

export function formatUsd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** `$5.00/month` or `$34.00–$136.00/month` for an autoscaling range. */
export function formatMonthly(c: MonthlyCost): string {
  return `${c.min === c.max ? formatUsd(c.min) : `${formatUsd(c.min)}–${formatUsd(c.max)}`}/month`;
}

/** `$5.00/month → $24.00/month (+$19.00)`; the difference is of the upper ends. */
export function formatCostChange(before: MonthlyCost, after: MonthlyCost): string {
  const d = after.max - before.max;
  const delta = d === 0 ? 'no change' : `${d > 0 ? '+' : '−'}${formatUsd(Math.abs(d))}`;
  return `${formatMonthly(before)} → ${formatMonthly(after)} (${delta})`;
}

/** `propose`'s `app_cost` of a spec (App Platform's own price), or why there is none; never throws. */
export async function proposedCost(
  client: Pick<AppPlatformClient, 'proposeApp'>,
  spec: AppSpec,
  appId?: string,
): Promise<{ cost?: number; error?: string }> {
  try {
    const r = await client.proposeApp({ spec, ...(appId ? { app_id: appId } : {}) });
    return r.app_cost !== undefined ? { cost: r.app_cost } : { error: 'propose answered no app_cost' };
  } catch (e) {
    return { error: (e as Error).message };
  }
}
