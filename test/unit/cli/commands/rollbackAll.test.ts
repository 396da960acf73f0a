/**
 * `odoobo rollback` with no skill, against the local App Platform (simulated components): the skill whose latest
 * deployment failed after going live (automatic rollback off) is listed and rolled back; a healthy one is left alone.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { deploySkill, type DeployResult } from '../../../../src/core/deploy';
import { HistoryStore } from '../../../../src/core/history/store';
import { DeployFixture, expectResult } from '../../../builders/deploy';

describe('odoobo rollback (no skill)', () => {
  let fx: DeployFixture;
  let v1: DeployResult;
  let broken: DeployResult;

  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ODOOBO_LOCAL_TOKEN: fx.token }, isTTY: false };
    const code = await main([...argv, '-C', fx.repoDir, '--target', 'local', '--api-url', fx.url], io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha', 'beta'], faults: { simulate: true } });
    v1 = await deploySkill({ ...fx.options(), skill: 'alpha' });
    expectResult(v1, 'succeeded');
    expectResult(await deploySkill({ ...fx.options(), skill: 'beta' }), 'succeeded');
    const postDeploy = async () => ({ ok: false, code: 'ENDPOINT_404', message: 'GET /v1/run answered 404' });
    broken = await deploySkill({ ...fx.options({ postDeploy, autoRollback: false }), skill: 'alpha', forceBuild: true });
    expectResult(broken, 'failed', 'ENDPOINT_404');
  });
  after(async () => {
    await fx?.stop();
  });

  it('without a terminal it needs --yes, and changes nothing', async () => {
    const r = await cli(['rollback']);
    assert.equal(r.code, 2);
    assert.match(r.err, /add --yes/);
    assert.equal((await fx.app('alpha')).active_deployment.id, broken.deploymentId);
  });

  it('lists the skill that failed after going live, rolls it back to the previous deployment, and records it', async () => {
    const r = await cli(['rollback', '--yes', '--commit']);
    assert.equal(r.code, 0, r.out + r.err);
    const listed = /^To roll back in staging \(1\):\n {2}alpha: deployment \S+ failed at post-deploy \(ENDPOINT_404\) after going live$/m;
    assert.match(r.out, listed);
    assert.match(r.out, new RegExp(`^✓ alpha: rolled back to ${v1.deploymentId}$`, 'm'));
    const app = await fx.app('alpha');
    assert.equal(app.active_deployment.services[0].source_commit_hash, v1.commit);
    const { records } = await new HistoryStore(path.join(fx.repoDir, '.git')).read();
    const last = records.at(-1)!;
    assert.deepEqual([last.kind, last.skill, last.outcome, last.rollback?.trigger], ['rollback', 'alpha', 'succeeded', 'manual']);
  });

  it('then nothing is left to roll back (--json)', async () => {
    const r = await cli(['rollback', '--yes', '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.deepEqual([doc.environment, doc.candidates, doc.results], ['staging', [], []]);
  });
});
