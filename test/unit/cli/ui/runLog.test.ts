import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliCommand, CliIO } from '../../../../src/cli/command';
import { COMMANDS } from '../../../../src/cli/commands/index';
import { withLogDir } from '../../../../src/cli/ui/runLog';
import { registerSecret } from '../../../../src/core/do/redact';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-runlog-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const TOKEN = 'dop_v1_' + 'a'.repeat(40);

/** A command that prints on both streams (one coloured line, one with a token) and answers 1. */
const noisy: CliCommand = {
  path: ['deploy'],
  summary: 'test',
  help: 'Usage: odoobo deploy\n\nOptions:\n  --all   all\n',
  async run(args, io) {
    io.out(`args: ${args.join(' ')}`);
    io.out('\x1b[32m✓\x1b[39m alpha: succeeded');
    io.err(`warning: token ${TOKEN} leaked`);
    return 1;
  },
};

function capture(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: {} }, out, err };
}

describe('--log-dir', () => {
  it('writes one log per run: the output of both streams, colours stripped, tokens redacted, the exit code', async () => {
    registerSecret(TOKEN);
    const logs = path.join(dir, 'a', 'logs');
    const c = capture();
    const code = await withLogDir(noisy).run(['--log-dir', logs, 'alpha', '--all'], c.io);
    assert.equal(code, 1);
    assert.deepEqual(c.out, ['args: alpha --all', '\x1b[32m✓\x1b[39m alpha: succeeded'], 'the terminal gets the output unchanged');
    const [name] = await fs.readdir(logs);
    assert.match(name, /^deploy-\d{8}T\d{6}Z\.log$/);
    c.err.pop();
    const text = await fs.readFile(path.join(logs, name), 'utf8');
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0], /^# odoobo deploy — \d{4}-/);
    assert.deepEqual(lines.slice(1, 4), ['out args: alpha --all', 'out ✓ alpha: succeeded', 'err warning: token [REDACTED] leaked']);
    assert.match(lines[4], /^# exit 1 — /);
    assert.equal((await fs.stat(path.join(logs, name))).mode & 0o777, 0o600);
  });

  it('never overwrites: two runs in the same second get two files; --log-dir=<dir> works too', async () => {
    const logs = path.join(dir, 'b');
    const cmd = withLogDir(noisy);
    await Promise.all([cmd.run([`--log-dir=${logs}`], capture().io), cmd.run(['--log-dir', logs], capture().io)]);
    assert.equal((await fs.readdir(logs)).length, 2);
  });

  it('deploy, test, rollback and merge take it, and say so in their help', () => {
    for (const name of ['deploy', 'test', 'rollback', 'merge']) {
      const cmd = COMMANDS.find((c) => c.path.join(' ') === name);
      assert.match(cmd?.help ?? '', /^ {2}--log-dir <dir> +also write this run's output/m, name);
    }
  });

  it('a missing folder name is a usage error', async () => {
    await assert.rejects(withLogDir(noisy).run(['--log-dir'], capture().io), /--log-dir needs a folder/);
    await assert.rejects(withLogDir(noisy).run(['--log-dir', '--all'], capture().io), /--log-dir needs a folder/);
  });
});
