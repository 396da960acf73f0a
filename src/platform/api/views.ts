import { region, tierOf } from '../catalog/catalog';
import { countSteps } from '../deploy/progress';
import { componentsOf } from '../spec/appSpec';
import type { AlertRecord, AppRecord, DeploymentRecord } from '../state/model';

// JSON shapes of DigitalOcean's API (OpenAPI components.schemas: app, apps_deployment, app_alert).

export function deploymentView(dep: DeploymentRecord): Record<string, unknown> {
  const withCommit = (name: string): Record<string, string> =>
    dep.commits[name] ? { name, source_commit_hash: dep.commits[name] } : { name };
  const view: Record<string, unknown> = {
    id: dep.id,
    spec: dep.spec,
    cause: dep.cause,
    ...(dep.clonedFrom ? { cloned_from: dep.clonedFrom } : {}),
    phase: dep.phase,
    phase_last_updated_at: dep.phaseLastUpdatedAt,
    created_at: dep.createdAt,
    updated_at: dep.updatedAt,
    tier_slug: dep.tierSlug,
    progress: { ...countSteps(dep.steps), steps: dep.steps },
    services: (dep.spec.services ?? []).map((s) => withCommit(s.name)),
  };
  if ((dep.spec.workers ?? []).length > 0) view.workers = (dep.spec.workers ?? []).map((w) => withCommit(w.name));
  return view;
}

export interface AppViewContext {
  liveUrl(app: AppRecord): string;
  inProgress(app: AppRecord): DeploymentRecord | undefined;
  pending(app: AppRecord): DeploymentRecord | undefined;
}

export function appView(app: AppRecord, ctx: AppViewContext, pendingOverride?: DeploymentRecord): Record<string, unknown> {
  const find = (id: string | undefined): DeploymentRecord | undefined => (id ? app.deployments.find((d) => d.id === id) : undefined);
  const url = ctx.liveUrl(app);
  const active = find(app.activeDeploymentId);
  const inProgress = ctx.inProgress(app);
  const pending = pendingOverride ?? ctx.pending(app);
  const pinned = find(app.pinnedDeploymentId);
  const last = app.deployments[app.deployments.length - 1];
  return {
    id: app.id,
    owner_uuid: app.ownerUuid,
    spec: app.spec,
    default_ingress: url,
    live_url: url,
    live_url_base: url,
    live_domain: url.replace(/^https?:\/\//, ''),
    created_at: app.createdAt,
    updated_at: app.updatedAt,
    ...(last ? { last_deployment_created_at: last.createdAt } : {}),
    ...(app.lastDeploymentActiveAt ? { last_deployment_active_at: app.lastDeploymentActiveAt } : {}),
    ...(active ? { active_deployment: deploymentView(active) } : {}),
    ...(inProgress ? { in_progress_deployment: deploymentView(inProgress) } : {}),
    ...(pending ? { pending_deployment: deploymentView(pending) } : {}),
    ...(pinned ? { pinned_deployment: deploymentView(pinned) } : {}),
    region: region(app.spec.region),
    tier_slug: tierOf(componentsOf(app.spec).map((c) => c.spec.instance_size_slug)),
  };
}

export function alertView(a: AlertRecord): Record<string, unknown> {
  return {
    id: a.id,
    ...(a.componentName ? { component_name: a.componentName } : {}),
    spec: a.spec,
    emails: a.emails,
    slack_webhooks: a.slackWebhooks,
    phase: 'ACTIVE',
    progress: { steps: [{ name: 'alert-configure-insight-alert', status: 'SUCCESS', started_at: a.createdAt, ended_at: a.createdAt }] },
  };
}
