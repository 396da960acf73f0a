/**
 * The deployment procedure for ONE skill, as its steps (steps/): prepare → validate → apply → create → monitor →
 * health → traffic → post-deploy, each taking what the one before produced, then record. A step that fails ends the
 * run as outcomes.ts says: before ACTIVE the previous deployment keeps serving (verified); after ACTIVE it is rolled
 * back to. Adding a step: a file in steps/, its name in DEPLOY_STEPS (stepNames.ts), an entry below, a test.
 */
import { skillNameProblem } from '../skills/names';
import { DeployError, toDeployError } from './errors';
import { acquireDeployLock, type DeployLock } from './locks';
import { Ending, notStarted, resultOf, succeeded } from './outcomes';
import { DeployRun, type RunOptions } from './run';
import type { DeploySession } from './session';
import { apply } from './steps/apply';
import { create } from './steps/create';
import { health } from './steps/health';
import { StepList } from './steps/list';
import { monitor } from './steps/monitor';
import { postDeploy } from './steps/postDeploy';
import { prepare } from './steps/prepare';
import { record } from './steps/record';
import { traffic } from './steps/traffic';
import { validate } from './steps/validate';
import type { Created, Live } from './steps/values';
import type { DeployResult } from './types';

/** Steps 1–4: up to the deployment that exists on App Platform. */
export const UNTIL_CREATED = StepList.start<undefined>().then(prepare).then(validate).then(apply).then(create);

/** Steps 5–8: from an existing deployment (also where a resumed one enters) until it serves and passed its checks. */
export const FROM_CREATED = StepList.start<Created>().then(monitor).then(health).then(traffic).then(postDeploy);

/** Steps 1–8; step 9, record, ends every run whichever way it ended. */
export const DEPLOY_PIPELINE = UNTIL_CREATED.concat(FROM_CREATED);

/** Deploys one skill under its deploy lock; never throws (a failure is in the result). */
export async function runDeploy(session: DeploySession, skillName: string, options: RunOptions = {}): Promise<DeployResult> {
  const run = new DeployRun(session, skillName, options);
  // Every event carries the environment (one file read per session); a failure to resolve it fails the lock step.
  await session.environment().catch(() => undefined);
  session.emit({ type: 'deploy-started', skill: skillName, at: Date.now() });
  let lock: DeployLock | undefined;
  let result: DeployResult;
  try {
    lock = await run.step('lock', async () => {
      const problem = skillNameProblem(skillName);
      if (problem) {
        throw new DeployError('SKILL_NOT_FOUND', `${JSON.stringify(skillName)} is not a valid skill name: ${problem}.`, { step: 'lock' });
      }
      const { scope } = await session.environment();
      return acquireDeployLock(await session.commonDir(), skillName, {
        purpose: `deploy ${skillName} to ${session.target}${scope.isDefault ? '' : ` (${scope.name})`}`,
        whenBusy: session.options.whenBusy ?? 'refuse',
        busyTimeoutMs: session.options.busyTimeoutMs,
        signal: options.signal,
      });
    });
    result = await finish(run, await DEPLOY_PIPELINE.run(run, undefined));
  } catch (e) {
    result = resultOf(run, notStarted(run, toDeployError(e, 'lock')));
  } finally {
    await lock?.release().catch(() => undefined);
  }
  session.emit({ type: 'deploy-finished', skill: skillName, result, at: Date.now() });
  return result;
}

/** Steps 5–9 for a deployment another process created (resumeInFlight); throws only what no step expected. */
export async function resumeDeployment(run: DeployRun, created: Created): Promise<DeployResult> {
  return finish(run, await FROM_CREATED.run(run, created));
}

/** Step 9 for however the steps ended. */
function finish(run: DeployRun, end: Ending | Live): Promise<DeployResult> {
  return record(run, end instanceof Ending ? end : succeeded(end));
}
