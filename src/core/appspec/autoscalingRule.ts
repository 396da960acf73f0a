/**
 * SCHEMA_ERROR for autoscaling beyond what the schema says: App Platform refuses `instance_count` next to `autoscaling`
 * (the OpenAPI description: "Must not be set if autoscaling is used") and a minimum above the maximum, and autoscales
 * dedicated sizes only (the instance-size list marks them `scalable`).
 */
import { formatPath } from './positions';
import { code, componentsOf, isObj, type RuleContext } from './ruleContext';

/** Dedicated sizes (`apps-d-…`) and the legacy dedicated slugs are the ones App Platform's catalogue marks `scalable`. */
const SCALABLE = /^apps-d-|^professional-(?:1l|l|xl)$/;

export function autoscaling(ctx: RuleContext): void {
  for (const c of componentsOf(ctx.spec, ['services', 'workers'])) {
    const a = c.value.autoscaling;
    if (!isObj(a)) continue;
    const at = [...c.path, 'autoscaling'];
    if (c.value.instance_count !== undefined) {
      const p = [...c.path, 'instance_count'];
      ctx.report(
        'SCHEMA_ERROR',
        'error',
        ctx.keyRange(p),
        `\`${formatPath(p)}\` must not be set with \`autoscaling\`: App Platform refuses both; the autoscaling minimum is the count`,
        p,
        { kind: 'remove-field' },
      );
    }
    const min = a.min_instance_count;
    const max = a.max_instance_count;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      const p = [...at, 'min_instance_count'];
      ctx.report('SCHEMA_ERROR', 'error', ctx.valueRange(p), `\`${formatPath(p)}\` (${min}) is above \`max_instance_count\` (${max})`, p, {
        kind: 'set-value',
        values: [max],
      });
    }
    // An environment's overlay that names no size keeps the base's: the merged spec is the one to check.
    const inherits = c.value.instance_size_slug === undefined && (ctx.options as { kind?: string }).kind === 'overlay';
    const size = typeof c.value.instance_size_slug === 'string' ? c.value.instance_size_slug : 'apps-s-1vcpu-0.5gb';
    if (!inherits && !SCALABLE.test(size)) {
      ctx.report(
        'SCHEMA_ERROR',
        'error',
        ctx.keyRange(at),
        `\`${formatPath(at)}\`: ${code(size)} cannot autoscale; App Platform autoscales dedicated sizes only ` +
          `(e.g. ${code('apps-d-1vcpu-1gb')})`,
        at,
        {
          kind: 'set-field', path: [...c.path, 'instance_size_slug'], value: 'apps-d-1vcpu-1gb',
          title: 'Use the dedicated size apps-d-1vcpu-1gb',
        },
      );
    }
  }
}
