/** What the status file says of each environment on a target: how many skills serve, failed, or were never deployed there. */
import type { Environments } from '../environments/config';
import { skillEnvStatus, type StatusFile } from './schema';

export interface EnvironmentCount {
  readonly environment: string;
  /** Skills whose last deployment there is ACTIVE. */
  readonly serving: number;
  /** Skills whose last deploy there did not go live (some of them may still serve the previous deployment). */
  readonly failed: number;
  readonly notDeployed: number;
}

/** One line per environment, in declared order. */
export function countByEnvironment(file: StatusFile, envs: Environments, target: string): EnvironmentCount[] {
  const skills = Object.values(file.skills ?? {});
  return envs.list.map((env) => {
    let serving = 0;
    let failed = 0;
    let notDeployed = 0;
    for (const status of skills) {
      const s = skillEnvStatus(status, env.name, envs.defaultName);
      const d = s.deployments?.[target] ?? (s.lastDeployment?.target === target ? s.lastDeployment : undefined);
      const attempt = s.lastDeployAttempt?.target === target ? s.lastDeployAttempt : undefined;
      const attemptNewer = attempt && (!d || Date.parse(attempt.at) > Date.parse(d.deployedAt));
      if (attemptNewer) failed++;
      else if (d?.phase === 'ACTIVE') serving++;
      else if (d) failed++;
      else notDeployed++;
    }
    return { environment: env.name, serving, failed, notDeployed };
  });
}

/** `staging: 4 serving · 1 failed` — the status bar's tooltip lines. */
export function formatEnvironmentCounts(counts: readonly EnvironmentCount[]): string[] {
  return counts.map((c) => {
    const parts = [`${c.serving} serving`];
    if (c.failed) parts.push(`${c.failed} failed`);
    if (c.notDeployed) parts.push(`${c.notDeployed} not deployed`);
    return `${c.environment}: ${parts.join(' · ')}`;
  });
}
