// DigitalOcean's App Platform catalog (instance sizes, regions), as its API publishes it. The local platform runs every
// size the same way; the catalog lets clients list, price and validate exactly as against DigitalOcean.

export interface InstanceSize {
  name: string;
  slug: string;
  cpu_type: 'SHARED' | 'DEDICATED';
  cpus: string;
  memory_bytes: string;
  usd_per_month: string;
  usd_per_second: string;
  tier_slug: 'basic' | 'professional';
  single_instance_only?: boolean;
  scalable?: boolean;
  bandwidth_allowance_gib: string;
}

const size = (
  name: string, slug: string, cpu_type: InstanceSize['cpu_type'], cpus: string, memory_bytes: string,
  usd_per_month: string, usd_per_second: string, tier_slug: InstanceSize['tier_slug'], bandwidth_allowance_gib: string,
  extra: Pick<InstanceSize, 'single_instance_only' | 'scalable'> = {},
): InstanceSize => ({
  name, slug, cpu_type, cpus, memory_bytes, usd_per_month, usd_per_second, tier_slug, ...extra, bandwidth_allowance_gib,
});

export const INSTANCE_SIZES: readonly InstanceSize[] = [
  size('Shared 1VCPU 0.5GB', 'apps-s-1vcpu-0.5gb', 'SHARED', '1', '536870912', '5.00', '0.000002066799',
    'basic', '50', { single_instance_only: true }),
  size('Shared 1VCPU 1GB Fixed', 'apps-s-1vcpu-1gb-fixed', 'SHARED', '1', '1073741824', '10.00', '0.000004133598',
    'basic', '100', { single_instance_only: true }),
  size('Shared 1VCPU 1GB', 'apps-s-1vcpu-1gb', 'SHARED', '1', '1073741824', '12.00', '0.000004960317', 'professional', '150'),
  size('Shared 1VCPU 2GB', 'apps-s-1vcpu-2gb', 'SHARED', '1', '2147483648', '25.00', '0.000010333995', 'professional', '200'),
  size('Shared 2VCPU 4GB', 'apps-s-2vcpu-4gb', 'SHARED', '2', '4294967296', '50.00', '0.000020667989', 'professional', '250'),
  size('Dedicated 1VCPU 0.5GB', 'apps-d-1vcpu-0.5gb', 'DEDICATED', '1', '536870912', '29.00', '0.000011987434',
    'professional', '100', { scalable: true }),
  size('Dedicated 1VCPU 1GB', 'apps-d-1vcpu-1gb', 'DEDICATED', '1', '1073741824', '34.00', '0.000014054233',
    'professional', '200', { scalable: true }),
  size('Dedicated 1VCPU 2GB', 'apps-d-1vcpu-2gb', 'DEDICATED', '1', '2147483648', '39.00', '0.000016121032',
    'professional', '300', { scalable: true }),
  size('Dedicated 1VCPU 4GB', 'apps-d-1vcpu-4gb', 'DEDICATED', '1', '4294967296', '49.00', '0.000020254630',
    'professional', '400', { scalable: true }),
  size('Dedicated 2VCPU 4GB', 'apps-d-2vcpu-4gb', 'DEDICATED', '2', '4294967296', '78.00', '0.000032242063',
    'professional', '500', { scalable: true }),
  size('Dedicated 2VCPU 8GB', 'apps-d-2vcpu-8gb', 'DEDICATED', '2', '8589934592', '98.00', '0.000040509259',
    'professional', '600', { scalable: true }),
  size('Dedicated 4VCPU 8GB', 'apps-d-4vcpu-8gb', 'DEDICATED', '4', '8589934592', '156.00', '0.000064484127',
    'professional', '700', { scalable: true }),
  size('Dedicated 4VCPU 16GB', 'apps-d-4vcpu-16gb', 'DEDICATED', '4', '17179869184', '196.00', '0.000081018519',
    'professional', '800', { scalable: true }),
  size('Dedicated 8VCPU 32GB', 'apps-d-8vcpu-32gb', 'DEDICATED', '8', '34359738368', '392.00', '0.000162037037',
    'professional', '900', { scalable: true }),
];

/** Deprecated slugs that specs may still use, mapped to today's sizes. */
const LEGACY_SLUGS: Record<string, string> = {
  'basic-xxs': 'apps-s-1vcpu-0.5gb', 'basic-xs': 'apps-s-1vcpu-1gb-fixed', 'basic-s': 'apps-s-1vcpu-1gb', 'basic-m': 'apps-s-1vcpu-2gb',
  'professional-xs': 'apps-s-1vcpu-1gb', 'professional-s': 'apps-s-1vcpu-2gb', 'professional-m': 'apps-s-2vcpu-4gb',
  'professional-1l': 'apps-d-1vcpu-0.5gb', 'professional-l': 'apps-d-2vcpu-4gb', 'professional-xl': 'apps-d-4vcpu-8gb',
};

export const DEFAULT_INSTANCE_SIZE = 'apps-s-1vcpu-0.5gb';

export const INSTANCE_SIZE_SLUGS: readonly string[] = [...INSTANCE_SIZES.map((s) => s.slug), ...Object.keys(LEGACY_SLUGS)];

export function instanceSize(slug: string | undefined): InstanceSize | undefined {
  const s = slug ?? DEFAULT_INSTANCE_SIZE;
  return INSTANCE_SIZES.find((x) => x.slug === (LEGACY_SLUGS[s] ?? s));
}

export interface Region {
  slug: string;
  label: string;
  flag: string;
  continent: string;
  data_centers: string[];
  default?: boolean;
}

export const REGION_CATALOG: readonly Region[] = [
  { slug: 'ams', label: 'Amsterdam', flag: 'netherlands', continent: 'Europe', data_centers: ['ams3'] },
  { slug: 'atl', label: 'Atlanta', flag: 'usa', continent: 'North America', data_centers: ['atl1'] },
  { slug: 'blr', label: 'Bangalore', flag: 'india', continent: 'Asia', data_centers: ['blr1'] },
  { slug: 'fra', label: 'Frankfurt', flag: 'germany', continent: 'Europe', data_centers: ['fra1'] },
  { slug: 'lon', label: 'London', flag: 'uk', continent: 'Europe', data_centers: ['lon1'] },
  { slug: 'nyc', label: 'New York', flag: 'usa', continent: 'North America', data_centers: ['nyc1', 'nyc3'], default: true },
  { slug: 'sfo', label: 'San Francisco', flag: 'usa', continent: 'North America', data_centers: ['sfo3'] },
  { slug: 'sgp', label: 'Singapore', flag: 'singapore', continent: 'Asia', data_centers: ['sgp1'] },
  { slug: 'syd', label: 'Sydney', flag: 'australia', continent: 'Australia', data_centers: ['syd1'] },
  { slug: 'tor', label: 'Toronto', flag: 'canada', continent: 'North America', data_centers: ['tor1'] },
];

export function region(slug: string | undefined): Region {
  return REGION_CATALOG.find((r) => r.slug === slug) ?? REGION_CATALOG.find((r) => r.default)!;
}

/** The app's tier: professional when any component needs a professional size. */
export function tierOf(sizes: ReadonlyArray<string | undefined>): 'basic' | 'professional' {
  return sizes.some((s) => instanceSize(s)?.tier_slug === 'professional') ? 'professional' : 'basic';
}
