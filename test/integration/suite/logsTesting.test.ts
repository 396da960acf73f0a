import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import { SMOKE_CHECKS } from '../../../src/core/smoke';
import { StatusStore } from '../../../src/core/status';
import { isRefusal } from '../../../src/vscode/commands/support/refusal';
import type { ShowLogsResult } from '../../../src/vscode/logs/skillLogs';
import { api, fixture, script, type Fixture } from './helpers';

/** Resolves with the first line of the skill's channel that matches, waiting for new ones; fails after `ms`. */
function waitForLine(a: OdooboApi, skill: string, match: (line: string) => boolean, what: string, ms = 20_000): Promise<string> {
  const found = a.logs.lines(skill).find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${ms} ms waiting for ${what} in the channel of ${skill}; it has:\n${a.logs.lines(skill).slice(-30).join('\n')}`));
    }, ms);
    const sub = a.logs.onDidAppend((e) => {
      if (e.skill !== skill || !match(e.line)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e.line);
    });
  });
}

function items(collection: vscode.TestItemCollection): vscode.TestItem[] {
  const out: vscode.TestItem[] = [];
  collection.forEach((i) => out.push(i));
  return out;
}

/** Show Logs and the Testing API against pr-review deployed on the embedded platform by the deploy tests before these. */
export function logsAndTestingTests(): void {
  describe('logs and smoke tests of a live skill', () => {
    const skill = 'pr-review';
    let a: OdooboApi;
    let fx: Fixture;
    let notDeployed: string;

    before(async () => {
      fx = await fixture();
      a = await api();
      notDeployed = fx.skills.find((s) => s !== skill)!;
      assert.equal(a.deployments.state(skill)?.phase, 'active', 'pr-review was deployed by the tests before these');
    });

    describe('show logs', () => {
      after(() => a.logs.stop(skill));

      it('streams the running skill into its channel, reconnects after the platform drops the socket, and never shows the token', async function () {
        this.timeout(90_000);
        const r = await vscode.commands.executeCommand<ShowLogsResult>('odoobo.showLogs', skill);
        assert.equal(r.status, 'following', JSON.stringify(r));
        assert.equal(a.logs.following(skill), 'RUN');
        await waitForLine(a, skill, (l) => /Application startup complete/.test(l), 'the historic run log');

        const liveUrl = a.deployments.state(skill)!.liveUrl!;
        const request = async (name: string): Promise<string> => {
          const marker = `${name}-${randomBytes(4).toString('hex')}`;
          assert.equal((await fetch(`${liveUrl}/health?${marker}`)).status, 200);
          await waitForLine(a, skill, (l) => l.includes(marker), `uvicorn's access-log line for ${marker}`);
          return marker;
        };
        const before = await request('before');

        // The platform cuts the live socket right after the next line it sends, as a network failure would.
        const { url, token } = await a.localPlatform.ensure();
        const fault = await fetch(`${url}/_local/faults`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ dropLiveLogs: 1 }) });
        assert.equal(fault.status, 200, await fault.text());
        const cut = await request('cut');
        await waitForLine(a, skill, (l) => l === '— reconnecting in 1s (connection lost, close code 1006) —', 'the reconnect notice');
        await waitForLine(a, skill, (l) => l === '— reconnected —', 'the reconnection');
        const afterReconnect = await request('after');

        const lines = a.logs.lines(skill);
        for (const m of [before, cut, afterReconnect]) assert.equal(lines.filter((l) => l.includes(m)).length, 1, `${m} once, not replayed`);
        assert.ok(!lines.some((l) => l.includes(token)), 'the platform token appears in no line');

        const again = await vscode.commands.executeCommand<ShowLogsResult>('odoobo.showLogs', skill);
        assert.equal(again.status, 'following', 'showing again reuses the channel and its stream');
        assert.equal(a.logs.lines(skill).filter((l) => l.startsWith('— run logs of')).length, 1);
      });

      it('from the palette: a skill and "Build" in quick picks show the latest build log until it ends', async function () {
        this.timeout(30_000);
        a.setPromptScript(script(skill, 'Build'));
        let r: ShowLogsResult;
        try {
          r = await vscode.commands.executeCommand<ShowLogsResult>('odoobo.showLogs');
        } finally {
          a.setPromptScript(undefined);
        }
        assert.equal(r.type, 'BUILD', JSON.stringify(r));
        await waitForLine(a, skill, (l) => l === '— end of log —', 'the end of the build log');
        assert.ok(a.logs.lines(skill).some((l) => /^pr-review \S+ build complete$/.test(l)), 'the build log');
        assert.equal(a.logs.lines(skill).filter((l) => /^pr-review \S+ build complete$/.test(l)).length, 1, 'the live replay of the finished log is not shown twice');
      });

      it('says clearly that a skill has no app on the target', async () => {
        const r = await vscode.commands.executeCommand<ShowLogsResult>('odoobo.showLogs', notDeployed);
        assert.equal(r.status, 'not-deployed', JSON.stringify(r));
        assert.match(r.message ?? '', new RegExp(`^${notDeployed} is not deployed on local: there is no app named ${notDeployed}\\.$`));
        const unknown = await vscode.commands.executeCommand('odoobo.showLogs', 'no-such-skill');
        assert.ok(isRefusal(unknown) && /no skill named "no-such-skill"/.test(unknown.message), JSON.stringify(unknown));
      });
    });

    describe('smoke tests in the Testing API', () => {
      const run = async (...ids: string[]) => {
        const include = ids.map((id) => a.smokeTests.controller.items.get(id)!);
        const cts = new vscode.CancellationTokenSource();
        try {
          await a.smokeTests.run(new vscode.TestRunRequest(include), cts.token);
        } finally {
          cts.dispose();
        }
      };

      it('has one item per skill, with the suite\'s checks as children', () => {
        const skills = [...new Set(a.stores().flatMap((s) => s.model?.skills.map((v) => v.skill.name) ?? []))].sort();
        assert.deepEqual(items(a.smokeTests.controller.items).map((i) => i.id).sort(), skills);
        const pr = a.smokeTests.controller.items.get(skill)!;
        assert.deepEqual(items(pr.children).map((c) => c.label), [...SMOKE_CHECKS]);
      });

      it('runs the deployed skill: every check passed, with durations, and the run is recorded', async function () {
        this.timeout(60_000);
        await run(skill);
        for (const check of SMOKE_CHECKS) {
          const o = a.smokeTests.lastOutcomes.get(`${skill}/${check}`);
          assert.equal(o?.state, 'passed', `${check}: ${JSON.stringify(o)}`);
          assert.ok(typeof o.durationMs === 'number' && o.durationMs >= 0, `${check} has a duration`);
          assert.ok(o.message && o.message.length > 5, `${check} has a message`);
        }
        assert.equal(a.smokeTests.lastOutcomes.get(skill)?.state, 'passed');
        assert.equal((await (await StatusStore.forRepository(fx.root)).skill(skill))?.lastTest?.status, 'passed');
      });

      it('a skill that is not deployed errors with a clear message; its checks are skipped', async () => {
        await run(notDeployed);
        const o = a.smokeTests.lastOutcomes.get(notDeployed);
        assert.equal(o?.state, 'errored');
        assert.match(o.message ?? '', new RegExp(`${notDeployed} is not deployed on local .*Deploy it first`));
        assert.ok(SMOKE_CHECKS.every((c) => a.smokeTests.lastOutcomes.get(`${notDeployed}/${c}`)?.state === 'skipped'));
      });

      it('a cancelled run reports its skills as skipped', async () => {
        const cts = new vscode.CancellationTokenSource();
        cts.cancel();
        await a.smokeTests.run(new vscode.TestRunRequest([a.smokeTests.controller.items.get(skill)!]), cts.token);
        cts.dispose();
        assert.equal(a.smokeTests.lastOutcomes.get(skill)?.state, 'skipped');
        assert.equal(a.smokeTests.lastOutcomes.get(`${skill}/health`)?.state, 'skipped');
      });

      it('merge refuses the skill after a failed run of its deployment (SMOKE_TESTS_FAILED)', async () => {
        const status = await StatusStore.forRepository(fx.root);
        const previous = (await status.skill(skill))?.lastTest;
        await status.recordTest(skill, { status: 'failed', target: 'local', passed: 5, failed: 1, summary: '5/6 checks passed; failed: DOCS_MISSING', at: new Date().toISOString() });
        try {
          const [r] = await vscode.commands.executeCommand<{ status: string; unmet: { code: string; message: string }[] }[]>('odoobo.merge', skill);
          assert.equal(r.status, 'refused');
          const smoke = r.unmet.find((u) => u.code === 'SMOKE_TESTS_FAILED');
          assert.ok(smoke, JSON.stringify(r.unmet));
          assert.match(smoke.message, /\(failed, \S+ on local\) of deployment \S+ failed: 5\/6 checks passed; failed: DOCS_MISSING\./);
        } finally {
          await status.updateSkill(skill, (s) => {
            if (previous) s.lastTest = previous;
            else delete s.lastTest;
          });
        }
      });
    });
  });
}
