import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { deploymentDurationMs, settledAt } from '../../../../src/core/deploy/appHistory';
import { DeploymentSchema, type Deployment, type DeploymentProgressStep } from '../../../../src/core/do';
import { historyEntry } from '../../../../src/vscode/dashboard/model';
import { REPO_DIR } from '../../../builders/paths';

// DigitalOcean's own example deployment (GET /v2/apps/{id}/deployments/{id}), vendored with the OpenAPI description.
const EXAMPLE = path.join(REPO_DIR, 'vendor', 'do-openapi', 'examples', 'responses', 'GET_deployment.json');
const example = (): Deployment => (JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { deployment: Deployment }).deployment;

const CREATED = '2026-11-20T10:00:00Z';
const at = (s: number): string => new Date(Date.parse(CREATED) + s * 1000).toISOString();

/** Every step SUCCESS, leaf `i` running from `i` s to `i + 1` s after creation: the last one ends at `leaves` s. */
function finished(steps: DeploymentProgressStep[] | undefined, clock = { s: 0 }): DeploymentProgressStep[] {
  return (steps ?? []).map((st) => {
    if (st.steps?.length) {
      const start = clock.s;
      const kids = finished(st.steps, clock);
      return { ...st, status: 'SUCCESS', steps: kids, started_at: at(start), ended_at: at(clock.s) };
    }
    const start = clock.s++;
    return { ...st, status: 'SUCCESS', started_at: at(start), ended_at: at(clock.s) };
  });
}

/** The example as it reads after it went live at +6 s, and (when superseded) after a newer one replaced it at +283 s. */
function settled(phase: 'ACTIVE' | 'SUPERSEDED'): Deployment {
  const d = example();
  const steps = finished(d.progress?.steps);
  const last = phase === 'ACTIVE' ? at(6) : at(283);
  const times = { created_at: CREATED, updated_at: last, phase_last_updated_at: last };
  return DeploymentSchema.parse({ ...d, phase, ...times, progress: { ...d.progress, steps } });
}

describe('deployment durations (created → live, by App Platform timestamps)', () => {
  it('reads the example as DigitalOcean sends it: in flight, with year-1 phase_last_updated_at, has no duration', () => {
    const d = example();
    assert.equal(d.phase, 'PENDING_BUILD');
    assert.equal(d.phase_last_updated_at, '0001-01-01T00:00:00Z');
    assert.equal(deploymentDurationMs(d), undefined);
  });

  it('an ACTIVE deployment took until its phase changed to ACTIVE', () => {
    assert.equal(deploymentDurationMs(settled('ACTIVE')), 6_000);
  });

  it('a SUPERSEDED deployment keeps the duration it had when it went live, not until it was superseded', () => {
    const d = settled('SUPERSEDED');
    assert.equal(Date.parse(d.phase_last_updated_at!) - Date.parse(d.created_at!), 283_000, 'the bug: 4 min 43 s');
    assert.equal(settledAt(d), Date.parse(at(6)));
    assert.equal(deploymentDurationMs(d), 6_000);
    assert.equal(historyEntry(d).durationMs, 6_000, 'the dashboard history says the same');
  });

  it('a SUPERSEDED deployment without step times has no duration rather than a wrong one', () => {
    const d = { ...settled('SUPERSEDED'), progress: example().progress };
    assert.equal(deploymentDurationMs(d), undefined);
  });

  it('an ERROR or CANCELED deployment took until its phase changed; year-1 times fall back to the steps', () => {
    const failed = { ...settled('ACTIVE'), phase: 'ERROR' as const, phase_last_updated_at: at(3) };
    assert.equal(deploymentDurationMs(failed), 3_000);
    const canceled = { ...settled('ACTIVE'), phase: 'CANCELED' as const, phase_last_updated_at: '0001-01-01T00:00:00Z' };
    assert.equal(deploymentDurationMs(canceled), 6_000);
  });
});
