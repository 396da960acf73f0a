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

/** An enum that accepts unknown values too, typed so editors still suggest the known ones. */
function openEnum<const T extends readonly [string, ...string[]]>(_known: T) {
  return z.string() as unknown as z.ZodType<T[number] | (string & {})>;
}

const str = z.string();
const int = z.number().int();
const num = z.number();
const bool = z.boolean();
const strings = z.array(z.string());

// ---------------------------------------------------------------------------------------------------------------
// Errors and pagination (shared_error, shared_pages_*, shared_meta)

/** shared_error: every non-2xx body. */
export const ErrorBodySchema = z.looseObject({ id: str, message: str, request_id: str.optional() });

/** shared_pages_page_links: `links.pages.{first,prev,next,last}` (absolute URLs). */
export const PageLinksSchema = z.looseObject({
  pages: z
    .looseObject({ first: str.optional(), prev: str.optional(), next: str.optional(), last: str.optional() })
    .optional(),
});
/** shared_meta: `meta.total` is required. */
export const MetaSchema = z.looseObject({ total: int });

// ---------------------------------------------------------------------------------------------------------------
// AppSpec (app_spec and the component models it references)

export const KNOWN_REGIONS = ['atl', 'nyc', 'sfo', 'tor', 'ams', 'fra', 'lon', 'blr', 'sgp', 'syd'] as const;
export const KNOWN_INSTANCE_SIZE_SLUGS = [
  'apps-s-1vcpu-0.5gb', 'apps-s-1vcpu-1gb-fixed', 'apps-s-1vcpu-1gb', 'apps-s-1vcpu-2gb', 'apps-s-2vcpu-4gb',
  'apps-d-1vcpu-0.5gb', 'apps-d-1vcpu-1gb', 'apps-d-1vcpu-2gb', 'apps-d-1vcpu-4gb', 'apps-d-2vcpu-4gb',
  'apps-d-2vcpu-8gb', 'apps-d-4vcpu-8gb', 'apps-d-4vcpu-16gb', 'apps-d-8vcpu-32gb',
  // deprecated, still seen in real specs (app_action testdata)
  'basic-xxs', 'basic-xs', 'basic-s', 'basic-m', 'professional-xs', 'professional-s', 'professional-m',
  'professional-1l', 'professional-l', 'professional-xl',
] as const;

/** app_variable_definition */
export const VariableDefinitionSchema = z.looseObject({
  key: str,
  scope: openEnum(['UNSET', 'RUN_TIME', 'BUILD_TIME', 'RUN_AND_BUILD_TIME']).optional(),
  type: openEnum(['GENERAL', 'SECRET']).optional(),
  value: str.optional(),
});

/** apps_github_source_spec / apps_gitlab_source_spec / apps_bitbucket_source_spec */
const HostedGitSourceSchema = z.looseObject({ branch: str.optional(), deploy_on_push: bool.optional(), repo: str.optional() });
/** apps_git_source_spec */
const GitSourceSchema = z.looseObject({ branch: str.optional(), repo_clone_url: str.optional() });
/** apps_image_source_spec */
const ImageSourceSchema = z.looseObject({
  registry: str.optional(),
  registry_type: openEnum(['DOCKER_HUB', 'DOCR', 'GHCR']).optional(),
  registry_credentials: str.optional(),
  repository: str.optional(),
  tag: str.optional(),
  digest: str.optional(),
  deploy_on_push: z.looseObject({ enabled: bool.optional() }).optional(),
});
/** app_log_destination_definition */
const LogDestinationSchema = z.looseObject({ name: str });
/** apps_string_match */
const StringMatchSchema = z.looseObject({ exact: str.nullish(), prefix: str.nullish(), regex: str.optional() });
/** apps_cors_policy */
const CorsPolicySchema = z.looseObject({
  allow_origins: z.array(StringMatchSchema).optional(),
  allow_methods: strings.optional(),
  allow_headers: strings.optional(),
  expose_headers: strings.optional(),
  max_age: str.optional(),
  allow_credentials: bool.optional(),
});
/** app_route_spec */
const RouteSchema = z.looseObject({ path: str.optional(), preserve_path_prefix: bool.optional() });
/** app_health_check_spec / app_service_spec_health_check */
export const HealthCheckSchema = z.looseObject({
  failure_threshold: int.optional(),
  port: int.optional(),
  http_path: str.optional(),
  initial_delay_seconds: int.optional(),
  period_seconds: int.optional(),
  success_threshold: int.optional(),
  timeout_seconds: int.optional(),
});
/** app_autoscaling_spec(_service) */
const AutoscalingSchema = z.looseObject({
  min_instance_count: int.optional(),
  max_instance_count: int.optional(),
  metrics: z.looseObject({}).optional(),
});
const TerminationSchema = z.looseObject({ drain_seconds: int.optional(), grace_period_seconds: int.optional() });

