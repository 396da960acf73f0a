import type { StatusStore } from '../../status/statusStore';
import { skillEnvStatus, type SkillDeployment } from '../../status/schema';

export type { SkillDeployment };

/** Where merge reads a skill's latest deployment from; the deploy pipeline records deployments in the status file. */
export interface DeploymentSource {
  /**
   * The skill's latest deployment on `target` (any target when not given) in `environment` (default: the default
   * environment's, the status file's top level), or undefined when it has none.
   */
  latest(skill: string, options?: LatestOptions): Promise<SkillDeployment | undefined>;
}

export interface LatestOptions {
  readonly target?: string;
  readonly signal?: AbortSignal;
  readonly environment?: { readonly name: string; readonly defaultName: string };
}

/** Reads deployments from the status file (`<git-common-dir>/odoobo/status.json`). */
export class StatusFileDeploymentSource implements DeploymentSource {
  constructor(private readonly store: StatusStore) {}

  async latest(skill: string, options: LatestOptions = {}): Promise<SkillDeployment | undefined> {
    const status = await this.store.skill(skill, { signal: options.signal });
    if (!status) return undefined;
    const env = options.environment;
    const s = env ? skillEnvStatus(status, env.name, env.defaultName) : status;
    if (options.target === undefined) return s.lastDeployment;
    return s.deployments?.[options.target] ?? (s.lastDeployment?.target === options.target ? s.lastDeployment : undefined);
  }
}
