import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeployResult, StepRecord } from '../../../../src/core/deploy';
import type { Deployment, DeploymentProgressStep } from '../../../../src/core/do';
import type { SmokeResult } from '../../../../src/core/smoke';
import { contentSecurityPolicy, dashboardHtml, newNonce } from '../../../../src/vscode/dashboard/html';
import { historyEntry, rowOf, runningStep, type DeployStateLike } from '../../../../src/vscode/dashboard/model';
import { HostMessageSchema, parseHostMessage, parseWebviewMessage, readUiState, SkillRowSchema, type SkillRow } from '../../../../src/vscode/dashboard/protocol';
import { formatAgo, formatDuration } from '../../../../src/webview/dashboard/format';
import { deploymentAt } from '../../../builders/do';

// ------------------------------------------------------------------------------------------------------------------
// Builders

const TOKEN = 'dop_v1_' + 'a1'.repeat(32);

function step(name: StepRecord['name'], status: StepRecord['status'], durationMs: number, message?: string): StepRecord {
  return { name, status, startedAt: '2026-01-01T00:00:00Z', durationMs, ...(message ? { message } : {}) };
}

function result(overrides: Partial<DeployResult> = {}): DeployResult {
  return {
    skill: 'alpha',
    status: 'succeeded',
    target: 'local',
    appId: 'app-1',
    deploymentId: 'dep-1',
    liveUrl: 'http://127.0.0.1:4100',
    commit: '9a4df0b8e161e323bc3cdf1dc71878080fe144fa',
    steps: [step('prepare', 'succeeded', 12), step('monitor', 'succeeded', 30_000), step('health', 'succeeded', 40), step('record', 'succeeded', 3)],
    warnings: [],
    durationMs: 30_055,
    ...overrides,
  };
}

function smoke(failed: string[] = []): SmokeResult {
  const names = ['health', 'response-time', 'metadata', 'unknown-path', 'wrong-method', 'docs'] as const;
  return {
    skill: 'alpha',
    baseUrl: 'http://127.0.0.1:4100',
    passed: failed.length === 0,
    durationMs: 80,
    checks: names.map((name) => ({ name, status: failed.includes(name) ? 'failed' : 'passed', durationMs: 5, message: failed.includes(name) ? `${name} answered 500` : 'ok' })),
  };
}

function state(overrides: Partial<DeployStateLike> = {}): DeployStateLike {
  return { phase: 'active', at: Date.parse('2026-01-01T00:01:00Z'), deploymentId: 'dep-1', liveUrl: 'http://127.0.0.1:4100', commit: '9a4df0b8e161', ...overrides };
}

const row = (input: Partial<Parameters<typeof rowOf>[0]> = {}): SkillRow => rowOf({ skill: 'alpha', running: false, trusted: true, ...input });

/** A deployment whose leaf steps ran one after another from 12:00:00, each `secondsEach` long. */
function timedDeployment(secondsEach: number): Deployment {
  const d = deploymentAt({ id: 'dep-9', phase: 'ACTIVE' });
  let t = Date.parse('2026-01-01T12:00:00Z');
  const time = (steps: DeploymentProgressStep[] | undefined): void => {
    for (const s of steps ?? []) {
      if (s.steps?.length) {
        const start = t;
        time(s.steps);
        Object.assign(s, { started_at: new Date(start).toISOString(), ended_at: new Date(t).toISOString() });
      } else {
        Object.assign(s, { started_at: new Date(t).toISOString(), ended_at: new Date(t + secondsEach * 1000).toISOString() });
        t += secondsEach * 1000;
      }
    }
  };
  time(d.progress?.steps);
  return { ...d, created_at: '2026-01-01T11:59:58Z', phase_last_updated_at: new Date(t).toISOString() };
}

// ------------------------------------------------------------------------------------------------------------------

