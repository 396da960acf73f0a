/**
 * A deploy never wipes a secret (doctl #934): the repository's spec keeps a SECRET env as a key without a value, and
 * App Platform holds the value (encrypted, `EV[…]`) in the live app's spec. Sending the repository's spec as it is
 * would erase it, so each SECRET env the repository leaves empty takes the live app's value of the same key at the
 * same place (app level, or the component of the same name).
 */
import type { AppSpec } from '../do/schemas';

type Env = NonNullable<AppSpec['envs']>[number];
const COMPONENT_KINDS = ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const;

/** The env lists of a spec by place: `''` for the app level, `<kind>/<name>` for a component. */
function envLists(spec: AppSpec): Map<string, Env[]> {
  const out = new Map<string, Env[]>();
  if (spec.envs) out.set('', spec.envs);
  for (const kind of COMPONENT_KINDS) {
    for (const c of (spec[kind] ?? []) as Array<{ name?: string; envs?: Env[] }>) if (c.envs) out.set(`${kind}/${c.name}`, c.envs);
  }
  return out;
}

/**
 * The spec to send: a copy of `spec` in which every SECRET env without a value takes the live app's value; `carried`
 * names them (`KEY` or `<component>.KEY`). `spec` itself is not changed. Values are never put in `carried`.
 */
export function carrySecrets(spec: AppSpec, live: AppSpec | undefined): { spec: AppSpec; carried: string[] } {
  if (!live) return { spec, carried: [] };
  const liveLists = envLists(live);
  const out = structuredClone(spec);
  const carried: string[] = [];
  for (const [place, envs] of envLists(out)) {
    const liveEnvs = liveLists.get(place) ?? [];
    for (const e of envs) {
      if (e.type !== 'SECRET' || (e.value !== undefined && e.value !== '')) continue;
      const was = liveEnvs.find((l) => l.key === e.key && l.type === 'SECRET' && l.value);
      if (!was) continue;
      e.value = was.value;
      carried.push(place ? `${place.split('/')[1]}.${e.key}` : e.key);
    }
  }
  return { spec: carried.length ? out : spec, carried };
}