/** app_alert_spec (also used at app level, which the OpenAPI AppSpec lacks but real specs and godo use). */
export const AlertSpecSchema = z.looseObject({
  rule: openEnum([
    'UNSPECIFIED_RULE', 'CPU_UTILIZATION', 'MEM_UTILIZATION', 'RESTART_COUNT', 'DEPLOYMENT_FAILED', 'DEPLOYMENT_LIVE',
    'DOMAIN_FAILED', 'DOMAIN_LIVE', 'AUTOSCALE_FAILED', 'AUTOSCALE_SUCCEEDED', 'FUNCTIONS_ACTIVATION_COUNT',
    'FUNCTIONS_AVERAGE_DURATION_MS', 'FUNCTIONS_ERROR_RATE_PER_MINUTE', 'FUNCTIONS_AVERAGE_WAIT_TIME_MS',
    'FUNCTIONS_ERROR_COUNT', 'FUNCTIONS_GB_RATE_PER_SECOND', 'REQUESTS_PER_SECOND', 'REQUEST_DURATION_P95_MS',
  ]).optional(),
  disabled: bool.optional(),
  operator: openEnum(['UNSPECIFIED_OPERATOR', 'GREATER_THAN', 'LESS_THAN']).optional(),
  value: num.optional(),
  window: openEnum(['UNSPECIFIED_WINDOW', 'FIVE_MINUTES', 'TEN_MINUTES', 'THIRTY_MINUTES', 'ONE_HOUR']).optional(),
});

/** app_component_base: what every buildable component has. */
const componentBase = {
  name: str,
  git: GitSourceSchema.optional(),
  github: HostedGitSourceSchema.optional(),
  gitlab: HostedGitSourceSchema.optional(),
  bitbucket: HostedGitSourceSchema.optional(),
  image: ImageSourceSchema.optional(),
  dockerfile_path: str.optional(),
  build_command: str.optional(),
  run_command: str.optional(),
  source_dir: str.optional(),
  envs: z.array(VariableDefinitionSchema).optional(),
  environment_slug: str.optional(),
  log_destinations: z.array(LogDestinationSchema).optional(),
  // not in app_component_base, but godo's component specs and real specs carry per-component alerts
  alerts: z.array(AlertSpecSchema).optional(),
};
/** app_component_instance_base */
const instanceBase = {
  instance_count: int.optional(),
  instance_size_slug: openEnum(KNOWN_INSTANCE_SIZE_SLUGS).optional(),
};

