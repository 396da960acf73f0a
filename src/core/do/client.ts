/**
 * The typed App Platform client. Paths, methods and bodies follow DigitalOcean's OpenAPI operations (the operationId
 * of each is named in its errors), so the same client drives DigitalOcean and the local App Platform.
 */
import { z } from 'zod';
import { HttpRequest, HttpTransport, QueryValue, RateLimitInfo } from './http';
import { followLiveLogs, LiveLogOptions, LiveLogStream } from './logs';
import {
  Alert, AlertDestinations, AlertResponseSchema, AlertsResponseSchema, App, AppHealth, AppHealthResponseSchema, AppResponseSchema,
  AppSpec, AppsPage, AppsPageSchema, DeleteAppResponseSchema, Deployment, DeploymentResponseSchema, DeploymentsPage,
  DeploymentsPageSchema, ExecUrlResponseSchema, Instance, InstancesResponseSchema, InstanceSize, InstanceSizeResponseSchema,
  InstanceSizesResponseSchema, LogsResponse, LogsResponseSchema, ProposeAppResponse, ProposeAppResponseSchema, Region,
  RegionsResponseSchema, RollbackValidation, RollbackValidationSchema,
} from './schemas';
import {
  nextPageNumber, rollbackBody, type AppPlatformClientOptions, type CallOptions, type ListAppsOptions,
  type ListDeploymentsOptions, type LogsOptions, type RollbackOptions,
} from './clientOptions';

export type {
  AppPlatformClientOptions, CallOptions, ListAppsOptions, ListDeploymentsOptions, LogsOptions, RollbackOptions,
} from './clientOptions';

const MAX_PER_PAGE = 200;
/** A bound on pages followed, against a server whose `next` link never ends. */
const MAX_PAGES = 500;
const enc = encodeURIComponent;

export class AppPlatformClient {
  private readonly http: HttpTransport;

