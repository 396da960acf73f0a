/**
 * `odoobo run`, `odoobo invoke --local` and `odoobo test --local` on a real skill (skills/pr-review copied into a
 * temporary repository): `run` as a user starts it (a child process, stopped with SIGINT), the others in-process
 * through main(): exit codes, --json shapes, the run found through the registry, and no process left after Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CliIO } from '../../../../src/cli/command';
import { main } from '../../../../src/cli/odoobo';
import { groupAlive } from '../../../../src/core/util/processGroup';
import { REPO_ROOT } from '../../../builders/platform';
import { RepoFixture } from '../../../builders/repo';

const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');
const CLI = path.join(REPO_ROOT, 'src/cli/odoobo.ts');

function capture(env: NodeJS.ProcessEnv = {}): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...process.env, ...env } }, out, err };
}

/** `odoobo run <skill> --json` as a user runs it; resolves with its JSON document once the skill serves. */
function startRun(dir: string, ...args: string[]): Promise<{ child: ChildProcess; doc: Record<string, unknown>; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', ...args, '--json', '-C', dir], { env: process.env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      try {
        resolve({ child, doc: JSON.parse(stdout) as Record<string, unknown>, stderr: () => stderr });
      } catch {
        // not the whole document yet
      }
    });
    child.once('exit', (code) => reject(new Error(`odoobo run exited ${code}: ${stdout}\n${stderr}`)));
  });
}

describe('odoobo run / invoke --local / test --local on a real skill', () => {
  let repo: RepoFixture;
  let running: { child: ChildProcess; doc: Record<string, unknown>; stderr: () => string };
  const dir = () => repo.dir;

  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'cli-local-run-' });
    await fs.cp(path.join(REPO_ROOT, 'skills', 'pr-review'), path.join(repo.dir, 'skills', 'pr-review'), {
      recursive: true, filter: (src) => !src.includes('__pycache__') && !src.includes('.pytest_cache'),
    });
    await fs.mkdir(path.join(repo.dir, 'infra'), { recursive: true });
    await fs.copyFile(path.join(REPO_ROOT, 'infra', 'pr-review.yaml'), path.join(repo.dir, 'infra', 'pr-review.yaml'));
    await repo.commitAll('pr-review');
  });
  after(async () => {
    running?.child.kill('SIGKILL');
    const pid = running?.doc.pid as number | undefined;
    if (pid && groupAlive(pid)) process.kill(-pid, 'SIGKILL');
    await repo?.remove();
  });

  it('run: --help exits 0 with its usage; no skill, two skills or a bad --port exit 2', async () => {
    const help = capture();
    assert.equal(await main(['run', '--help'], help.io), 0);
    assert.match(help.out.join('\n'), /^Usage: odoobo run <skill>/);
    for (const args of [[], ['pr-review', 'nl-sql'], ['pr-review', '--port', '70000'], ['nope']]) {
      const c = capture();
      assert.equal(await main(['run', ...args, '-C', dir()], c.io), 2, args.join(' '));
    }
  });

  it('invoke --local before any run: exit 2 saying how to start it', async () => {
    const c = capture();
    assert.equal(await main(['invoke', 'pr-review', '--local', '-C', dir()], c.io), 2);
    assert.match(c.err.join('\n'), /pr-review is not running locally: start it with `odoobo run pr-review`/);
  });

  it('test --local before any run: exit 1, NOT_RUNNING in --json', async () => {
    const c = capture();
    assert.equal(await main(['test', 'pr-review', '--local', '--json', '-C', dir()], c.io), 1);
    const doc = JSON.parse(c.out.join('\n'));
    assert.equal(doc.results[0].error.code, 'NOT_RUNNING');
  });

  it('run --json prints the URL once it serves; the secrets without values are noted', async () => {
    running = await startRun(dir(), 'pr-review');
    assert.equal(running.doc.ok, true);
    assert.match(String(running.doc.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok((running.doc.notes as string[]).some((n) => n.includes('ODOOBO_SECRET_GITHUB_TOKEN')));
    const res = await fetch(`${String(running.doc.url)}/health`);
    assert.equal(res.status, 200);
  });

  it('a second run of the same skill: exit 1, ALREADY_RUNNING naming its URL', async () => {
    const c = capture();
    assert.equal(await main(['run', 'pr-review', '--json', '-C', dir()], c.io), 1);
    const doc = JSON.parse(c.out.join('\n'));
    assert.equal(doc.error.code, 'ALREADY_RUNNING');
    assert.ok(doc.error.message.includes(String(running.doc.url)));
  });

  it('invoke --local --file <example name>: exit 0, the findings in --json', async () => {
    const c = capture();
    const code = await main(['invoke', 'pr-review', '--local', '--file', 'debug-output', '--json', '-C', dir()], c.io);
    assert.equal(code, 0, c.err.join('\n'));
    const doc = JSON.parse(c.out.join('\n'));
    assert.equal(doc.where, 'local');
    assert.equal(doc.response.status, 200);
    assert.equal(doc.url, `${String(running.doc.url)}/invoke`);
    assert.ok(doc.request.file.endsWith(path.join('requests', 'debug-output.json')));
    assert.ok(Array.isArray(doc.response.body.findings) && doc.response.body.findings.length > 0);
  });

  it('invoke --local --data with a bad field: exit 1, the field named', async () => {
    const c = capture();
    const code = await main(['invoke', 'pr-review', '--local', '--data', '{"body": {"max_findings": 0, "diff": "x"}}', '-C', dir()], c.io);
    assert.equal(code, 1);
    assert.match(c.out.join('\n'), /^HTTP 422 · [\d.]+ ms$/m);
    assert.match(c.out.join('\n'), /^✗ max_findings: /m);
  });

  it('invoke with a request that is not valid: exit 2 naming the field', async () => {
    const c = capture();
    assert.equal(await main(['invoke', 'pr-review', '--local', '--data', '{"method": "FETCH"}', '-C', dir()], c.io), 2);
    assert.match(c.err.join('\n'), /--data: method: /);
  });

  it('test --local: exit 0, every smoke check passed against the local run', async () => {
    const c = capture();
    assert.equal(await main(['test', 'pr-review', '--local', '--json', '-C', dir()], c.io), 0, c.out.join('\n'));
    const doc = JSON.parse(c.out.join('\n'));
    assert.equal(doc.results[0].liveUrl, running.doc.url);
    assert.ok(doc.results[0].smoke.checks.length >= 6);
  });

  it('Ctrl-C: exit 130, the process group is gone and the run is no longer found', async () => {
    const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
    running.child.kill('SIGINT');
    assert.equal(await exited, 130, running.stderr());
    assert.equal(groupAlive(running.doc.pid as number), false);
    const c = capture();
    assert.equal(await main(['invoke', 'pr-review', '--local', '-C', dir()], c.io), 2);
  });
});
