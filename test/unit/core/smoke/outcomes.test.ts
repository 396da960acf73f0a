/** A smoke-suite result mapped to what the Testing API reports per check (src/core/smoke/outcomes.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SMOKE_CHECKS, SMOKE_MITIGATIONS, smokeOutcomes, type SmokeCheck, type SmokeResult } from '../../../../src/core/smoke';

const check = (name: SmokeCheck['name'], over: Partial<SmokeCheck> = {}): SmokeCheck => ({ name, status: 'passed', durationMs: 12, message: `${name} ok`, ...over });
const result = (checks: SmokeCheck[]): SmokeResult => ({ skill: 'pr-review', baseUrl: 'http://127.0.0.1:1', passed: checks.every((c) => c.status === 'passed'), checks, durationMs: 40 });

describe('smokeOutcomes', () => {
  it('one passed outcome per check of the suite, with its duration and message', () => {
    const outcomes = smokeOutcomes(result(SMOKE_CHECKS.map((n) => check(n))));
    assert.deepEqual(outcomes.map((o) => [o.check, o.state, o.durationMs, o.message]), SMOKE_CHECKS.map((n) => [n, 'passed', 12, `${n} ok`]));
  });

  it('a wrong answer fails, no answer errors (both with code and mitigation), a missing check is skipped', () => {
    const outcomes = smokeOutcomes(
      result([
        check('health', { status: 'failed', code: 'HEALTH_CHECK_FAIL', message: 'GET /health answered 500', mitigation: SMOKE_MITIGATIONS.HEALTH_CHECK_FAIL }),
        check('docs', { status: 'error', durationMs: 10_000, code: 'DOCS_MISSING', message: 'no answer within 10000 ms', mitigation: SMOKE_MITIGATIONS.DOCS_MISSING }),
      ]),
      ['health', 'docs', 'metadata'],
    );
    assert.deepEqual(outcomes, [
      { check: 'health', state: 'failed', durationMs: 12, message: `HEALTH_CHECK_FAIL: GET /health answered 500\n${SMOKE_MITIGATIONS.HEALTH_CHECK_FAIL}` },
      { check: 'docs', state: 'errored', durationMs: 10_000, message: `DOCS_MISSING: no answer within 10000 ms\n${SMOKE_MITIGATIONS.DOCS_MISSING}` },
      { check: 'metadata', state: 'skipped', message: 'metadata was not part of this run.' },
    ]);
  });
});
