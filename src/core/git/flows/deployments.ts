import type { StatusStore } from '../../status/statusStore';
import type { SkillDeployment } from '../../status/schema';

export type { SkillDeployment };

/** Where merge reads a skill's latest deployment from; the deploy pipeline records deployments in the status file. */
export interface DeploymentSource {
  /** The skill's latest deployment on `target` (any target when not given), or undefined when it has none. */
  latest(skill: string, options?: { readonly target?: string; readonly signal?: AbortSignal }): Promise<SkillDeployment | undefined>;
}

/** Reads deployments from the status file (`<git-common-dir>/odoobo/status.json`). */
export class StatusFileDeploymentSource implements DeploymentSource {
  constructor(private readonly store: StatusStore) {}

  async latest(
    skill: string,
    options: { readonly target?: string; readonly signal?: AbortSignal } = {},
  ): Promise<SkillDeployment | undefined> {
    const s = await this.store.skill(skill, { signal: options.signal });
    if (!s) return undefined;
    if (options.target === undefined) return s.lastDeployment;
    return s.deployments?.[options.target] ?? (s.lastDeployment?.target === options.target ? s.lastDeployment : undefined);
  }
}
