/**
 * Zod schemas for the App Platform requests and responses the client uses, derived from DigitalOcean's OpenAPI
 * description (vendor/do-openapi, `components/schemas/<model>` named in each doc comment).
 *
 * Rules, so real responses keep parsing as DigitalOcean grows its API:
 * - every object is loose: unknown fields are kept, never stripped or rejected (rejecting unknown spec fields is
 *   the app-spec linter's job);
 * - `required` follows the OpenAPI model, plus the response wrappers the client cannot work without
 *   (`{app}`, `{deployment}`, `{app_health}`, …), which the OpenAPI description leaves optional;
 * - enums DigitalOcean extends over time (regions, instance sizes, rules, …) are open strings with the known values
 *   exported for the linter; only the deployment phase and step status, which the done rule depends on, are closed.
 */
import { z } from 'zod';
import { openEnum, str, int, num, bool, strings, PageLinksSchema } from './schemaBase';
import { AlertSpecSchema } from './appSpecSchemas';
import { StepReasonSchema, RegionSchema } from './appSchemas';

export { ErrorBodySchema, MetaSchema } from './schemaBase';
export * from './appSpecSchemas';
export * from './appSchemas';

// ---------------------------------------------------------------------------------------------------------------
// Logs, health, instance sizes, regions, alerts

export const LOG_TYPES = ['BUILD', 'DEPLOY', 'RUN', 'RUN_RESTARTED'] as const;
export type LogType = (typeof LOG_TYPES)[number];
/**
 * apps_get_logs_response. Both fields are optional (DigitalOcean sends `live_url` when following, `historic_urls`
 * otherwise); `historic_urls` is defaulted to [] so callers need not check.
 */
export const LogsResponseSchema = z.looseObject({
  live_url: str.optional(),
  historic_urls: strings.default([]),
});
export type LogsResponse = z.infer<typeof LogsResponseSchema>;
/** A live_url websocket frame: `{"data": "<component> <RFC3339 time> <line>\n"}`. */
export const LiveLogFrameSchema = z.looseObject({ data: str });

/** app_component_health */
export const ComponentHealthSchema = z.looseObject({
  name: str.optional(),
  cpu_usage_percent: num.optional(),
  memory_usage_percent: num.optional(),
  replicas_desired: int.optional(),
  replicas_ready: int.optional(),
  state: openEnum(['UNKNOWN', 'HEALTHY', 'UNHEALTHY']).optional(),
});
/** app_health */
export const AppHealthSchema = z.looseObject({
  components: z.array(ComponentHealthSchema).optional(),
  functions_components: z.array(z.looseObject({ name: str.optional() })).optional(),
});
export type AppHealth = z.infer<typeof AppHealthSchema>;
/** app_health_response; `app_health` is required here. */
export const AppHealthResponseSchema = z.looseObject({ app_health: AppHealthSchema });

/** apps_instance_size (int64 values are strings, as DigitalOcean sends them). */
export const InstanceSizeSchema = z.looseObject({
  name: str.optional(),
  slug: str.optional(),
  cpu_type: openEnum(['UNSPECIFIED', 'SHARED', 'DEDICATED']).optional(),
  cpus: str.optional(),
  memory_bytes: str.optional(),
  usd_per_month: str.optional(),
  usd_per_second: str.optional(),
  tier_slug: str.optional(),
  tier_upgrade_to: str.optional(),
  tier_downgrade_to: str.optional(),
  single_instance_only: bool.optional(),
  scalable: bool.optional(),
  deprecation_intent: bool.optional(),
  bandwidth_allowance_gib: str.optional(),
});
export type InstanceSize = z.infer<typeof InstanceSizeSchema>;
/** apps_list_instance_sizes_response */
export const InstanceSizesResponseSchema = z.looseObject({
  discount_percent: num.optional(),
  instance_sizes: z.array(InstanceSizeSchema).default([]),
});
/** apps_get_instance_size_response; `instance_size` is required here. */
export const InstanceSizeResponseSchema = z.looseObject({ instance_size: InstanceSizeSchema });
/** apps_list_regions_response */
export const RegionsResponseSchema = z.looseObject({ regions: z.array(RegionSchema).default([]) });

