/**
 * `odoobo validate` on what is not a regular file (issue 14): a FIFO with no writer, /dev/urandom and /dev/zero
 * answer at once with one error naming the path, instead of hanging or reading without end; a regular file is read
 * up to the linter's cap (LIMITS.maxBytes) and no further.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LIMITS, lintAppSpecFile } from '../../../src/core/appspec';
import { main } from '../../../src/cli/odoobo';
import { REPO_DIR } from '../../builders/paths';

const REPO_ROOT = REPO_DIR;
const run = promisify(execFile);

/** The spawned CLI, killed after `ms` (before the fix a FIFO kept it waiting forever). */
async function spawned(argv: string[], ms: number): Promise<{ code: number; out: string; took: number }> {
  const start = performance.now();
  try {
    const options = { cwd: REPO_ROOT, timeout: ms, killSignal: 'SIGKILL' as const };
    const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/odoobo.ts', ...argv], options);
    return { code: 0, out: r.stdout, took: performance.now() - start };
  } catch (e) {
    const err = e as { code?: number | string; killed?: boolean; stdout?: string };
    assert.ok(!err.killed, `odoobo ${argv.join(' ')} gave no answer within ${ms} ms`);
    return { code: Number(err.code), out: err.stdout ?? '', took: performance.now() - start };
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: () => {}, env: {} });
  return { code, out: out.join('\n') };
}

describe('odoobo validate refuses what is not a regular file', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'odoobo-validate-special-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a FIFO with no writer: one error naming the path, promptly (spawned CLI)', { skip: process.platform === 'win32' }, async () => {
    const fifo = path.join(dir, 'spec.yaml');
    await run('mkfifo', [fifo]);
    const r = await spawned(['validate', fifo], 30_000);
    assert.equal(r.code, 1, r.out);
    const why = 'not a regular file: an app spec is read only from a regular file';
    assert.equal(r.out.split('\n')[0], `${fifo}:1:1  error  APP_SPEC_UNREADABLE  ${fifo} is a FIFO (named pipe), ${why}`);
    assert.match(r.out, /1 error, 0 warnings, 0 info in 1 file/);
  });

  for (const dev of ['/dev/urandom', '/dev/zero']) {
    it(`${dev}: one error naming it as a character device, unread`, { skip: process.platform === 'win32' }, async () => {
      const before = process.memoryUsage().rss;
      const start = performance.now();
      const r = await cli('validate', dev);
      const took = performance.now() - start;
      assert.equal(r.code, 1);
      const why = 'not a regular file: an app spec is read only from a regular file';
      assert.equal(r.out.split('\n')[0], `${dev}:1:1  error  APP_SPEC_UNREADABLE  ${dev} is a character device, ${why}`);
      assert.ok(took < 2000, `took ${took.toFixed(0)} ms`);
      assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'no memory blow-up');
    });
  }

  it('a directory is named as one too', async () => {
    const r = await cli('validate', dir);
    assert.equal(r.code, 1);
    assert.ok(r.out.startsWith(`${dir}:1:1  error  APP_SPEC_UNREADABLE  ${dir} is a directory, not a regular file`), r.out);
  });

  it('a regular file: exactly the cap is read and linted, one byte more is refused before parsing', async () => {
    const atCap = path.join(dir, 'at-cap.yaml');
    const head = 'name: app\n# ';
    await fs.writeFile(atCap, head + 'x'.repeat(LIMITS.maxBytes - head.length - 1) + '\n');
    assert.equal((await fs.stat(atCap)).size, LIMITS.maxBytes);
    assert.deepEqual((await lintAppSpecFile(atCap)).findings.map((f) => f.code), []);
    await fs.appendFile(atCap, 'y');
    const over = await lintAppSpecFile(atCap);
    const refused = [['APP_SPEC_TOO_LARGE', 'the file is 1.0 MiB; an app spec is at most 1 MiB, so it is not parsed']];
    assert.deepEqual(over.findings.map((f) => [f.code, f.message]), refused);
  });

  it('a missing file still says why it cannot be read', async () => {
    const r = await cli('validate', path.join(dir, 'nope.yaml'));
    assert.equal(r.code, 1);
    assert.match(r.out, /nope\.yaml:1:1  error  APP_SPEC_UNREADABLE  cannot read the file: ENOENT/);
  });
});