describe('dashboard protocol: webview → host', () => {
  it('accepts each message kind', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'action', kind: 'deploy', skill: 'pr-review' },
      { type: 'action', kind: 'openUrl', skill: 'alpha' },
      { type: 'requestHistory', skill: 'alpha' },
      { type: 'requestHistory', skill: 'alpha', refresh: true },
      { type: 'select', skill: 'alpha' },
      { type: 'select', skill: null },
      { type: 'chooseEnvironment' },
      { type: 'chooseEnvironment', environment: 'production' },
    ]) {
      const r = parseWebviewMessage(m);
      assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
      assert.deepEqual(r.message, m);
    }
  });

  it('rejects anything else, saying why', () => {
    for (const m of [
      undefined,
      null,
      'ready',
      42,
      {},
      { type: 'launch' },
      { type: 'action', kind: 'delete', skill: 'alpha' },
      { type: 'action', kind: 'deploy' },
      { type: 'action', kind: 'deploy', skill: '../../etc' },
      { type: 'action', kind: 'deploy', skill: 'Alpha' },
      { type: 'action', kind: 'deploy', skill: 'alpha', command: 'workbench.action.terminal.new' },
      { type: 'ready', extra: 1 },
      { type: 'requestHistory', skill: 'alpha', refresh: 'yes' },
      { type: 'select', skill: 7 },
      { type: 'chooseEnvironment', environment: 'Prod; rm -rf' },
      { type: 'chooseEnvironment', command: 'odoobo.deploy' },
    ]) {
      const r = parseWebviewMessage(m);
      assert.equal(r.ok, false, JSON.stringify(m));
      if (!r.ok) assert.ok(r.error.length > 0);
    }
  });
});

describe('dashboard protocol: host → webview', () => {
  it('accepts state, rows and history messages built by the host', () => {
    const rows = [row({ state: state({ result: result(), smoke: smoke() }) }), row({ skill: 'beta' })];
    for (const m of [
      { type: 'state', target: 'local', trusted: true, rows, ui: { selected: 'alpha', expanded: ['beta'], scrollY: 40 } },
      {
        type: 'state',
        target: 'local',
        trusted: true,
        rows,
        environment: { current: 'production', all: ['staging', 'production'], requiresApproval: true },
      },
      { type: 'rows', rows },
      { type: 'history', skill: 'alpha', status: 'loaded', entries: [historyEntry(timedDeployment(2))], fetchedAt: 1 },
      { type: 'history', skill: 'alpha', status: 'error', entries: [], error: 'App Platform answered 500' },
    ]) {
      const r = parseHostMessage(m);
      assert.ok(r.ok, r.ok ? '' : r.error);
    }
  });

  it('rejects a row with a script URL, an unknown phase or a bad target', () => {
    const good = row({ state: state() });
    assert.equal(parseHostMessage({ type: 'rows', rows: [{ ...good, liveUrl: 'javascript:alert(1)' }] }).ok, false);
    assert.equal(parseHostMessage({ type: 'rows', rows: [{ ...good, phase: 'exploded' }] }).ok, false);
    assert.equal(parseHostMessage({ type: 'state', target: 'aws', trusted: true, rows: [] }).ok, false);
    assert.equal(parseHostMessage({ type: 'history', skill: 'alpha', status: 'loaded' }).ok, false);
    const env = { current: '<b>x</b>', all: [], requiresApproval: false };
    assert.equal(parseHostMessage({ type: 'state', target: 'local', trusted: true, rows: [], environment: env }).ok, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'rows', rows: 'all' }).success, false);
  });
});

describe('dashboard UI state', () => {
  it('round-trips a saved state and fills defaults', () => {
    assert.deepEqual(readUiState({ selected: 'alpha', expanded: ['beta'], scrollY: 120, deployment: 'dep-9' }), { selected: 'alpha', expanded: ['beta'], scrollY: 120, deployment: 'dep-9' });
    assert.deepEqual(readUiState({ selected: 'alpha' }), { selected: 'alpha', expanded: [], scrollY: 0 });
  });

  it('turns an unreadable state into the empty one', () => {
    for (const bad of [undefined, null, 'x', { selected: '../x' }, { expanded: 'alpha' }, { scrollY: -1 }]) {
      assert.deepEqual(readUiState(bad), { expanded: [], scrollY: 0 }, JSON.stringify(bad));
    }
  });
});

