/** Alert destinations as read from stdin or a prompt, and webhook URLs as shown: never in full. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertView, parseDestinations, redactWebhook } from '../../../../src/core/operate/alerts';
import { OperateError } from '../../../../src/core/operate/app';

describe('core/operate/alerts', () => {
  it('parses emails and webhook URLs with an optional channel; skips blanks and comments', () => {
    const d = parseDestinations('# team\n\n a@example.com \nhttps://hooks.slack.com/services/T/B/XYZ #ops\nhttp://127.0.0.1:9/hook\n');
    assert.deepEqual(d, {
      emails: ['a@example.com'],
      slack_webhooks: [{ url: 'https://hooks.slack.com/services/T/B/XYZ', channel: '#ops' }, { url: 'http://127.0.0.1:9/hook' }],
    });
  });

  it('refuses a wrong line by its number, never echoing it (it may be a webhook)', () => {
    const cases = [['a@example.com\nhttp://hooks.example.com/SECRET', 2], ['not an address', 1], ['https://h/SECRET a b', 1]] as const;
    for (const [text, line] of cases) {
      assert.throws(() => parseDestinations(text, 'the prompt'), (e: unknown) => {
        assert.ok(e instanceof OperateError);
        assert.equal(e.code, 'INVALID_DESTINATION');
        assert.match(e.message, new RegExp(`^the prompt line ${line}: `));
        assert.ok(!e.message.includes('SECRET'));
        return true;
      });
    }
  });

  it('shows a webhook as host and last characters', () => {
    assert.equal(redactWebhook('https://hooks.slack.com/services/T0/B0/abcdefwxyz'), 'hooks.slack.com/…wxyz');
    assert.equal(redactWebhook('nope'), '(invalid URL)');
    const hook = 'https://hooks.slack.com/services/T/B/SECRET1234';
    const v = alertView({ id: 'a1', spec: { rule: 'DEPLOYMENT_LIVE' }, slack_webhooks: [{ url: hook }] });
    assert.deepEqual(v.slack, [{ webhook: 'hooks.slack.com/…1234' }]);
    assert.ok(!JSON.stringify(v).includes('SECRET'));
  });
});
