/** The checks beyond the schema: each reads the plain spec object and reports through `RuleContext`. */
import { formatPath } from './positions';
import { type RuleContext, isObj, code, componentsOf } from './ruleContext';
import { DEPRECATED_INSTANCE_SIZES, INSTANCE_SIZES, REGIONS, SINGLE_INSTANCE_SIZES } from './schema';
import { didYouMean, suggest } from './suggest';
import type { FixHint, SpecPath } from './types';

export { type RuleContext } from './ruleContext';
export { unencryptedSecrets, valuesAndSecrets } from './valueRules';
export { portMismatch } from './portRule';
export { branches, sourceDirs } from './sourceRules';
export { autoscaling } from './autoscalingRule';

// ---------------------------------------------------------------------------------------------------------------
// DUPLICATE_COMPONENT: names are unique across every component, databases included.

export function duplicateComponents(ctx: RuleContext): void {
  const seen = new Map<string, SpecPath>();
  const taken = new Set(componentsOf(ctx.spec).map((c) => c.value.name));
  /** `web-2`, `web-3`…: the first free name, within DigitalOcean's 32 characters. */
  const freeName = (name: string): string | undefined => {
    for (let i = 2; i < 100; i++) {
      const candidate = `${name.slice(0, 32 - String(i).length - 1).replace(/-+$/, '')}-${i}`;
      if (!taken.has(candidate)) return candidate;
    }
    return undefined;
  };
  const rename = (fresh: string | undefined): FixHint | undefined => {
    if (!fresh) return undefined;
    taken.add(fresh);
    return { kind: 'set-value', values: [fresh], titles: [`Rename to "${fresh}"`] };
  };
  for (const c of componentsOf(ctx.spec)) {
    const name = c.value.name;
    if (typeof name !== 'string') continue;
    const first = seen.get(name);
    if (!first) {
      seen.set(name, c.path);
      continue;
    }
    ctx.report(
      'DUPLICATE_COMPONENT',
      'error',
      ctx.valueRange([...c.path, 'name']),
      `component name ${code(name)} is already used by ${formatPath(first)}: names must be unique across all components of an app`,
      [...c.path, 'name'],
      rename(freeName(name)),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Open enums: regions and instance sizes DigitalOcean extends over time warn instead of failing.

export function openEnums(ctx: RuleContext): void {
  const region = ctx.spec.region;
  if (typeof region === 'string' && !REGIONS.includes(region)) {
    const s = suggest(region, REGIONS);
    ctx.report(
      'SCHEMA_ERROR',
      'warning',
      ctx.valueRange(['region']),
      `\`region\`: ${code(region)} is not a known App Platform region (${REGIONS.join(', ')})${didYouMean(s)}`,
      ['region'],
      { kind: 'replace-value', suggestions: s },
    );
  }
  const known = [...INSTANCE_SIZES, ...(ctx.options.knownInstanceSizes ?? [])];
  for (const c of componentsOf(ctx.spec, ['services', 'workers', 'jobs'])) {
    const size = c.value.instance_size_slug;
    if (typeof size !== 'string' || known.includes(size)) continue;
    const p = [...c.path, 'instance_size_slug'];
    if (DEPRECATED_INSTANCE_SIZES.includes(size)) {
      ctx.report(
        'SCHEMA_ERROR',
        'info',
        ctx.valueRange(p),
        `\`${formatPath(p)}\`: ${code(size)} is a deprecated legacy size slug; App Platform still accepts it, new apps use the ` +
        `\`apps-s-…\`/\`apps-d-…\` sizes`,
        p,
      );
      continue;
    }
    const s = suggest(size, known);
    ctx.report(
      'SCHEMA_ERROR',
      'warning',
      ctx.valueRange(p),
      `\`${formatPath(p)}\`: ${code(size)} is not a known instance size${didYouMean(s)} (DigitalOcean adds sizes: check \`doctl apps ` +
      `tier instance-size list\`)`,
      p,
      { kind: 'replace-value', suggestions: s.length ? s : known.slice(0, 3) },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SCHEMA_ERROR (a warning): more instances than the size runs (App Platform's catalogue marks its fixed sizes
// `single_instance_only`, yet DigitalOcean's own API examples ask for two of them, so this does not block a deploy).

export function instanceCounts(ctx: RuleContext): void {
  for (const c of componentsOf(ctx.spec, ['services', 'workers', 'jobs'])) {
    const count = c.value.instance_count;
    // An overlay's size, when it sets none, is the base's: judged on the merged spec
    if (ctx.options.kind === 'overlay' && typeof c.value.instance_size_slug !== 'string') continue;
    // App Platform's default size is the smallest fixed one
    const size = typeof c.value.instance_size_slug === 'string' ? c.value.instance_size_slug : 'apps-s-1vcpu-0.5gb';
    if (typeof count !== 'number' || count <= 1 || !SINGLE_INSTANCE_SIZES.includes(size)) continue;
    const p = [...c.path, 'instance_count'];
    const scalable = 'apps-s-1vcpu-1gb';
    ctx.report(
      'SCHEMA_ERROR',
      'warning',
      ctx.valueRange(p),
      `\`${formatPath(p)}\`: ${count} instances, but ${code(size)} runs a single instance only; ` +
        `use 1 instance or a scalable size such as ${code(scalable)}`,
      p,
      [
        { kind: 'set-value', values: [1], titles: [`Change to 1 (the most ${size} runs)`] },
        { kind: 'set-field', path: [...c.path, 'instance_size_slug'], value: scalable, title: `Use the scalable size ${scalable}` },
      ],
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MISSING_IMAGE_TAG and MISSING_HEALTH_CHECK

export function imagesAndHealthChecks(ctx: RuleContext): void {
  for (const c of componentsOf(ctx.spec, ['services', 'workers', 'jobs'])) {
    const image = c.value.image;
    if (!isObj(image)) continue;
    const imagePath = [...c.path, 'image'];
    const repo = typeof image.repository === 'string' ? image.repository : 'the image';
    if (typeof image.digest === 'string' && image.digest) continue;
    if (image.tag === undefined || image.tag === '') {
      ctx.report(
        'MISSING_IMAGE_TAG',
        'warning',
        ctx.keyRange(imagePath),
        `${code(formatPath(imagePath))} has neither \`tag\` nor \`digest\`: App Platform pulls \`latest\`, so a redeploy or rollback may ` +
        `run different code; pin a tag or a digest`,
        imagePath,
        { kind: 'pin-image', imagePath },
      );
    } else if (image.tag === 'latest') {
      const p = [...imagePath, 'tag'];
      ctx.report(
        'MISSING_IMAGE_TAG',
        'warning',
        ctx.valueRange(p),
        `${code(repo)} uses \`tag: latest\`: a redeploy or rollback may run different code; pin a version tag or a digest`,
        p,
        { kind: 'pin-image', imagePath },
      );
    }
  }
  for (const c of componentsOf(ctx.spec, ['services'])) {
    if (isObj(c.value.health_check)) continue;
    const name = typeof c.value.name === 'string' ? c.value.name : formatPath(c.path);
    ctx.report(
      'MISSING_HEALTH_CHECK',
      'warning',
      ctx.valueRange([...c.path, 'name']),
      `service ${code(name)} has no \`health_check\`: App Platform then only checks that the port accepts TCP connections, so a broken ` +
      `app can go live; add \`health_check: { http_path: /health }\``,
      c.path,
      { kind: 'add-health-check', servicePath: c.path },
    );
  }
}