describe('dashboard rows from deploy states', () => {
  it('shows a skill never deployed with only deploy enabled', () => {
    const r = row();
    assert.equal(r.phase, 'not-deployed');
    assert.deepEqual(r.steps, []);
    assert.equal(r.health.status, 'unknown');
    assert.deepEqual(r.actions, { deploy: true, cancel: false, test: false, rollback: false, logs: false, openUrl: false });
    assert.ok(SkillRowSchema.safeParse(r).success);
  });

  it('places a deploy in flight on its step, with cancel only where it runs', () => {
    const deploying = state({ phase: 'deploying', detail: 'BUILDING: 2/6 steps succeeded', result: undefined });
    const r = row({ state: deploying, running: true });
    assert.equal(r.phase, 'deploying');
    assert.deepEqual(
      r.steps.map((s) => `${s.name}:${s.status}`),
      ['prepare:succeeded', 'validate:succeeded', 'apply:succeeded', 'create:succeeded', 'monitor:running', 'health:pending', 'traffic:pending', 'post-deploy:pending', 'record:pending'],
    );
    assert.deepEqual(r.actions, { deploy: false, cancel: true, test: false, rollback: false, logs: true, openUrl: true });
    assert.equal(row({ state: deploying, running: false }).actions.cancel, false, 'a deploy of another window cannot be canceled here');
    assert.equal(runningStep('starting'), 'prepare');
    assert.equal(runningStep('post-deploy checks'), 'post-deploy');
    assert.equal(runningStep('traffic'), 'traffic');
    assert.equal(runningStep('rolling back to 1234'), undefined);
  });

  it('shows a finished deploy: timed steps, health, live URL, commit and smoke result', () => {
    const r = row({ state: state({ result: result(), smoke: smoke() }) });
    assert.equal(r.phase, 'active');
    assert.deepEqual(r.steps.map((s) => [s.name, s.status, s.durationMs]), [['prepare', 'succeeded', 12], ['monitor', 'succeeded', 30_000], ['health', 'succeeded', 40], ['record', 'succeeded', 3]]);
    assert.equal(r.durationMs, 30_055);
    assert.equal(r.health.status, 'healthy');
    assert.equal(r.liveUrl, 'http://127.0.0.1:4100');
    assert.equal(r.commit, '9a4df0b8e161');
    assert.deepEqual(r.smoke && { passed: r.smoke.passed, n: r.smoke.passedChecks, of: r.smoke.totalChecks }, { passed: true, n: 6, of: 6 });
    assert.deepEqual(r.actions, { deploy: true, cancel: false, test: true, rollback: true, logs: true, openUrl: true });
  });

  it('shows a failure with its code, step and mitigation, and never a token', () => {
    const failed = result({
      status: 'failed',
      steps: [step('prepare', 'succeeded', 10), step('health', 'failed', 10_000, `GET /health with Bearer ${TOKEN} timed out`)],
      error: { code: 'HEALTH_CHECK_FAIL', step: 'health', message: `health check failed (token ${TOKEN})`, mitigation: 'Check the health path.' },
    });
    const r = row({ state: state({ phase: 'failed', result: failed, smoke: smoke(['health']) }) });
    assert.equal(r.phase, 'failed');
    assert.deepEqual(r.error && { code: r.error.code, step: r.error.step }, { code: 'HEALTH_CHECK_FAIL', step: 'health' });
    assert.equal(r.health.status, 'unhealthy');
    assert.deepEqual(r.smoke?.failures, ['health: health answered 500']);
    assert.ok(!JSON.stringify(r).includes(TOKEN), 'the token is redacted everywhere');
    assert.match(r.error!.message, /\[REDACTED\]/);
  });

  it('falls back to the status file for the last smoke test', () => {
    const r = row({ state: state(), lastTest: { status: 'failed', passed: 5, failed: 1, summary: 'health: passed, docs: failed', at: '2026-01-01T00:05:00Z', target: 'local' } });
    assert.deepEqual(r.smoke, { passed: false, passedChecks: 5, totalChecks: 6, at: Date.parse('2026-01-01T00:05:00Z'), failures: ['docs: failed'] });
  });

  it('enables nothing that changes state in an untrusted workspace, and drops non-http URLs', () => {
    const r = row({ state: state({ liveUrl: 'file:///etc/passwd' }), trusted: false });
    assert.deepEqual(r.actions, { deploy: false, cancel: false, test: false, rollback: false, logs: true, openUrl: false });
    assert.equal(r.liveUrl, undefined);
  });
});

