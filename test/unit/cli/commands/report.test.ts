/** `odoobo report` on a real repository whose history holds a constructed set of deployments. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { HistoryStore } from '../../../../src/core/history/store';
import { entryFor } from '../../../builders/historyWriter';
import { RepoFixture } from '../../../builders/repo';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const MIN = 60_000;
const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe('odoobo report', () => {
  let repo: RepoFixture;
  before(async () => {
    repo = await RepoFixture.create({ prefix: 'odoobo-report-' });
    const store = new HistoryStore(path.join(repo.dir, '.git'));
    // alpha: 9 successes of 4 min and one of 12 min (slow), 1 rollback; beta in production: 2 deploys, 1 failed
    for (let i = 0; i < 9; i++) await store.append({ ...entryFor('alpha', i), at: ago(20 - i), durationMs: 4 * MIN });
    const monitor = [{ name: 'monitor', status: 'succeeded', durationMs: 9 * MIN }];
    await store.append({ ...entryFor('alpha', 9), at: ago(5), durationMs: 12 * MIN, steps: monitor });
    await store.append({
      ...entryFor('alpha', 10), at: ago(4), outcome: 'rolled-back', code: 'HEALTH_CHECK_FAIL',
      rollback: { trigger: 'automatic', status: 'succeeded' },
    });
    await store.append({ ...entryFor('beta', 0), environment: 'production', at: ago(3), outcome: 'failed', code: 'BUILD_FAILED' });
    await store.append({ ...entryFor('beta', 1), environment: 'production', at: ago(2), durationMs: 3 * MIN });
    // outside the default 30-day window
    await store.append({ ...entryFor('gamma', 0), at: ago(40) });
  });
  after(() => repo?.remove());

  it('prints the success metrics per environment and skill, the stage table and the slow deployments', async () => {
    const r = await cli(['report', '-C', repo.dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Deployments from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(30 d\), all environments$/m);
    // 11 of 13 succeeded (15.4 % failed: critical), 1 rollback of 13 (7.7 %: critical); times of the 11 successes:
    // 3, 4 ×9, 12 min: median and p90 (the 10th) 4 min; MTTR: beta failed, then succeeded a day later
    assert.match(r.out, /^overall +13 +84\.6 % ✗ +7\.7 % ✗ +4 min +4 min +24 h 2 min +0\.43 +critical$/m);
    assert.match(r.out, /^env production +2 +50 % ✗ +0 % +3 min +3 min +24 h 2 min +0\.07 +critical$/m);
    assert.match(r.out, /^alpha +11 +90\.9 % ✗ +9\.1 % ✗ +4 min +4 min +— +0\.37 +critical$/m);
    assert.match(r.out, /^build & deploy +< 8 min +9 min ! +1$/m);
    assert.match(r.out, /^Slow deployments$/m);
    assert.match(r.out, /^alpha +staging +\S+ \S+ +12 min ! +build & deploy 9 min \(< 8 min\)$/m);
    assert.doesNotMatch(r.out, /gamma/);
  });

  it('--format markdown: tables for a CI job summary; --env keeps one environment', async () => {
    const r = await cli(['report', '-C', repo.dir, '--format', 'markdown', '--env', 'production']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^## Deployments from .* environment production$/m);
    assert.match(r.out, /^\|   \| deploys \| success \| rollbacks \| median \| p90 \| MTTR \| per day \| level \|$/m);
    assert.match(r.out, /^\|---\|---:\|---:\|---:\|---:\|---:\|---:\|---:\|---\|$/m);
    assert.match(r.out, /^\| overall \| 2 \| 50 % ❌ \| 0 % \| 3 min \| 3 min \| 24 h 2 min \| 0\.07 \| critical \|$/m);
    assert.doesNotMatch(r.out, /alpha/);
  });

  it('--json: the report as one document; --since widens the window', async () => {
    const r = await cli(['report', '-C', repo.dir, '--json', '--since', '60d']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.command, 'report');
    assert.equal(doc.overall.deploys, 14);
    assert.deepEqual(Object.keys(doc.bySkill), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(doc.bySkill.beta.failureRate, { value: 0.5, level: 'critical' });
    assert.equal(doc.slow.length, 1);
  });

  it('usage errors name the option: an unknown environment, a bad --since or --format', async () => {
    const env = await cli(['report', '-C', repo.dir, '--env', 'qa']);
    assert.equal(env.code, 2);
    assert.match(env.err, /qa/);
    assert.match(env.err, /staging/);
    const since = await cli(['report', '-C', repo.dir, '--since', 'lately']);
    assert.equal(since.code, 2);
    assert.match(since.err, /--since expects .*"lately"/);
    assert.equal((await cli(['report', '-C', repo.dir, '--format', 'html'])).code, 2);
  });
});
