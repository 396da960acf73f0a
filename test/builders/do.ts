/** Small builders of App Platform data (apps, deployments with consistent progress trees) for the DO client tests. */
import type { App, AppSpec, Deployment, DeploymentPhase, DeploymentProgressStep, StepStatus } from '../../src/core/do/schemas';

export function specFor(name: string, overrides: Partial<AppSpec> = {}): AppSpec {
  return {
    name,
    region: 'fra',
    services: [
      {
        name,
        github: { repo: 'odoobo/odoobo-skills', branch: `skill/${name}`, deploy_on_push: false },
        source_dir: `skills/${name}`,
        environment_slug: 'python',
        run_command: 'uvicorn main:app --host 0.0.0.0 --port ${PORT:-8080}',
        http_port: 8080,
        instance_count: 1,
        instance_size_slug: 'apps-s-1vcpu-0.5gb',
      },
    ],
    ...overrides,
  };
}

export function appFor(name: string, overrides: Partial<App> = {}): App {
  return {
    id: `app-${name}`,
    spec: specFor(name),
    default_ingress: `https://${name}-abc12.ondigitalocean.app`,
    created_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export interface DeploymentFixture {
  id?: string;
  phase: DeploymentPhase;
  component?: string;
  /** With phase ERROR: which stage failed (default build). */
  failIn?: 'build' | 'deploy';
  reason?: { code: string; message: string };
}

type Leaf = 'build.initialize' | 'build.web' | 'deploy.initialize' | 'deploy.web.deploy' | 'deploy.web.wait' | 'deploy.finalize';
const LEAVES: Leaf[] = ['build.initialize', 'build.web', 'deploy.initialize', 'deploy.web.deploy', 'deploy.web.wait', 'deploy.finalize'];

/** How far each phase has got, as the index of the first leaf not yet succeeded. */
const REACHED: Record<DeploymentPhase, number> = {
  UNKNOWN: 0, PENDING_BUILD: 0, BUILDING: 1, PENDING_DEPLOY: 2, DEPLOYING: 3, ACTIVE: 6, SUPERSEDED: 6, ERROR: 0, CANCELED: 1,
};

/**
 * A deployment of one service whose progress tree (the shape DigitalOcean sends, see GET_deployment.json) and
 * counters agree with its phase.
 */
export function deploymentAt(f: DeploymentFixture): Deployment {
  const component = f.component ?? 'web';
  const status = new Map<Leaf, StepStatus>();
  const reached = f.phase === 'ERROR' ? (f.failIn === 'deploy' ? 3 : 1) : REACHED[f.phase];
  LEAVES.forEach((leaf, i) => {
    if (i < reached) status.set(leaf, 'SUCCESS');
    else if (i === reached && f.phase === 'ERROR') status.set(leaf, 'ERROR');
    else if (i === reached && (f.phase === 'BUILDING' || f.phase === 'DEPLOYING')) status.set(leaf, 'RUNNING');
    else status.set(leaf, 'PENDING');
  });
  const leaf = (key: Leaf, name: string, extra: Partial<DeploymentProgressStep> = {}): DeploymentProgressStep => {
    const s: DeploymentProgressStep = { name, status: status.get(key), ...extra };
    if (s.status === 'ERROR') s.reason = f.reason ?? { code: 'BuildJobFailed', message: 'pip install exited with code 1' };
    return s;
  };
  const parent = (name: string, steps: DeploymentProgressStep[], extra: Partial<DeploymentProgressStep> = {}): DeploymentProgressStep => {
    const all = steps.map((s) => s.status);
    const st: StepStatus = all.includes('ERROR') ? 'ERROR' : all.every((x) => x === 'SUCCESS') ? 'SUCCESS' : all.some((x) => x !== 'PENDING') ? 'RUNNING' : 'PENDING';
    return { name, status: st, steps, ...extra };
  };
  const steps = [
    parent('build', [
      leaf('build.initialize', 'initialize'),
      parent('components', [leaf('build.web', component, { component_name: component, message_base: 'Building service' })]),
    ]),
    parent('deploy', [
      leaf('deploy.initialize', 'initialize'),
      parent('components', [
        parent(component, [
          leaf('deploy.web.deploy', 'deploy', { component_name: component, message_base: 'Deploying service' }),
          leaf('deploy.web.wait', 'wait', { component_name: component, message_base: 'Waiting for service' }),
        ], { component_name: component }),
      ]),
      leaf('deploy.finalize', 'finalize'),
    ]),
  ];
  const count = (s: StepStatus) => [...status.values()].filter((x) => x === s).length;
  return {
    id: f.id ?? 'dep-1',
    phase: f.phase,
    cause: 'manual',
    created_at: '2026-01-01T00:00:00Z',
    services: [{ name: component, source_commit_hash: '9a4df0b8e161e323bc3cdf1dc71878080fe144fa' }],
    progress: {
      pending_steps: count('PENDING'),
      running_steps: count('RUNNING'),
      success_steps: count('SUCCESS'),
      error_steps: count('ERROR'),
      skipped_steps: 0,
      total_steps: LEAVES.length,
      steps,
    },
  };
}

/**
 * A manual clock for the client's backoff sleeps, budget and polling. `advance(ms)` moves time and wakes due
 * sleepers; with `autoAdvance` every sleep returns at once after moving time, and `sleeps` records what was asked.
 */
export class FakeClock {
  readonly sleeps: number[] = [];
  private readonly timers: Array<{ at: number; resolve: () => void }> = [];

  constructor(
    public t = Date.UTC(2026, 0, 1, 12, 0, 0),
    private readonly autoAdvance = false,
  ) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.autoAdvance) {
      this.t += ms;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = { at: this.t + ms, resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      const onAbort = () => {
        this.timers.splice(this.timers.indexOf(timer), 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Sleepers waiting now. */
  get pending(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at);
    for (const d of due) {
      this.timers.splice(this.timers.indexOf(d), 1);
      d.resolve();
    }
  }
}