/** app_service_spec */
export const ServiceSpecSchema = z.looseObject({
  ...componentBase,
  ...instanceBase,
  autoscaling: AutoscalingSchema.optional(),
  cors: CorsPolicySchema.optional(),
  health_check: HealthCheckSchema.optional(),
  liveness_health_check: HealthCheckSchema.optional(),
  protocol: openEnum(['HTTP', 'HTTP2']).optional(),
  http_port: int.optional(),
  internal_ports: z.array(int).optional(),
  routes: z.array(RouteSchema).optional(),
  termination: TerminationSchema.optional(),
});
/** app_worker_spec */
export const WorkerSpecSchema = z.looseObject({
  ...componentBase,
  ...instanceBase,
  autoscaling: AutoscalingSchema.optional(),
  termination: TerminationSchema.optional(),
  liveness_health_check: HealthCheckSchema.optional(),
});
/** app_job_spec */
export const JobSpecSchema = z.looseObject({
  ...componentBase,
  ...instanceBase,
  kind: openEnum(['UNSPECIFIED', 'PRE_DEPLOY', 'POST_DEPLOY', 'FAILED_DEPLOY']).optional(),
  termination: TerminationSchema.optional(),
});
/** app_static_site_spec */
export const StaticSiteSpecSchema = z.looseObject({
  ...componentBase,
  index_document: str.optional(),
  error_document: str.optional(),
  catchall_document: str.optional(),
  output_dir: str.optional(),
  cors: CorsPolicySchema.optional(),
  routes: z.array(RouteSchema).optional(),
});
/** app_functions_spec */
export const FunctionsSpecSchema = z.looseObject({
  name: str,
  source_dir: str.optional(),
  alerts: z.array(AlertSpecSchema).optional(),
  envs: z.array(VariableDefinitionSchema).optional(),
  git: GitSourceSchema.optional(),
  github: HostedGitSourceSchema.optional(),
  gitlab: HostedGitSourceSchema.optional(),
  bitbucket: HostedGitSourceSchema.optional(),
  log_destinations: z.array(LogDestinationSchema).optional(),
  cors: CorsPolicySchema.optional(),
  routes: z.array(RouteSchema).optional(),
});
/** app_database_spec */
export const DatabaseSpecSchema = z.looseObject({
  name: str,
  cluster_name: str.optional(),
  db_name: str.optional(),
  db_user: str.optional(),
  engine: openEnum(['UNSET', 'MYSQL', 'PG', 'REDIS', 'MONGODB', 'KAFKA', 'OPENSEARCH', 'VALKEY']).optional(),
  production: bool.optional(),
  version: str.optional(),
});
/** app_ingress_spec */
export const IngressSpecSchema = z.looseObject({
  rules: z
    .array(
      z.looseObject({
        match: z
          .looseObject({
            path: z.looseObject({ prefix: str.optional() }).optional(),
            authority: z.looseObject({ exact: str.optional() }).optional(),
          })
          .optional(),
        cors: CorsPolicySchema.optional(),
        component: z.looseObject({ name: str, preserve_path_prefix: z.union([str, bool]).optional(), rewrite: str.optional() }).optional(),
        redirect: z
          .looseObject({ uri: str.optional(), authority: str.optional(), port: int.optional(), scheme: str.optional(), redirect_code: int.optional() })
          .optional(),
      }),
    )
    .optional(),
  custom_error_page_url: str.optional(),
});
/** app_domain_spec */
export const DomainSpecSchema = z.looseObject({
  domain: str,
  type: openEnum(['UNSPECIFIED', 'DEFAULT', 'PRIMARY', 'ALIAS']).optional(),
  wildcard: bool.optional(),
  zone: str.optional(),
  minimum_tls_version: str.optional(),
});

