import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../api/errors';
import { tierOf } from '../catalog/catalog';
import { DEFAULT_REVISION_LIMIT } from '../config';
import type { PlatformContext } from '../context';
import { abandonSteps, initialSteps } from '../deploy/progress';
import { validateRollback, type RollbackValidation } from '../deploy/rollbackValidation';
import type { DeploymentRunner } from '../deploy/runner';
import { CANCELED } from '../deploy/stepFailure';
import { componentsOf, firstComponentName, type AppSpec } from '../spec/appSpec';
import { isInFlight, type AppRecord, type DeploymentKind, type DeploymentRecord } from '../state/model';
import { now } from '../util/abort';

/** What a new deployment carries beyond its spec: a rollback's or revert's origin and commits, a forced build. */
interface DeploymentExtras {
  clonedFrom?: string;
  pinnedCommits?: Record<string, string>;
  forceBuild?: boolean;
}

/** The API's deployment operations: create, cancel, rollback (validate, pin, commit, revert). */
export class Deployments {
  constructor(private readonly ctx: PlatformContext, private readonly runner: DeploymentRunner) {}

  get(app: AppRecord, deploymentId: string): DeploymentRecord {
    const dep = app.deployments.find((d) => d.id === deploymentId);
    if (!dep) throw notFound();
    return dep;
  }

  /** Newest first. */
  list(app: AppRecord): DeploymentRecord[] {
    return [...app.deployments].reverse();
  }

  refuseWhilePinned(app: AppRecord): void {
    if (app.pinnedDeploymentId) {
      throw conflict(
        `the app is pinned to deployment ${app.pinnedDeploymentId} by a rollback, which prevents new deployments; `
          + 'commit or revert the rollback first',
      );
    }
  }

  create(app: AppRecord, forceBuild: boolean): DeploymentRecord {
    this.refuseWhilePinned(app);
    return this.queue(app, app.spec, forceBuild ? 'manual (force build)' : 'manual', 'deploy', { forceBuild });
  }

  /** Records a deployment as PENDING_BUILD and starts it when the app has none running. */
  queue(app: AppRecord, spec: AppSpec, cause: string, kind: DeploymentKind, extra: DeploymentExtras = {}): DeploymentRecord {
    const t = now();
    const components = componentsOf(spec);
    const dep: DeploymentRecord = {
      id: randomUUID(),
      spec: structuredClone(spec),
      cause,
      kind,
      ...(extra.clonedFrom ? { clonedFrom: extra.clonedFrom } : {}),
      ...(extra.pinnedCommits ? { pinnedCommits: { ...extra.pinnedCommits } } : {}),
      ...(extra.forceBuild ? { forceBuild: true } : {}),
      phase: 'PENDING_BUILD',
      phaseLastUpdatedAt: t,
      createdAt: t,
      updatedAt: t,
      steps: initialSteps(components),
      commits: {},
      tierSlug: tierOf(components.map((c) => c.spec.instance_size_slug)),
    };
    app.deployments.push(dep);
    this.ctx.logs.created(dep.id);
    void this.ctx.persist(app);
    this.runner.kick(app);
    return dep;
  }

  async cancel(app: AppRecord, dep: DeploymentRecord): Promise<DeploymentRecord> {
    if (!isInFlight(dep.phase)) throw conflict(`deployment ${dep.id} is ${dep.phase} and cannot be canceled`);
    if (!(await this.runner.cancelRunning(app, dep))) {
      abandonSteps(dep.steps, CANCELED);
      this.ctx.logs.append(dep.id, 'DEPLOY', firstComponentName(dep.spec, app.spec.name), 'deployment canceled before it started');
      this.ctx.setPhase(app, dep, 'CANCELED');
    }
    return dep;
  }

  // ── rollback ───────────────────────────────────────

  validateRollback(app: AppRecord, deploymentId: unknown): RollbackValidation {
    if (typeof deploymentId !== 'string' || deploymentId === '') throw badRequest('deployment_id is required');
    const target = this.get(app, deploymentId);
    const limit = this.ctx.options.revisionLimit ?? DEFAULT_REVISION_LIMIT;
    return validateRollback(app, target, limit, tierOf(componentsOf(app.spec).map((c) => c.spec.instance_size_slug)));
  }

  rollback(app: AppRecord, deploymentId: unknown, skipPin: boolean): DeploymentRecord {
    const v = this.validateRollback(app, deploymentId);
    if (!v.valid && v.error) {
      throw v.error.code === 'app_pinned' ? conflict(v.error.message) : badRequest(`${v.error.code}: ${v.error.message}`);
    }
    const target = this.get(app, deploymentId as string);
    const base = { deploymentId: app.activeDeploymentId, spec: app.spec };
    const dep = this.queue(app, target.spec, `rollback to deployment ${target.id}`, 'rollback', {
      clonedFrom: target.id,
      pinnedCommits: target.commits,
    });
    app.spec = structuredClone(target.spec);
    app.updatedAt = now();
    if (!skipPin) {
      app.rollbackBase = base;
      app.pinnedDeploymentId = dep.id;
    }
    void this.ctx.persist(app);
    return dep;
  }

  commitRollback(app: AppRecord): void {
    if (!app.pinnedDeploymentId) throw conflict('the app has no rollback to commit (it is not pinned)');
    app.pinnedDeploymentId = undefined;
    app.rollbackBase = undefined;
    void this.ctx.persist(app);
  }

  revertRollback(app: AppRecord): DeploymentRecord {
    if (!app.pinnedDeploymentId || !app.rollbackBase) throw conflict('the app has no rollback to revert (it is not pinned)');
    const base = app.rollbackBase;
    const rollbackId = app.pinnedDeploymentId;
    const before = base.deploymentId ? app.deployments.find((d) => d.id === base.deploymentId) : undefined;
    app.pinnedDeploymentId = undefined;
    app.rollbackBase = undefined;
    app.spec = structuredClone(base.spec);
    app.updatedAt = now();
    const extra = before ? { clonedFrom: before.id, pinnedCommits: before.commits } : {};
    return this.queue(app, base.spec, `revert of the rollback ${rollbackId}`, 'revert', extra);
  }
}