  constructor(options: AppPlatformClientOptions = {}) {
    this.http = new HttpTransport(options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The `ratelimit-*` headers of the last answer (limit, remaining, reset), for the UI. */
  get rateLimit(): RateLimitInfo | undefined {
    return this.http.rateLimit;
  }

  onRateLimit(listener: (info: RateLimitInfo) => void): () => void {
    return this.http.onRateLimit(listener);
  }

  /** Closes the client's connections; pending calls fail. */
  close(): Promise<void> {
    return this.http.close();
  }

  // -- apps ---------------------------------------------------------------------------------------------------

  /** apps_list, one page. */
  listAppsPage(options: ListAppsOptions = {}): Promise<AppsPage> {
    return this.get('apps_list', '/v2/apps', AppsPageSchema, options, {
      page: options.page,
      per_page: options.per_page,
      with_projects: options.with_projects,
    });
  }

  /** apps_list, every page (following links.pages.next, else counting pages against meta.total). */
  async listApps(options: Omit<ListAppsOptions, 'page'> = {}): Promise<App[]> {
    return this.allPages((page, per_page) => this.listAppsPage({ ...options, page, per_page }), (p) => p.apps ?? [], options.per_page);
  }

  /** apps_get */
  async getApp(id: string, options: CallOptions = {}): Promise<App> {
    const res = await this.get('apps_get', `/v2/apps/${enc(id)}`, AppResponseSchema, options, undefined, { notFound: 'APP_NOT_FOUND' });
    return res.app;
  }

  /** The app whose spec.name is `name`, or undefined (app names are unique per account). */
  async findAppByName(name: string, options: CallOptions = {}): Promise<App | undefined> {
    const apps = await this.listApps({ ...options, per_page: MAX_PER_PAGE });
    return apps.find((a) => a.spec.name === name);
  }

  /** apps_create */
  async createApp(spec: AppSpec, options: CallOptions & { projectId?: string } = {}): Promise<App> {
    const body = { spec, ...(options.projectId ? { project_id: options.projectId } : {}) };
    const res = await this.call(
      {
        operation: 'apps_create',
        method: 'POST',
        path: '/v2/apps',
        body,
        errors: { invalid: 'SPEC_VALIDATION_FAILED' },
        signal: options.signal,
      },
      AppResponseSchema,
    );
    return res.app;
  }

  /** apps_update */
  async updateApp(id: string, spec: AppSpec, options: CallOptions & { updateAllSourceVersions?: boolean } = {}): Promise<App> {
    const body = {
      spec,
      ...(options.updateAllSourceVersions !== undefined ? { update_all_source_versions: options.updateAllSourceVersions } : {}),
    };
    const res = await this.call(
      {
        operation: 'apps_update',
        method: 'PUT',
        path: `/v2/apps/${enc(id)}`,
        body,
        errors: { notFound: 'APP_NOT_FOUND', invalid: 'SPEC_VALIDATION_FAILED' },
        signal: options.signal,
      },
      AppResponseSchema,
    );
    return res.app;
  }

  /** apps_delete: DigitalOcean answers 200 `{id}`. */
  async deleteApp(id: string, options: CallOptions = {}): Promise<{ id?: string }> {
    return this.call(
      {
        operation: 'apps_delete',
        method: 'DELETE',
        path: `/v2/apps/${enc(id)}`,
        errors: { notFound: 'APP_NOT_FOUND' },
        signal: options.signal,
      },
      DeleteAppResponseSchema,
    );
  }

  /** apps_validate_appSpec (POST /v2/apps/propose): validates a spec and prices it; changes nothing, so retried. */
  proposeApp(request: { spec: AppSpec; app_id?: string }, options: CallOptions = {}): Promise<ProposeAppResponse> {
    return this.call(
      {
        operation: 'apps_validate_appSpec',
        method: 'POST',
        path: '/v2/apps/propose',
        body: request,
        idempotent: true,
        errors: { invalid: 'SPEC_VALIDATION_FAILED' },
        signal: options.signal,
      },
      ProposeAppResponseSchema,
    );
  }

  // -- deployments --------------------------------------------------------------------------------------------

  /** apps_create_deployment: never retried after a 5xx or a broken connection (it may have started). */
  async createDeployment(appId: string, request: { force_build?: boolean } = {}, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.call(
      {
        operation: 'apps_create_deployment',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/deployments`,
        body: { force_build: request.force_build ?? false },
        errors: { notFound: 'APP_NOT_FOUND', failure: 'DEPLOYMENT_CREATE_FAILED' },
        signal: options.signal,
      },
      DeploymentResponseSchema,
    );
    return res.deployment;
  }

  /** apps_list_deployments, one page (newest first, as DigitalOcean orders them). */
  listDeployments(appId: string, options: ListDeploymentsOptions = {}): Promise<DeploymentsPage> {
    return this.get(
      'apps_list_deployments',
      `/v2/apps/${enc(appId)}/deployments`,
      DeploymentsPageSchema,
      options,
      { page: options.page, per_page: options.per_page, deployment_types: options.deployment_types },
      { notFound: 'APP_NOT_FOUND' },
    );
  }

  /** apps_list_deployments, every page. */
  listAllDeployments(appId: string, options: Omit<ListDeploymentsOptions, 'page'> = {}): Promise<Deployment[]> {
    return this.allPages(
      (page, per_page) => this.listDeployments(appId, { ...options, page, per_page }),
      (p) => p.deployments ?? [],
      options.per_page,
    );
  }

  /** apps_get_deployment */
  async getDeployment(appId: string, deploymentId: string, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.get(
      'apps_get_deployment',
      `/v2/apps/${enc(appId)}/deployments/${enc(deploymentId)}`,
      DeploymentResponseSchema,
      options,
    );
    return res.deployment;
  }

  /** apps_cancel_deployment: canceling twice is canceling once, so it is retried like a GET. */
  async cancelDeployment(appId: string, deploymentId: string, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.call(
      {
        operation: 'apps_cancel_deployment',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/deployments/${enc(deploymentId)}/cancel`,
        idempotent: true,
        signal: options.signal,
      },
      DeploymentResponseSchema,
    );
    return res.deployment;
  }

  // -- rollback -----------------------------------------------------------------------------------------------

  /** apps_validate_rollback: `{valid, error?, warnings[]}`; changes nothing, so retried. */
  async validateRollback(appId: string, options: RollbackOptions): Promise<RollbackValidation> {
    return this.call(
      {
        operation: 'apps_validate_rollback',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/rollback/validate`,
        body: rollbackBody(options, 'apps_validate_rollback'),
        idempotent: true,
        errors: { notFound: 'APP_NOT_FOUND', invalid: 'ROLLBACK_INVALID' },
        signal: options.signal,
      },
      RollbackValidationSchema,
    );
  }

  /** apps_create_rollback: a NEW deployment from the old one; pins the app unless skip_pin. */
  async rollback(appId: string, options: RollbackOptions): Promise<Deployment> {
    const res = await this.call(
      {
        operation: 'apps_create_rollback',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/rollback`,
        body: rollbackBody(options, 'apps_create_rollback'),
        errors: { notFound: 'APP_NOT_FOUND', invalid: 'ROLLBACK_INVALID' },
        signal: options.signal,
      },
      DeploymentResponseSchema,
    );
    return res.deployment;
  }

  /** apps_commit_rollback: unpins the app, keeping the rolled-back deployment. Empty 200 answer. */
  async commitRollback(appId: string, options: CallOptions = {}): Promise<void> {
    await this.http.send({
      operation: 'apps_commit_rollback',
      method: 'POST',
      path: `/v2/apps/${enc(appId)}/rollback/commit`,
      idempotent: true,
      errors: { notFound: 'APP_NOT_FOUND' },
      signal: options.signal,
    });
  }

  /** apps_revert_rollback: deploys what ran before the rollback and unpins; answers the new deployment. */
  async revertRollback(appId: string, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.call(
      {
        operation: 'apps_revert_rollback',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/rollback/revert`,
        errors: { notFound: 'APP_NOT_FOUND' },
        signal: options.signal,
      },
      DeploymentResponseSchema,
    );
    return res.deployment;
  }

  // -- logs ---------------------------------------------------------------------------------------------------

  /**
   * apps_get_logs / apps_get_logs_aggregate / apps_get_logs_active_deployment / apps_get_logs_active_deployment_aggregate,
   * chosen by whether a deployment and a component are given.
   */
  async getLogs(appId: string, options: LogsOptions): Promise<LogsResponse> {
    const app = `/v2/apps/${enc(appId)}`;
    const { deploymentId: dep, component } = options;
    const [operation, path] =
      dep && component ? ['apps_get_logs', `${app}/deployments/${enc(dep)}/components/${enc(component)}/logs`]
      : dep ? ['apps_get_logs_aggregate', `${app}/deployments/${enc(dep)}/logs`]
      : component ? ['apps_get_logs_active_deployment', `${app}/components/${enc(component)}/logs`]
      : ['apps_get_logs_active_deployment_aggregate', `${app}/logs`];
    return this.get(operation, path, LogsResponseSchema, options, {
      type: options.type,
      follow: options.follow,
      pod_connection_timeout: options.podConnectionTimeout,
    });
  }

  /** The text of each historic log URL, in order. These URLs are pre-signed: no bearer token is sent. */
  async fetchHistoricLogs(urls: readonly string[], options: CallOptions = {}): Promise<string[]> {
    const out: string[] = [];
    for (const url of urls) {
      const res = await this.http.send({ operation: 'historic_logs', method: 'GET', path: url, external: true, signal: options.signal });
      out.push(res.text);
    }
    return out;
  }

  /** Follows a live_url websocket; see logs.ts. */
  followLiveLogs(liveUrl: string, options: LiveLogOptions = {}): LiveLogStream {
    return followLiveLogs(liveUrl, options);
  }

  // -- health, sizes, regions, alerts --------------------------------------------------------------------------

  /** apps_get_health */
  async getAppHealth(appId: string, options: CallOptions = {}): Promise<AppHealth> {
    const res = await this.get('apps_get_health', `/v2/apps/${enc(appId)}/health`, AppHealthResponseSchema, options, undefined, {
      notFound: 'APP_NOT_FOUND',
    });
    return res.app_health;
  }

  /** apps_list_instanceSizes */
  async listInstanceSizes(options: CallOptions = {}): Promise<InstanceSize[]> {
    const res = await this.get('apps_list_instanceSizes', '/v2/apps/tiers/instance_sizes', InstanceSizesResponseSchema, options);
    return res.instance_sizes;
  }

  /** apps_get_instanceSize */
  async getInstanceSize(slug: string, options: CallOptions = {}): Promise<InstanceSize> {
    const res = await this.get('apps_get_instanceSize', `/v2/apps/tiers/instance_sizes/${enc(slug)}`, InstanceSizeResponseSchema, options);
    return res.instance_size;
  }

  /** apps_list_regions */
  async listRegions(options: CallOptions = {}): Promise<Region[]> {
    const res = await this.get('apps_list_regions', '/v2/apps/regions', RegionsResponseSchema, options);
    return res.regions;
  }

  /** apps_list_alerts */
  async listAlerts(appId: string, options: CallOptions = {}): Promise<Alert[]> {
    const res = await this.get('apps_list_alerts', `/v2/apps/${enc(appId)}/alerts`, AlertsResponseSchema, options, undefined, {
      notFound: 'APP_NOT_FOUND',
    });
    return res.alerts;
  }

  /** apps_assign_alertDestinations: replaces the alert's emails and Slack webhooks (setting them twice is once). */
  async assignAlertDestinations(
    appId: string,
    alertId: string,
    destinations: AlertDestinations,
    options: CallOptions = {},
  ): Promise<Alert> {
    const res = await this.call(
      {
        operation: 'apps_assign_alertDestinations',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/alerts/${enc(alertId)}/destinations`,
        body: { emails: destinations.emails ?? [], slack_webhooks: destinations.slack_webhooks ?? [] },
        idempotent: true,
        errors: { notFound: 'APP_NOT_FOUND' },
        signal: options.signal,
      },
      AlertResponseSchema,
    );
    return res.alert;
  }

  // -- operate: restart, instances, console -------------------------------------------------------------------

  /** apps_restart: restarts the components (all when none are named); never retried (each call restarts again). */
  async restartApp(appId: string, request: { components?: readonly string[] } = {}, options: CallOptions = {}): Promise<Deployment> {
    const res = await this.call(
      {
        operation: 'apps_restart',
        method: 'POST',
        path: `/v2/apps/${enc(appId)}/restart`,
        body: request.components?.length ? { components: [...request.components] } : {},
        errors: { notFound: 'APP_NOT_FOUND' },
        signal: options.signal,
      },
      DeploymentResponseSchema,
    );
    return res.deployment;
  }

  /** apps_get_instances: the running instances of the app's components. */
  async listInstances(appId: string, options: CallOptions = {}): Promise<Instance[]> {
    const res = await this.get('apps_get_instances', `/v2/apps/${enc(appId)}/instances`, InstancesResponseSchema, options, undefined, {
      notFound: 'APP_NOT_FOUND',
    });
    return res.instances;
  }

  /**
   * apps_get_exec_active_deployment, or apps_get_exec with a deployment: the console websocket URL of a component's
   * instance (the first one unless named). The URL carries a short-lived token: never log it.
   */
  async getExecUrl(
    appId: string,
    component: string,
    target: { instanceName?: string; deploymentId?: string } = {},
    options: CallOptions = {},
  ): Promise<string> {
    const app = `/v2/apps/${enc(appId)}`;
    const [operation, path] = target.deploymentId
      ? ['apps_get_exec', `${app}/deployments/${enc(target.deploymentId)}/components/${enc(component)}/exec`]
      : ['apps_get_exec_active_deployment', `${app}/components/${enc(component)}/exec`];
    const res = await this.get(operation, path, ExecUrlResponseSchema, options, { instance_name: target.instanceName }, {
      notFound: 'APP_NOT_FOUND',
    });
    return res.url;
  }

  // -- plumbing -----------------------------------------------------------------------------------------------

  private get<S extends z.ZodType>(
    operation: string,
    path: string,
    schema: S,
    options: CallOptions,
    query?: Record<string, QueryValue>,
    errors?: HttpRequest['errors'],
  ): Promise<z.output<S>> {
    return this.http.json({ operation, method: 'GET', path, query, errors, signal: options.signal }, schema);
  }

  private call<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.output<S>> {
    return this.http.json(req, schema);
  }

  private async allPages<P extends { links?: { pages?: { next?: string } }; meta: { total: number } }, T>(
    fetchPage: (page: number, perPage: number) => Promise<P>,
    items: (page: P) => T[],
    perPage = MAX_PER_PAGE,
  ): Promise<T[]> {
    const size = Math.min(MAX_PER_PAGE, Math.max(1, Math.floor(perPage)));
    const out: T[] = [];
    for (let page = 1; page <= MAX_PAGES; ) {
      const p = await fetchPage(page, size);
      const got = items(p);
      out.push(...got);
      const next = nextPageNumber(p.links?.pages?.next);
      if (next !== undefined) {
        if (next <= page) break; // a link that goes backwards would loop forever
        page = next;
        continue;
      }
      // No next link: count pages (some servers omit links); stop on a short page or once meta.total is reached.
      if (got.length === 0 || got.length < size || out.length >= p.meta.total) break;
      page++;
    }
    return out;
  }
}
