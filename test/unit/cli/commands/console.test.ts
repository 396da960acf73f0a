/**
 * `odoobo console` as a real process against a deployed skill on the local App Platform: stdin (not a terminal) goes
 * through a real exec session, the shell's output comes back, the session ends with stdin; clear failures otherwise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeployedSkill } from '../../../builders/deployedSkill';
import { platformProcesses, REPO_ROOT, waitFor, withTempDir } from '../../../builders/platform';

describe('odoobo console', () => {
  let d: DeployedSkill;
  before(async () => {
    d = await DeployedSkill.start();
  });
  after(async () => {
    await d?.stop();
  });

  it('runs `echo hi` in the instance (its folder, its environment) and exits 0 when stdin ends', async () => {
    const before = platformProcesses(d.platform.dataDir).length;
    const r = await d.spawnCli(['console', 'pr-review'], 'echo "hi from $(basename "$PWD") on $HOST"\n');
    assert.equal(r.code, 0, `stderr: ${r.err}`);
    assert.match(r.out, /hi from pr-review on 127\.0\.0\.1/);
    assert.match(r.err, /connected to pr-review \(staging\) pr-review pr-review-[0-9a-f]+-\d+/);
    assert.ok(!r.err.includes('token='), 'the exec URL (with its token) is never printed');
    // The shell and its pty helper are gone: only the app's own processes are left.
    assert.equal(platformProcesses(d.platform.dataDir).length, before);
  });

  it('on a terminal: raw mode, the terminal\'s size and its changes (SIGWINCH) reach the shell, Ctrl-D ends it (exit 0)', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal; the wrapper resizes it (and signals SIGWINCH) when told to.
    await withTempDir(async (dir) => {
      const flag = path.join(dir, 'resize');
      const argv = [process.execPath, '--import', 'tsx', 'src/cli/odoobo.ts', 'console', 'pr-review', ...d.targetArgs];
      const cli = argv.map((a) => `'${a}'`).join(' ');
      const wrapper = `stty cols 91 rows 27; exec 3<&0; ${cli} <&3 & pid=$!; `
        + `while [ ! -e '${flag}' ]; do sleep 0.05; done; stty cols 100 rows 40 <&3; kill -WINCH $pid; wait $pid`;
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...d.env };
      const child = spawn('script', ['-qfec', wrapper, '/dev/null'], { cwd: REPO_ROOT, env });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      try {
        await waitFor('connected', async () => out.includes('Ctrl-D ends the session'), 30_000);
        child.stdin.write('stty size\r');
        await waitFor('the first size', async () => /27 91/.test(out), 15_000);
        await fs.writeFile(flag, '');
        // SIGWINCH reaches the CLI after the wrapper resized the terminal: ask until the new size shows.
        await waitFor('the new size', async () => {
          child.stdin.write('stty size\r');
          return /40 100/.test(out);
        }, 15_000, 300);
        child.stdin.write('\x04');
        assert.equal(await exited, 0, out);
      } finally {
        child.kill('SIGKILL');
      }
    }, 'odoobo-console-tty-');
  });

  it('an unknown instance is a usage error naming the running ones (exit 2)', async () => {
    const r = await d.cli(['console', 'pr-review', '--instance', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.err, /UNKNOWN_INSTANCE: pr-review has no instance "nope" \(running: pr-review-\S+ \(pr-review-0\)\)/);
  });

  it('a skill with no running instance gets a clear message (exit 1)', async () => {
    const app = await d.client.getApp(d.appId);
    const spec = structuredClone(app.spec);
    await d.client.deleteApp(d.appId);
    const fresh = await d.client.createApp(spec);
    await d.client.cancelDeployment(fresh.id, fresh.pending_deployment!.id!).catch(() => undefined);
    const r = await d.cli(['console', 'pr-review']);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /NO_RUNNING_INSTANCE: pr-review has no running instance\n\s+→ deploy it/);
  });
});