describe('dashboard rows: the app\'s live figures (issue 19)', () => {
  const samples = [
    { cpu: 2, mem: 10, ready: 1, desired: 1 },
    { cpu: 250, mem: 11, ready: 1, desired: 2 },
    { mem: 12, ready: 2, desired: 2 },
    { cpu: 40.5, mem: 12.5, ready: 2, desired: 2 },
  ];

  it('the latest CPU, memory and replicas, and the CPU of the last minutes clamped to 0–100 %', () => {
    const r = row({ state: state(), health: samples });
    assert.deepEqual(r.resources, { cpu: 40.5, mem: 12.5, ready: 2, desired: 2, cpuHistory: [2, 100, 40.5] });
    assert.equal(SkillRowSchema.safeParse(r).success, true, 'the row stays valid for the webview');
  });

  it('none for a skill never deployed, or when the tree has not shown its app yet', () => {
    assert.equal(row({ health: samples }).resources, undefined);
    assert.equal(row({ state: state(), health: [] }).resources, undefined);
    assert.equal(row({ state: state() }).resources, undefined);
  });

  it('the webview refuses figures out of range (a host bug never draws off the chart)', () => {
    const r = row({ state: state(), health: samples });
    assert.equal(SkillRowSchema.safeParse({ ...r, resources: { ...r.resources, cpu: 140 } }).success, false);
  });
});

describe('dashboard history entries', () => {
  it('gives phase, cause, duration, commit and each progress step with its offset and duration', () => {
    const e = historyEntry(timedDeployment(2));
    assert.equal(e.id, 'dep-9');
    assert.equal(e.phase, 'ACTIVE');
    assert.equal(e.cause, 'manual');
    assert.equal(e.commit, '9a4df0b8e161e323bc3cdf1dc71878080fe144fa');
    assert.equal(e.durationMs, 2_000 + 6 * 2_000);
    const byPath = e.steps.map((s) => [s.name, s.depth, s.offsetMs, s.durationMs]);
    assert.deepEqual(byPath.slice(0, 4), [
      ['build', 0, 0, 4_000],
      ['initialize', 1, 0, 2_000],
      ['components', 1, 2_000, 2_000],
      ['web', 2, 2_000, 2_000],
    ]);
    assert.deepEqual(byPath.at(-1), ['finalize', 1, 10_000, 2_000]);
  });

  it('leaves out times of steps that never ran (year 1) and of deployments in flight', () => {
    const d = deploymentAt({ phase: 'BUILDING' });
    d.progress!.steps![0].started_at = '0001-01-01T00:00:00Z';
    d.progress!.steps![0].ended_at = '0001-01-01T00:00:00Z';
    const e = historyEntry({ ...d, phase_last_updated_at: '2026-01-01T00:05:00Z' });
    assert.equal(e.durationMs, undefined);
    assert.equal(e.steps[0].durationMs, undefined);
    assert.equal(e.steps[0].offsetMs, undefined);
  });
});
describe('dashboard HTML and formatting', () => {
  it('has a strict CSP with a fresh nonce on every script and stylesheet, and no remote resources', () => {
    const nonce = newNonce();
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(newNonce(), nonce);
    const html = dashboardHtml({ cspSource: 'https://file+.vscode-resource.vscode-cdn.net', script: 'https://file+.vscode-resource.vscode-cdn.net/x/dashboard.js', styles: 's.css', codicons: 'c.css' }, nonce);
    assert.ok(html.includes(`content="${contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', nonce)}"`));
    assert.match(contentSecurityPolicy('src', nonce), /^default-src 'none'; .*script-src 'nonce-/);
    assert.equal([...html.matchAll(/<(script|link) /g)].length, 3);
    assert.equal([...html.matchAll(new RegExp(`nonce="${nonce.replace(/[+/]/g, '\\$&')}"`, 'g'))].length, 3);
    assert.ok(html.includes('id="vscode-codicon-stylesheet"'));
  });

  it('formats durations and ages as the tree and the CLI do, saying "just now" for the first 45 s', () => {
    assert.deepEqual([420, 1_500, 12_345, 65_000, 120_000].map(formatDuration), ['420 ms', '1.5 s', '12 s', '1 min 5 s', '2 min']);
    assert.equal(formatDuration(undefined), '');
    assert.equal(formatAgo(1_000, 45_999), 'just now');
    assert.equal(formatAgo(1_000, 46_000), '45 s ago');
    assert.equal(formatAgo(0, 5 * 60_000), '5 min ago');
    assert.equal(formatAgo(0, 3 * 3_600_000), '3 h ago');
  });
});
