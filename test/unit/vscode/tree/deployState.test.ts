/**
 * What the cockpit says after a deploy that did not go live (issue 17, 2.1 and 2.10): the status file records whether
 * the previous deployment still serves (the real pipeline against the real local App Platform, simulated components),
 * and the pure state → words/icon/counts functions the tree, the status bar and the dashboard use.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deploySkill, type DeployResult } from '../../../../src/core/deploy';
import { SkillStatusSchema, StatusFileSchema } from '../../../../src/core/status';
import { rowOf } from '../../../../src/vscode/dashboard/model';
import type { SkillDeployState } from '../../../../src/vscode/deployService';
import { lookOf, presentDeploy, previousServesAfter, stateFromRecords, summarize, targetLine } from '../../../../src/vscode/tree/deployState';
import { DeployFixture, expectResult } from '../../../builders/deploy';

const URL_A = 'http://127.0.0.1:4100';
const time = () => '14:32';
const state = (s: Partial<SkillDeployState> & Pick<SkillDeployState, 'phase'>): SkillDeployState => ({ at: 0, ...s });

describe('a failed deploy while the previous deployment serves: the status file and the state read from it', () => {
  let fx: DeployFixture;
  before(async () => {
    fx = await DeployFixture.start({ skills: ['alpha', 'beta'], faults: { simulate: true, buildMs: 50, deployMs: 50 } });
  });
  after(async () => {
    await fx?.stop();
  });

  it('records previousStillServing on the attempt; the state reads "serving previous" with the old URL and commit', async () => {
    const good = await deploySkill({ ...fx.options(), skill: 'alpha' });
    expectResult(good, 'succeeded');
    await fx.patchFaults({ failBuilds: 1 });
    const bad = await deploySkill({ ...fx.options(), skill: 'alpha' });
    assert.equal(bad.status, 'failed');
    assert.equal(bad.previousStillServing, true);
    assert.equal(previousServesAfter(bad), true);

    const file = await fx.statusFile();
    const s = file.skills.alpha;
    assert.equal(s.lastDeployAttempt?.previousStillServing, true, JSON.stringify(s.lastDeployAttempt));
    assert.equal(s.lastDeployAttempt?.status, 'failed');
    assert.equal(s.lastDeployment?.deploymentId, good.deploymentId, 'the live deployment stays recorded');
    const st = stateFromRecords(s.deployments?.local, s.lastDeployAttempt);
    assert.ok(st);
    assert.equal(st.phase, 'failed');
    assert.equal(st.servingPrevious, true);
    assert.equal(st.liveUrl, good.liveUrl);
    assert.equal(st.commit, good.commit);
    assert.equal(lookOf(st), 'serving-previous');
    assert.match(presentDeploy(st, time).text, /^serving previous · last deploy failed 14:32$/);
  });

  it('a first deploy that fails has nothing serving: plainly failed', async () => {
    await fx.patchFaults({ failBuilds: 1 });
    const bad = await deploySkill({ ...fx.options(), skill: 'beta' });
    assert.equal(bad.status, 'failed');
    assert.equal(bad.previousStillServing, undefined);
    assert.equal(previousServesAfter(bad), undefined);
    const s = (await fx.statusFile()).skills.beta;
    assert.equal(s.lastDeployAttempt?.previousStillServing, undefined);
    const st = stateFromRecords(s.deployments?.local, s.lastDeployAttempt);
    assert.ok(st);
    assert.equal(lookOf(st), 'failed');
    assert.match(presentDeploy(st, time).text, /^failed 14:32$/);
    assert.equal(presentDeploy(st, time).icon, 'error');
  });
});

describe('status file compatibility', () => {
  it('loads an attempt written before previousStillServing existed, and an unknown extra field', () => {
    const at = '2026-11-20T10:00:00Z';
    const old = { target: 'local', status: 'failed', code: 'BUILD_FAILED', step: 'monitor', message: 'x', at, extra: 1 };
    const file = StatusFileSchema.parse({ version: 1, updatedAt: '2026-11-20T10:00:00Z', skills: { alpha: { lastDeployAttempt: old } } });
    assert.equal(file.skills.alpha.lastDeployAttempt?.previousStillServing, undefined);
    assert.equal((file.skills.alpha.lastDeployAttempt as Record<string, unknown>).extra, 1);
    assert.equal(SkillStatusSchema.safeParse({}).success, true);
  });

  it('an attempt older than the live deployment does not hide it; one for another target is not passed in', () => {
    const deployedAt = '2026-11-20T11:00:00Z';
    const d = { target: 'local', appId: 'a', deploymentId: 'd2', phase: 'ACTIVE', commit: 'abcdef1', liveUrl: URL_A, deployedAt };
    const attempt = { target: 'local', status: 'failed', at: '2026-11-20T10:00:00Z', previousStillServing: true };
    assert.equal(stateFromRecords(d, attempt)?.phase, 'active');
    const later = { ...attempt, at: '2026-11-20T12:00:00Z' };
    assert.equal(stateFromRecords(d, later)?.servingPrevious, true);
    assert.equal(stateFromRecords(d, { ...later, status: 'canceled' })?.phase, 'canceled');
  });
});

describe('what the tree, the status bar and the dashboard say', () => {
  const failedServing = state({ phase: 'failed', servingPrevious: true, liveUrl: URL_A, detail: 'BUILD_FAILED at monitor' });
  const canceledServing = state({ phase: 'canceled', servingPrevious: true, liveUrl: URL_A });
  const plainFailed = state({ phase: 'failed', detail: 'BUILD_FAILED at monitor' });

  it('tree: a distinct warning icon and words for "serving previous", the error icon only when nothing serves', () => {
    const p = presentDeploy(failedServing, time);
    assert.equal(p.text, 'serving previous · last deploy failed 14:32');
    assert.equal(p.icon, 'warning');
    assert.equal(p.color, 'list.warningForeground');
    assert.match(p.tooltip, new RegExp(`serving the previous deployment at ${URL_A} · last deploy failed \\(BUILD_FAILED at monitor\\)`));
    assert.equal(presentDeploy(canceledServing, time).text, 'serving previous · last deploy canceled 14:32');
    assert.equal(presentDeploy(plainFailed, time).icon, 'error');
    assert.equal(presentDeploy(state({ phase: 'active' }), time).icon, 'pass-filled');
    assert.equal(presentDeploy(state({ phase: 'deploying', detail: 'monitor' }), time).text, 'deploying (monitor)');
  });

  it('status bar: counts what serves, warns about the serving-previous ones, names the target first', () => {
    const skills = [
      ...['a', 'b', 'c', 'd'].map((name) => ({ name, state: state({ phase: 'active', liveUrl: URL_A }) })),
      { name: 'e', state: failedServing },
      { name: 'f' },
    ];
    const s = summarize(skills, { target: 'local', apiUrl: 'http://127.0.0.1:34137' });
    assert.equal(s.text, '$(check) 5  $(warning) 1');
    assert.equal(s.serving, 5);
    assert.equal(s.servingPrevious, 1);
    assert.equal(s.failed, 0);
    assert.equal(s.severity, 'warning');
    const lines = s.tooltip.split('\n');
    assert.equal(lines[0], 'Odoobo Skills — local App Platform (http://127.0.0.1:34137)');
    assert.match(lines[1], /^5 serving · 1 of them serving the previous deployment after a failed deploy$/);
    const e = `e: serving the previous deployment (last deploy failed — BUILD_FAILED at monitor) · ${URL_A}`;
    assert.ok(lines.includes(e), s.tooltip);
    assert.ok(lines.includes('f: not deployed'));

    const plain = summarize([...skills.slice(0, 4), { name: 'e', state: plainFailed }], { target: 'digitalocean' });
    assert.equal(plain.text, '$(check) 4  $(error) 1');
    assert.equal(plain.severity, 'error');
    assert.equal(plain.tooltip.split('\n')[0], 'Odoobo Skills — DigitalOcean App Platform');
    assert.equal(targetLine({ target: 'local' }), 'Odoobo Skills — local App Platform (not connected yet)');
  });

  it('dashboard row: serving previous, healthy by the previous deployment, and the failure kept', () => {
    const result = {
      skill: 'e', status: 'failed', target: 'local', steps: [], warnings: [], durationMs: 1000, previousStillServing: true,
      error: { code: 'BUILD_FAILED', step: 'monitor', message: 'the build failed', mitigation: 'fix the build' },
    } as unknown as DeployResult;
    const row = rowOf({ skill: 'e', state: { ...failedServing, result }, running: false, trusted: true });
    assert.equal(row.phase, 'failed');
    assert.equal(row.servingPrevious, true);
    assert.equal(row.liveUrl, URL_A);
    assert.equal(row.health.status, 'healthy');
    assert.match(row.health.message ?? '', /previous deployment still serves/);
    assert.equal(row.error?.code, 'BUILD_FAILED');
    assert.equal(row.actions.openUrl, true);
    assert.equal(rowOf({ skill: 'e', state: plainFailed, running: false, trusted: true }).servingPrevious, undefined);
  });
});
