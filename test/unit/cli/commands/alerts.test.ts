/**
 * `odoobo alerts` against a deployed skill with alerts in its spec: the list (--json), destinations set from stdin
 * (never argv) and shown redacted, a wrong line refused by its number, --rule.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { DeployedSkill } from '../../../builders/deployedSkill';
import { REPO_ROOT, waitFor } from '../../../builders/platform';

const WEBHOOK = 'https://hooks.slack.com/services/T0001/B0002/abcdefSECRETwxyz';

describe('odoobo alerts', () => {
  let d: DeployedSkill;
  before(async () => {
    d = await DeployedSkill.start('pr-review', (s) => ({ ...s, alerts: [{ rule: 'DEPLOYMENT_FAILED' }, { rule: 'DEPLOYMENT_LIVE' }] }));
  });
  after(async () => {
    await d?.stop();
  });

  it('lists the alerts and their (empty) destinations', async () => {
    const r = await d.cli(['alerts', 'pr-review', '--json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.deepEqual(doc.alerts.map((a: any) => [a.rule, a.emails, a.slack]), [['DEPLOYMENT_FAILED', [], []], ['DEPLOYMENT_LIVE', [], []]]);
    assert.equal(doc.updated, false);
    const table = await d.cli(['alerts', 'pr-review']);
    assert.match(table.out, /RULE\s+COMPONENT\s+EMAILS\s+SLACK\n[\s\S]*DEPLOYMENT_FAILED\s+\(app\)\s+-\s+-/);
  });

  it('--set-destinations reads stdin; the webhook is set on the app and shown only redacted', async () => {
    const r = await d.spawnCli(['alerts', 'pr-review', '--set-destinations', '--rule', 'DEPLOYMENT_FAILED', '--json'],
      `# ops\nops@example.com\n${WEBHOOK} #ops\n`);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.updated, true);
    const failed = doc.alerts.find((a: any) => a.rule === 'DEPLOYMENT_FAILED');
    assert.deepEqual(failed.emails, ['ops@example.com']);
    assert.deepEqual(failed.slack, [{ webhook: 'hooks.slack.com/…wxyz', channel: '#ops' }]);
    assert.deepEqual(doc.alerts.find((a: any) => a.rule === 'DEPLOYMENT_LIVE').slack, [], '--rule: the other alert is untouched');
    assert.ok(!`${r.out}${r.err}`.includes('SECRET'), 'the webhook URL is never printed');
    const stored = (await d.client.listAlerts(d.appId)).find((a) => a.spec?.rule === 'DEPLOYMENT_FAILED');
    assert.deepEqual(stored?.slack_webhooks, [{ url: WEBHOOK, channel: '#ops' }]);
  });

  it('a wrong line is refused by its number, not its text (exit 2); nothing changes', async () => {
    const r = await d.spawnCli(['alerts', 'pr-review', '--set-destinations'], `ops@example.com\nftp://hooks.example/SECRET\n`);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /INVALID_DESTINATION: stdin line 2: neither an email address nor an https:\/\/ Slack webhook URL/);
    assert.ok(!r.err.includes('SECRET'));
    const stored = (await d.client.listAlerts(d.appId)).find((a) => a.spec?.rule === 'DEPLOYMENT_FAILED');
    assert.deepEqual(stored?.emails, ['ops@example.com'], 'unchanged');
  });

  it('on a terminal the destinations are typed at a prompt that does not show them', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal.
    const argv = [process.execPath, '--import', 'tsx', 'src/cli/odoobo.ts', 'alerts', 'pr-review', '--set-destinations',
      '--rule', 'DEPLOYMENT_LIVE', ...d.targetArgs];
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...d.env };
    const child = spawn('script', ['-qfec', argv.map((a) => `'${a}'`).join(' '), '/dev/null'], { cwd: REPO_ROOT, env });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await waitFor('the prompt', async () => out.includes('1> '), 30_000);
      child.stdin.write(`${WEBHOOK} #live\r`);
      await waitFor('the next prompt', async () => out.includes('2> '), 15_000);
      child.stdin.write('\r');
      assert.equal(await exited, 0, out);
    } finally {
      child.kill('SIGKILL');
    }
    assert.ok(!out.includes('SECRET'), `the typed URL is not shown: ${out}`);
    assert.match(out, /DEPLOYMENT_LIVE\s+\(app\)\s+-\s+hooks\.slack\.com\/…wxyz #live/);
    const stored = (await d.client.listAlerts(d.appId)).find((a) => a.spec?.rule === 'DEPLOYMENT_LIVE');
    assert.deepEqual(stored?.slack_webhooks, [{ url: WEBHOOK, channel: '#live' }]);
  });

  it('--rule without --set-destinations is a usage error', async () => {
    assert.equal((await d.cli(['alerts', 'pr-review', '--rule', 'DEPLOYMENT_LIVE'])).code, 2);
  });
});
