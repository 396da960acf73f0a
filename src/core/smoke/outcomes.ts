/** A smoke-suite result as a test UI reports it: one outcome per check, with its duration and message. */
import { SMOKE_CHECKS, type SmokeCheck, type SmokeCheckName, type SmokeResult } from './runSmokeSuite';

/** `errored`: the check got no answer (network, timeout), as opposed to a wrong answer (`failed`). */
export type SmokeOutcomeState = 'passed' | 'failed' | 'errored' | 'skipped';

export interface SmokeOutcome {
  readonly check: SmokeCheckName;
  readonly state: SmokeOutcomeState;
  readonly durationMs?: number;
  /** The check's message; for a check that did not pass, its code first and the mitigation last. */
  readonly message: string;
}

/** `HEALTH_CHECK_FAIL: GET /health answered 500` and, on the next line, what to do about it. */
export function describeSmokeCheck(check: SmokeCheck): string {
  if (check.status === 'passed') return check.message;
  return [check.code ? `${check.code}: ${check.message}` : check.message, check.mitigation].filter(Boolean).join('\n');
}

/** One outcome for each of `checks` (default: every check of the suite); a check the result lacks is skipped. */
export function smokeOutcomes(result: SmokeResult, checks: readonly SmokeCheckName[] = SMOKE_CHECKS): SmokeOutcome[] {
  return checks.map((name) => {
    const c = result.checks.find((x) => x.name === name);
    if (!c) return { check: name, state: 'skipped', message: `${name} was not part of this run.` };
    const state: SmokeOutcomeState = c.status === 'passed' ? 'passed' : c.status === 'failed' ? 'failed' : 'errored';
    return { check: name, state, durationMs: c.durationMs, message: describeSmokeCheck(c) };
  });
}