/** app_spec, plus app-level `envs` and `alerts` (godo and real specs use them; the OpenAPI model lacks them). */
export const AppSpecSchema = z.looseObject({
  name: str,
  region: openEnum(KNOWN_REGIONS).optional(),
  disable_edge_cache: bool.optional(),
  disable_email_obfuscation: bool.optional(),
  enhanced_threat_control_enabled: bool.optional(),
  domains: z.array(DomainSpecSchema).optional(),
  services: z.array(ServiceSpecSchema).optional(),
  static_sites: z.array(StaticSiteSpecSchema).optional(),
  jobs: z.array(JobSpecSchema).optional(),
  workers: z.array(WorkerSpecSchema).optional(),
  functions: z.array(FunctionsSpecSchema).optional(),
  databases: z.array(DatabaseSpecSchema).optional(),
  ingress: IngressSpecSchema.optional(),
  egress: z.looseObject({ type: openEnum(['AUTOASSIGN', 'DEDICATED_IP']).optional() }).optional(),
  maintenance: z.looseObject({ enabled: bool.optional(), archive: bool.optional(), offline_page_url: str.optional() }).optional(),
  vpc: z.looseObject({ id: str.optional(), egress_ips: z.array(z.looseObject({ ip: str.optional() })).optional() }).optional(),
  envs: z.array(VariableDefinitionSchema).optional(),
  alerts: z.array(AlertSpecSchema).optional(),
});
export type AppSpec = z.infer<typeof AppSpecSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Deployments (apps_deployment and its parts)

/** apps_deployment_phase */
export const DEPLOYMENT_PHASES = [
  'UNKNOWN', 'PENDING_BUILD', 'BUILDING', 'PENDING_DEPLOY', 'DEPLOYING', 'ACTIVE', 'SUPERSEDED', 'ERROR', 'CANCELED',
] as const;
export const DeploymentPhaseSchema = z.enum(DEPLOYMENT_PHASES);
export type DeploymentPhase = z.infer<typeof DeploymentPhaseSchema>;

/** apps_deployment_progress_step_status */
export const StepStatusSchema = z.enum(['UNKNOWN', 'PENDING', 'RUNNING', 'ERROR', 'SUCCESS']);
export type StepStatus = z.infer<typeof StepStatusSchema>;

/** apps_deployment_progress_step_reason */
export const StepReasonSchema = z.looseObject({ code: str.optional(), message: str.optional() });

/** apps_deployment_progress_step; the OpenAPI types nested `steps` as bare objects, DigitalOcean nests steps. */
export interface DeploymentProgressStep {
  name?: string;
  status?: StepStatus | (string & {});
  reason?: { code?: string; message?: string; [k: string]: unknown };
  started_at?: string;
  ended_at?: string;
  component_name?: string;
  message_base?: string;
  steps?: DeploymentProgressStep[];
  [k: string]: unknown;
}
export const DeploymentProgressStepSchema: z.ZodType<DeploymentProgressStep> = z.looseObject({
  name: str.optional(),
  // The OpenAPI lists UNKNOWN…SUCCESS for steps, but nested steps that never ran come back SKIPPED: keep any string.
  status: z.union([StepStatusSchema, z.string()]).optional(),
  reason: StepReasonSchema.optional(),
  started_at: str.optional(),
  ended_at: str.optional(),
  component_name: str.optional(),
  message_base: str.optional(),
  get steps() {
    return z.array(DeploymentProgressStepSchema).optional();
  },
});

/** apps_deployment_progress */
export const DeploymentProgressSchema = z.looseObject({
  pending_steps: int.optional(),
  running_steps: int.optional(),
  success_steps: int.optional(),
  error_steps: int.optional(),
  skipped_steps: int.optional(),
  total_steps: int.optional(),
  steps: z.array(DeploymentProgressStepSchema).optional(),
  summary_steps: z.array(DeploymentProgressStepSchema).optional(),
});

/** apps_deployment_service / _worker / _job / _static_site / _functions */
const DeploymentComponentSchema = z.looseObject({ name: str.optional(), source_commit_hash: str.optional(), namespace: str.optional() });

/**
 * apps_deployment, plus `cause_details` (godo's DeploymentCauseDetails; not in the OpenAPI model). Nothing is required,
 * as in the OpenAPI model: this is the shape of deployments nested in an app (active_deployment, …).
 */
