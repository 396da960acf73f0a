/** Zod schemas for the app spec (app_spec and the component models it references); see ./schemas. */
import { z } from 'zod';
import { openEnum, str, int, num, bool, strings } from './schemaBase';

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
          .looseObject({
            uri: str.optional(),
            authority: str.optional(),
            port: int.optional(),
            scheme: str.optional(),
            redirect_code: int.optional(),
          })
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
