import type { AppSpec } from './appSpec';

export interface Route {
  readonly prefix: string;
  readonly component: string;
  readonly preservePrefix: boolean;
  readonly rewrite?: string;
}

/** Ingress routes, longest prefix first: `ingress.rules`, else the deprecated `routes`, else `/` to the only service. */
export function routesOf(spec: AppSpec): Route[] {
  const routes: Route[] = [];
  const rules = spec.ingress?.rules ?? [];
  for (const r of rules) {
    const name = r.component?.name;
    if (!name) continue;
    routes.push({
      prefix: r.match?.path?.prefix ?? '/',
      component: name,
      preservePrefix: r.component?.preserve_path_prefix === true,
      rewrite: r.component?.rewrite,
    });
  }
  if (rules.length === 0) {
    for (const s of spec.services ?? []) {
      for (const r of s.routes ?? []) {
        routes.push({ prefix: r.path ?? '/', component: s.name, preservePrefix: r.preserve_path_prefix === true });
      }
    }
    const only = spec.services?.[0];
    if (routes.length === 0 && only) routes.push({ prefix: '/', component: only.name, preservePrefix: true });
  }
  return routes.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** The path a component receives for `url` under `route` (prefix stripped unless preserved, or rewritten). */
export function upstreamPath(url: string, route: Route): string {
  if (route.preservePrefix || route.prefix === '/') return url;
  const rest = url.slice(route.prefix.replace(/\/$/, '').length);
  const base = route.rewrite ?? '/';
  const joined = base.replace(/\/$/, '') + (rest.startsWith('/') || rest.startsWith('?') || rest === '' ? rest : '/' + rest);
  return joined.startsWith('/') ? joined : '/' + joined;
}

/** Matches a request path against a route prefix on path-segment boundaries. */
export function routeFor(routes: readonly Route[], url: string): Route | undefined {
  const pathOnly = url.split('?')[0];
  return routes.find((r) => {
    if (r.prefix === '/') return true;
    const p = r.prefix.replace(/\/$/, '');
    return pathOnly === p || pathOnly.startsWith(p + '/');
  });
}
