/**
 * Many skills at once: a deploy plan runs skills in parallel under a concurrency cap, on ONE client (one request
 * budget) and one session (coalesced reads, shared poll timings), with stop-on-first-failure or carry-on.
 */
import { setMaxListeners } from 'node:events';
import { DeployError } from './errors';
import { runDeploy } from './pipeline';
import { DEFAULT_CONCURRENCY } from './run';
import { DeploySession } from './session';
import type { DeployPlanOptions, DeployResult, DeploySkillOptions, PlanResult } from './types';

/** Deploys one skill (steps 1–9, rollback when needed). Never throws: a failure is in the result. */
export function deploySkill(options: DeploySkillOptions): Promise<DeployResult> {
  const session = new DeploySession(options);
  session.warm([options.skill]);
  return runDeploy(session, options.skill, { source: options.source, forceBuild: options.forceBuild, signal: options.signal });
}

/**
 * Deploys the chosen skills, at most `concurrency` at a time. With `failFast`, the first failure stops the plan: no new
 * skill starts and the deployments in flight are canceled on the server. Aborting `signal` does the same.
 */
export async function planDeploy(options: DeployPlanOptions): Promise<PlanResult> {
  const started = Date.now();
  const skills = [...new Set(options.skills)];
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const session = new DeploySession(options);
  session.warm(skills);
  const stop = new AbortController();
  // Every in-flight step listens to the plan's signal: many at once is expected, not a leak.
  setMaxListeners(0, stop.signal);
  let stoppedBy: string | undefined;
  const onAbort = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  options.onPlanEvent?.({ type: 'plan-started', skills, concurrency, at: Date.now() });

  const results = new Array<DeployResult>(skills.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < skills.length) {
      const i = next++;
      const skill = skills[i];
      if (stop.signal.aborted) {
        results[i] = notStarted(session, skill, stoppedBy);
        session.emit({ type: 'deploy-finished', skill, result: results[i], at: Date.now() });
        continue;
      }
      const source = typeof options.source === 'function' ? options.source(skill) : options.source;
      const r = await runDeploy(session, skill, { signal: stop.signal, source, forceBuild: options.forceBuild });
      results[i] = r;
      if (options.failFast && (r.status === 'failed' || r.status === 'rolled-back') && !stop.signal.aborted) {
        stoppedBy = skill;
        stop.abort(new Error(`failFast: ${skill} failed`));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, skills.length)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (stoppedBy) {
    for (const r of results) {
      if (r.status === 'canceled' && r.error && !r.error.message.includes('plan stopped')) {
        r.error.message += ` (the plan stopped because ${stoppedBy} failed)`;
      }
    }
  }
  const result: PlanResult = {
    results,
    succeeded: results.filter((r) => r.status === 'succeeded').length,
    failed: results.filter((r) => r.status === 'failed' || r.status === 'rolled-back').length,
    rolledBack: results.filter((r) => r.status === 'rolled-back').length,
    canceled: results.filter((r) => r.status === 'canceled').length,
    durationMs: Date.now() - started,
  };
  options.onPlanEvent?.({ type: 'plan-finished', result, at: Date.now() });
  return result;
}

function notStarted(session: DeploySession, skill: string, stoppedBy: string | undefined): DeployResult {
  const why = stoppedBy ? `not started: the plan stopped because ${stoppedBy} failed` : 'not started: the plan was canceled';
  const e = new DeployError('DEPLOY_CANCELED', `${skill}: ${why}.`, { step: 'lock' });
  return { skill, status: 'canceled', target: session.target, steps: [], error: e.toJSON(), warnings: [], durationMs: 0 };
}
