import { canonicalJson, componentsOf, type AppSpec } from '../spec/appSpec';
import type { AppRecord, DeploymentRecord } from '../state/model';

export type RollbackConditionCode =
  | 'incompatible_phase'
  | 'incompatible_result'
  | 'exceeded_revision_limit'
  | 'app_pinned'
  | 'database_config_conflict'
  | 'region_conflict'
  | 'static_site_requires_rebuild'
  | 'image_source_missing_digest';

export interface RollbackCondition {
  code: RollbackConditionCode;
  message: string;
  components?: string[];
}

export interface RollbackValidation {
  valid: boolean;
  error?: RollbackCondition;
  warnings: RollbackCondition[];
}

/**
 * DigitalOcean's rollback validation (apps_validate_rollback): the first failing condition is the `error`; warnings do
 * not block. Every code is checked here; locally, static sites, images and databases never get this far because the
 * platform refuses specs that use them, so their conditions only fire for specs stored by other means.
 */
export function validateRollback(
  app: AppRecord,
  target: DeploymentRecord,
  revisionLimit: number,
  tierSlug: string,
): RollbackValidation {
  const fail = (error: RollbackCondition): RollbackValidation => ({ valid: false, error, warnings: warningsFor(target.spec) });
  if (app.pinnedDeploymentId) {
    const message = `app is pinned to deployment ${app.pinnedDeploymentId} by a rollback; commit or revert it first`;
    return fail({ code: 'app_pinned', message });
  }
  if (target.phase === 'ERROR' || target.phase === 'CANCELED') {
    const result = target.phase === 'ERROR' ? 'failed' : 'canceled';
    return fail({ code: 'incompatible_result', message: `deployment result "${result}" is unsuitable for rollback` });
  }
  if (target.phase !== 'SUPERSEDED') {
    const why = target.phase === 'ACTIVE' ? 'it is the active deployment' : 'it has not finished';
    return fail({ code: 'incompatible_phase', message: `deployment phase "${target.phase}" is unsuitable for rollback: ${why}` });
  }
  // Revisions: successful deployments newer than the target.
  const later = app.deployments.slice(app.deployments.indexOf(target) + 1);
  const newer = later.filter((d) => d.phase === 'ACTIVE' || d.phase === 'SUPERSEDED').length;
  if (newer > revisionLimit) {
    return fail({
      code: 'exceeded_revision_limit',
      message: `the deployment is past the maximum historical revision limit of ${revisionLimit} for the "${tierSlug}" app tier`,
    });
  }
  if (canonicalJson(target.spec.databases ?? []) !== canonicalJson(app.spec.databases ?? [])) {
    const message = "the deployment's database config differs from the app's current database config";
    return fail({ code: 'database_config_conflict', message });
  }
  if ((target.spec.region ?? '') !== (app.spec.region ?? '')) {
    const message = `the deployment's region "${target.spec.region ?? ''}" differs from the app's region "${app.spec.region ?? ''}"`;
    return fail({ code: 'region_conflict', message });
  }
  return { valid: true, warnings: warningsFor(target.spec) };
}

function warningsFor(spec: AppSpec): RollbackCondition[] {
  const warnings: RollbackCondition[] = [];
  const sites = (spec.static_sites ?? []).map((s) => (s as { name?: string }).name ?? '');
  if (sites.length > 0) {
    const message = 'one or more static sites will be rebuilt, which takes longer than a regular rollback.';
    warnings.push({ code: 'static_site_requires_rebuild', components: sites, message });
  }
  const undigested = componentsOf(spec)
    .filter((c) => c.spec.image && !(c.spec.image as { digest?: string }).digest)
    .map((c) => c.spec.name);
  if (undigested.length > 0) {
    warnings.push({
      code: 'image_source_missing_digest',
      components: undigested,
      message: 'one or more components are missing an image digest and are not guaranteed rollback to the old version.',
    });
  }
  return warnings;
}
