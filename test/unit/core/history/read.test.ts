import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadHistory } from '../../../../src/core/history/read';
import { HistoryStore } from '../../../../src/core/history/store';
import { StatusStore } from '../../../../src/core/status/statusStore';
import { entryFor } from '../../../builders/historyWriter';
import { deploymentFor } from '../../../builders/gitFlows';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-history-read-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

/** A status file as versions before the history wrote it: deployments per target, a failed attempt, incidents. */
async function oldStatusFile(commonDir: string): Promise<void> {
  const store = new StatusStore(commonDir);
  const a = 'a'.repeat(40);
  await store.recordDeployment('alpha', deploymentFor('alpha', a, { deployedAt: '2026-01-02T10:00:00.000Z', durationMs: 90_000 }));
  const onDo = { target: 'digitalocean', deploymentId: 'do-1', deployedAt: '2026-01-03T10:00:00.000Z' };
  await store.recordDeployment('alpha', deploymentFor('alpha', a, onDo));
  await store.updateSkill('beta', (s) => {
    const at = '2026-01-04T10:00:00.000Z';
    s.lastDeployAttempt = { target: 'local', status: 'failed', code: 'BUILD_FAILED', step: 'monitor', message: 'pip failed', at };
    (s as Record<string, unknown>).incidents = [{
      target: 'local', appId: 'app-b', failedDeploymentId: 'dep-9', cause: { code: 'HEALTH_CHECK_FAILED', step: 'health', message: '503' },
      restoredDeploymentId: 'dep-8', rollbackDeploymentId: 'dep-10', rollback: 'succeeded', at: '2026-01-01T09:00:00.000Z',
    }];
  });
}

describe('loadHistory', () => {
  it('reads a repository that has only an old status file as the history of its last deployments', async () => {
    const commonDir = await fs.mkdtemp(path.join(dir, 'git-'));
    await oldStatusFile(commonDir);
    const { records, skipped, statusProblem } = await loadHistory(commonDir, 'staging');
    assert.equal(skipped, 0);
    assert.equal(statusProblem, undefined);
    assert.deepEqual(
      records.map((r) => [r.skill, r.environment, r.target, r.outcome, r.code ?? null, r.durationMs ?? null, r.fromStatusFile]),
      [
        ['beta', 'staging', 'local', 'rolled-back', 'HEALTH_CHECK_FAILED', null, true],
        ['alpha', 'staging', 'local', 'succeeded', null, 90_000, true],
        ['alpha', 'staging', 'digitalocean', 'succeeded', null, null, true],
        ['beta', 'staging', 'local', 'failed', 'BUILD_FAILED', null, true],
      ],
    );
    const incident = records[0];
    assert.deepEqual(incident.rollback, {
      trigger: 'automatic', status: 'succeeded', fromDeploymentId: 'dep-9', toDeploymentId: 'dep-8', rollbackDeploymentId: 'dep-10',
    });
  });

  it('reads per-environment entries of the newer status layout', async () => {
    const commonDir = await fs.mkdtemp(path.join(dir, 'git-'));
    const store = new StatusStore(commonDir);
    const d = deploymentFor('alpha', 'b'.repeat(40), { deployedAt: '2026-02-01T00:00:00.000Z' });
    await store.updateSkill('alpha', (s) => {
      s.lastDeployment = d;
      (s as Record<string, unknown>).environments = { production: { lastDeployment: d } };
    });
    const { records } = await loadHistory(commonDir, 'staging');
    assert.deepEqual(records.map((r) => [r.skill, r.environment]), [['alpha', 'production']]);
  });

  it('prefers history lines: a skill with any line is not read from the status file again', async () => {
    const commonDir = await fs.mkdtemp(path.join(dir, 'git-'));
    await oldStatusFile(commonDir);
    await new HistoryStore(commonDir).append(entryFor('alpha', 1));
    const { records } = await loadHistory(commonDir, 'staging');
    assert.deepEqual(records.filter((r) => r.skill === 'alpha').map((r) => r.fromStatusFile ?? false), [false]);
    assert.equal(records.filter((r) => r.skill === 'beta').length, 2);
  });
});