/** app_alert */
export const AlertSchema = z.looseObject({
  id: str.optional(),
  component_name: str.optional(),
  spec: AlertSpecSchema.optional(),
  emails: strings.optional(),
  slack_webhooks: z.array(z.looseObject({ url: str.optional(), channel: str.optional() })).optional(),
  phase: openEnum(['UNKNOWN', 'PENDING', 'CONFIGURING', 'ACTIVE', 'ERROR']).optional(),
  progress: z
    .looseObject({
      steps: z
        .array(
          z.looseObject({
            name: str.optional(),
            status: str.optional(),
            started_at: str.optional(),
            ended_at: str.optional(),
            reason: StepReasonSchema.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
export type Alert = z.infer<typeof AlertSchema>;
/** apps_list_alerts_response */
export const AlertsResponseSchema = z.looseObject({ alerts: z.array(AlertSchema).default([]) });
/** apps_alert_response; `alert` is required here. */
export const AlertResponseSchema = z.looseObject({ alert: AlertSchema });
/** apps_assign_app_alert_destinations_request (app_alert_email strings, app_alert_slack_webhook objects). */
export interface AlertDestinations {
  emails?: string[];
  slack_webhooks?: Array<{ url?: string; channel?: string }>;
}

/** apps_restart_request */
export const RestartRequestSchema = z.looseObject({ components: strings.optional() });
/** apps_get_exec_response; `url` is required here (the answer's point). */
export const ExecUrlResponseSchema = z.looseObject({ url: str });
/** app_instance */
export const InstanceSchema = z.looseObject({
  component_name: str.optional(),
  component_type: openEnum(['SERVICE', 'WORKER', 'JOB']).optional(),
  instance_name: str.optional(),
  instance_alias: str.optional(),
});
export type Instance = z.infer<typeof InstanceSchema>;
/** app_instances */
export const InstancesResponseSchema = z.looseObject({ instances: z.array(InstanceSchema).default([]) });

// ---------------------------------------------------------------------------------------------------------------
// Operations the client does not call yet; kept so that every upstream example has a schema to be checked against.

/** app_job_invocations */
export const JobInvocationsPageSchema = z.looseObject({
  job_invocations: z
    .array(
      z.looseObject({
        id: str.optional(),
        job_name: str.optional(),
        deployment_id: str.optional(),
        phase: openEnum(['UNKNOWN', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED']).optional(),
        trigger: z.looseObject({ type: str.optional() }).optional(),
        created_at: str.optional(),
        started_at: str.optional(),
        completed_at: str.optional(),
      }),
    )
    .optional(),
  links: PageLinksSchema.optional(),
});
/** app_metrics_bandwidth_usage */
export const BandwidthUsageResponseSchema = z.looseObject({
  app_bandwidth_usage: z.array(z.looseObject({ app_id: str.optional(), bandwidth_bytes: str.optional() })).optional(),
  date: str.optional(),
});
/** app_metrics_bandwidth_usage_request */
export const BandwidthUsageRequestSchema = z.looseObject({ app_ids: strings, date: str.optional() });
/** apps_list_tiers_response (deprecated upstream; no path serves it in the apps-only description). */
export const TiersResponseSchema = z.looseObject({
  tiers: z
    .array(
      z.looseObject({ name: str.optional(), slug: str.optional(), egress_bandwidth_bytes: str.optional(), build_seconds: str.optional() }),
    )
    .optional(),
});

// ---------------------------------------------------------------------------------------------------------------

/** One line per problem, `path: message`, with "Required" for missing fields (e.g. `app.spec.name: Required`). */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Parses with missing fields reported as "Required" rather than zod's "expected string, received undefined". */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown): ParseResult<z.output<S>> {
  const r = schema.safeParse(data, { error: (iss) => (iss.input === undefined ? 'Required' : undefined) });
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: formatIssues(r.error) };
}