export const DeploymentObjectSchema = z.looseObject({
  id: str.optional(),
  spec: AppSpecSchema.optional(),
  services: z.array(DeploymentComponentSchema).optional(),
  static_sites: z.array(DeploymentComponentSchema).optional(),
  workers: z.array(DeploymentComponentSchema).optional(),
  jobs: z.array(DeploymentComponentSchema).optional(),
  functions: z.array(DeploymentComponentSchema).optional(),
  phase_last_updated_at: str.optional(),
  created_at: str.optional(),
  updated_at: str.optional(),
  cause: str.optional(),
  cause_details: z
    .looseObject({
      digitalocean_user_action: z.looseObject({ user: z.looseObject({}).optional(), name: str.optional() }).optional(),
      git_push: z.looseObject({}).optional(),
      docr_push: z.looseObject({}).optional(),
      internal: bool.optional(),
      autoscaler: z.looseObject({}).optional(),
      type: str.optional(),
    })
    .optional(),
  cloned_from: str.optional(),
  progress: DeploymentProgressSchema.optional(),
  phase: DeploymentPhaseSchema.optional(),
  tier_slug: str.optional(),
});
/** A deployment the client returns (create, get, list, cancel, rollback): its `id` is required. */
export const DeploymentSchema = DeploymentObjectSchema.extend({ id: str });
export type Deployment = z.infer<typeof DeploymentSchema>;
export type DeploymentObject = z.infer<typeof DeploymentObjectSchema>;

/** apps_deployment_response; `deployment` is required here: an answer without it is useless to the client. */
export const DeploymentResponseSchema = z.looseObject({ deployment: DeploymentSchema });
/** apps_deployments_response */
export const DeploymentsPageSchema = z.looseObject({
  deployments: z.array(DeploymentSchema).optional(),
  links: PageLinksSchema.optional(),
  meta: MetaSchema,
});
export type DeploymentsPage = z.infer<typeof DeploymentsPageSchema>;
export const DEPLOYMENT_TYPES = [
  'MANUAL', 'DEPLOY_ON_PUSH', 'MAINTENANCE', 'MANUAL_ROLLBACK', 'AUTO_ROLLBACK', 'UPDATE_DATABASE_TRUSTED_SOURCES', 'AUTOSCALED',
] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

// ---------------------------------------------------------------------------------------------------------------
// Apps

/** apps_region */
export const RegionSchema = z.looseObject({
  slug: str.optional(),
  label: str.optional(),
  flag: str.optional(),
  continent: str.optional(),
  data_centers: strings.optional(),
  default: bool.optional(),
  disabled: bool.optional(),
  reason: str.optional(),
});
export type Region = z.infer<typeof RegionSchema>;

/** apps_domain */
const AppDomainSchema = z.looseObject({
  id: str.optional(),
  phase: str.optional(),
  spec: DomainSpecSchema.optional(),
  progress: z.looseObject({ steps: z.array(z.looseObject({})).optional() }).optional(),
});

/** app: `spec` is the OpenAPI model's one required field; `id` is required here too (the client needs it). */
export const AppSchema = z.looseObject({
  id: str,
  owner_uuid: str.optional(),
  project_id: str.optional(),
  spec: AppSpecSchema,
  default_ingress: str.optional(),
  live_url: str.optional(),
  live_url_base: str.optional(),
  live_domain: str.optional(),
  created_at: str.optional(),
  updated_at: str.optional(),
  last_deployment_created_at: str.optional(),
  active_deployment: DeploymentObjectSchema.optional(),
  in_progress_deployment: DeploymentObjectSchema.optional(),
  pending_deployment: DeploymentObjectSchema.optional(),
  pinned_deployment: DeploymentObjectSchema.optional(),
  region: RegionSchema.optional(),
  tier_slug: str.optional(),
  domains: z.array(AppDomainSchema).optional(),
  dedicated_ips: z.array(z.looseObject({ ip: str.optional(), id: str.optional(), status: str.optional() })).optional(),
  vpc: z.looseObject({ id: str.optional() }).optional(),
});
export type App = z.infer<typeof AppSchema>;

