// The app spec as the local App Platform reads it: DigitalOcean's `app_spec` (OpenAPI components.schemas.app_spec)
// plus the app-level `envs` and `alerts` that real specs and godo use, and what the platform reads from it (components,
// health checks, termination, envs). Checks are in `checkSpec.ts`, ingress routes in `routes.ts`.

export type EnvScope = 'UNSET' | 'RUN_TIME' | 'BUILD_TIME' | 'RUN_AND_BUILD_TIME';

export interface EnvVar {
  key: string;
  value?: string;
  scope?: EnvScope;
  type?: 'GENERAL' | 'SECRET';
}

export interface HealthCheckSpec {
  http_path?: string;
  port?: number;
  initial_delay_seconds?: number;
  period_seconds?: number;
  timeout_seconds?: number;
  success_threshold?: number;
  failure_threshold?: number;
}

export interface ComponentSpec {
  name: string;
  git?: { repo_clone_url?: string; branch?: string };
  github?: { repo?: string; branch?: string; deploy_on_push?: boolean };
  gitlab?: { repo?: string; branch?: string; deploy_on_push?: boolean };
  bitbucket?: { repo?: string; branch?: string; deploy_on_push?: boolean };
  image?: Record<string, unknown>;
  source_dir?: string;
  build_command?: string;
  run_command?: string;
  environment_slug?: string;
  envs?: EnvVar[];
  http_port?: number;
  instance_count?: number;
  instance_size_slug?: string;
  health_check?: HealthCheckSpec;
  termination?: { drain_seconds?: number; grace_period_seconds?: number };
  routes?: Array<{ path?: string; preserve_path_prefix?: boolean }>;
  alerts?: AlertSpec[];
  [field: string]: unknown;
}

export interface AlertSpec {
  rule?: string;
  disabled?: boolean;
  operator?: string;
  value?: number;
  window?: string;
}

export interface IngressRule {
  match?: { path?: { prefix?: string } };
  component?: { name?: string; preserve_path_prefix?: boolean; rewrite?: string };
  [field: string]: unknown;
}

export interface AppSpec {
  name: string;
  region?: string;
  services?: ComponentSpec[];
  workers?: ComponentSpec[];
  static_sites?: unknown[];
  jobs?: unknown[];
  functions?: unknown[];
  databases?: unknown[];
  ingress?: { rules?: IngressRule[] };
  envs?: EnvVar[];
  alerts?: AlertSpec[];
  [field: string]: unknown;
}

export type ComponentKind = 'service' | 'worker';

export interface Component {
  readonly kind: ComponentKind;
  readonly spec: ComponentSpec;
}

/** DigitalOcean's health-check defaults, used for fields a spec leaves out. */
export const HEALTH_CHECK_DEFAULTS = {
  initial_delay_seconds: 0,
  period_seconds: 10,
  timeout_seconds: 1,
  success_threshold: 1,
  failure_threshold: 9,
} as const;

/** DigitalOcean's termination defaults. */
export const TERMINATION_DEFAULTS = { drain_seconds: 15, grace_period_seconds: 120 } as const;

/** Services, then workers, in spec order. */
export function componentsOf(spec: AppSpec): Component[] {
  return [
    ...(spec.services ?? []).map((s) => ({ kind: 'service' as const, spec: s })),
    ...(spec.workers ?? []).map((s) => ({ kind: 'worker' as const, spec: s })),
  ];
}

/** The component a deployment's own log lines (not a component's) are filed under: the first, else `fallback`. */
export function firstComponentName(spec: AppSpec, fallback: string): string {
  return componentsOf(spec)[0]?.spec.name ?? fallback;
}

export interface HealthCheckPlan {
  readonly httpPath?: string;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export function healthCheckOf(c: ComponentSpec): HealthCheckPlan {
  const hc = c.health_check ?? {};
  return {
    httpPath: hc.http_path,
    initialDelaySeconds: hc.initial_delay_seconds ?? HEALTH_CHECK_DEFAULTS.initial_delay_seconds,
    periodSeconds: hc.period_seconds ?? HEALTH_CHECK_DEFAULTS.period_seconds,
    timeoutSeconds: hc.timeout_seconds ?? HEALTH_CHECK_DEFAULTS.timeout_seconds,
    successThreshold: hc.success_threshold ?? HEALTH_CHECK_DEFAULTS.success_threshold,
    failureThreshold: hc.failure_threshold ?? HEALTH_CHECK_DEFAULTS.failure_threshold,
  };
}

export function terminationOf(c: ComponentSpec): { drainSeconds: number; gracePeriodSeconds: number } {
  return {
    drainSeconds: c.termination?.drain_seconds ?? TERMINATION_DEFAULTS.drain_seconds,
    gracePeriodSeconds: c.termination?.grace_period_seconds ?? TERMINATION_DEFAULTS.grace_period_seconds,
  };
}

/** Resolves the env of a component for its run (`RUN`) or its build (`BUILD`): app-level envs, then the component's. */
export function envOf(
  spec: AppSpec,
  c: ComponentSpec,
  phase: 'RUN' | 'BUILD',
  context: { secrets?: Readonly<Record<string, string>>; appUrl: string; openSecret?: (sealed: string) => string | undefined },
): Record<string, string> {
  const wanted = phase === 'RUN' ? ['RUN_TIME', 'RUN_AND_BUILD_TIME', 'UNSET'] : ['BUILD_TIME', 'RUN_AND_BUILD_TIME', 'UNSET'];
  const out: Record<string, string> = {};
  const domain = context.appUrl.replace(/^https?:\/\//, '');
  const bind = (v: string): string =>
    v.replace(/\$\{(APP_URL|APP_DOMAIN|_self\.PUBLIC_URL)\}/g, (_m, name: string) => (name === 'APP_DOMAIN' ? domain : context.appUrl));
  for (const e of [...(spec.envs ?? []), ...(c.envs ?? [])]) {
    if (!wanted.includes(e.scope ?? 'RUN_AND_BUILD_TIME')) continue;
    if (e.type === 'SECRET') {
      const configured = context.secrets?.[`${spec.name}/${e.key}`] ?? context.secrets?.[e.key];
      // DigitalOcean answers encrypted values (EV[…]); those cannot be used locally.
      const literal = e.value !== undefined && !e.value.startsWith('EV[') ? e.value : undefined;
      // A value set through the API (sealed by secretValues.ts) is the app's own: it wins over the secrets file.
      const opened = e.value?.startsWith('EV[') ? context.openSecret?.(e.value) : undefined;
      out[e.key] = opened ?? configured ?? literal ?? '';
    } else {
      out[e.key] = bind(e.value ?? '');
    }
  }
  return out;
}

/** A stable JSON rendering (sorted keys) to compare spec fragments. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** A JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
