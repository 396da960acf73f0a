/** Zod schemas for apps, deployments and rollbacks; see ./schemas. */
import { z } from 'zod';
import { openEnum, str, int, num, bool, strings, PageLinksSchema, MetaSchema } from './schemaBase';
import { DomainSpecSchema, AppSpecSchema } from './appSpecSchemas';

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