/** app_response; `app` is required here (see DeploymentResponseSchema). */
export const AppResponseSchema = z.looseObject({ app: AppSchema });
/** apps_response */
export const AppsPageSchema = z.looseObject({
  apps: z.array(AppSchema).optional(),
  links: PageLinksSchema.optional(),
  meta: MetaSchema,
});
export type AppsPage = z.infer<typeof AppsPageSchema>;
/** apps_delete_app_response: DigitalOcean answers 200 with `{id}`. */
export const DeleteAppResponseSchema = z.looseObject({ id: str.optional() });

/** apps_create_app_request */
export const CreateAppRequestSchema = z.looseObject({ spec: AppSpecSchema, project_id: str.optional() });
/** apps_update_app_request */
export const UpdateAppRequestSchema = z.looseObject({ spec: AppSpecSchema, update_all_source_versions: bool.optional() });
/** app_propose */
export const ProposeAppRequestSchema = z.looseObject({ spec: AppSpecSchema, app_id: str.optional() });
/** app_propose_response */
export const ProposeAppResponseSchema = z.looseObject({
  app_is_static: bool.optional(),
  app_name_available: bool.optional(),
  app_name_suggestion: str.optional(),
  existing_static_apps: str.optional(),
  max_free_static_apps: str.optional(),
  spec: AppSpecSchema.optional(),
  app_cost: num.optional(),
  app_tier_downgrade_cost: num.optional(),
});
export type ProposeAppResponse = z.infer<typeof ProposeAppResponseSchema>;

/** apps_create_deployment_request */
export const CreateDeploymentRequestSchema = z.looseObject({ force_build: bool.optional() });

// ---------------------------------------------------------------------------------------------------------------
// Rollback

/** apps_rollback_app_request (used by rollback and rollback/validate). */
export const RollbackRequestSchema = z.looseObject({ deployment_id: str.optional(), skip_pin: bool.optional() });
/** app_rollback_validation_condition */
export const RollbackConditionSchema = z.looseObject({
  code: openEnum([
    'incompatible_phase', 'incompatible_result', 'exceeded_revision_limit', 'app_pinned', 'database_config_conflict',
    'region_conflict', 'static_site_requires_rebuild', 'image_source_missing_digest',
  ]).optional(),
  message: str.optional(),
  components: strings.optional(),
});
export type RollbackCondition = z.infer<typeof RollbackConditionSchema>;
/** apps_validate_rollback 200 body: `{valid, error?, warnings[]}`; `valid` is required here (the answer's point). */
export const RollbackValidationSchema = z.looseObject({
  valid: bool,
  error: RollbackConditionSchema.optional(),
  warnings: z.array(RollbackConditionSchema).optional(),
});
export type RollbackValidation = z.infer<typeof RollbackValidationSchema>;

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

// ---------------------------------------------------------------------------------------------------------------
// Operations the client does not call yet; kept so that every upstream example has a schema to be checked against.

/** apps_get_exec_response */
export const ExecUrlResponseSchema = z.looseObject({ url: str.optional() });
/** app_instances */
export const InstancesResponseSchema = z.looseObject({
  instances: z
    .array(
      z.looseObject({
        component_name: str.optional(),
        component_type: openEnum(['SERVICE', 'WORKER', 'JOB']).optional(),
        instance_name: str.optional(),
        instance_alias: str.optional(),
      }),
    )
    .optional(),
});
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
/** apps_restart_request */
export const RestartRequestSchema = z.looseObject({ components: strings.optional() });
/** apps_alert_response */
export const AlertResponseSchema = z.looseObject({ alert: AlertSchema });
/** apps_list_tiers_response (deprecated upstream; no path serves it in the apps-only description). */
export const TiersResponseSchema = z.looseObject({
  tiers: z.array(z.looseObject({ name: str.optional(), slug: str.optional(), egress_bandwidth_bytes: str.optional(), build_seconds: str.optional() })).optional(),
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
