/**
 * A local run under debugpy (the editor's Debug Locally): a real skill started with `debugPort` waits for the debugger,
 * a minimal Debug Adapter Protocol client (what VS Code's Python debugger does over the same socket) attaches and sets
 * a breakpoint in the worktree's main.py, and an invoke stops there. Skipped where debugpy is not installed
 * (scripts/ensure-env.sh installs Debian's python3-debugpy).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { invokeSkill } from '../../../../src/core/localRun/invoke';
import { groupAlive } from '../../../../src/core/util/processGroup';
import { localRunsDir } from '../../../../src/core/localRun/registry';
import { freePort, startLocalRun, type LocalRun } from '../../../../src/core/localRun/runner';
import { loadSkill } from '../../../../src/core/skills/loadSkills';
import { RepoFixture } from '../../../builders/repo';

const OUTSIDE_TEMP = path.join(os.homedir(), '.cache', 'odoobo-test-repos');

function hasDebugpy(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import debugpy, fastapi, uvicorn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const MAIN_PY = [
  'from fastapi import FastAPI',
  'app = FastAPI()',
  '@app.get("/health")',
  'def health():',
  '    return {"status": "ok"}',
  '@app.post("/invoke")',
  'def invoke():',
  '    answer = {"stopped": "here"}',
  '    return answer',
  '',
].join('\n');
const BREAKPOINT_LINE = 8;

type DapMessage = { type: string; seq: number; command?: string; event?: string; success?: boolean; body?: Record<string, unknown> };

/** The Debug Adapter Protocol over a socket: Content-Length framed JSON, requests by sequence number. */
class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  readonly messages: DapMessage[] = [];
  private waiters: { match: (m: DapMessage) => boolean; resolve: (m: DapMessage) => void }[] = [];

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => this.read(d));
  }

  static connect(port: number): Promise<DapClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new DapClient(s)));
      s.once('error', reject);
    });
  }

  private read(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as DapMessage;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.messages.push(message);
      for (const w of this.waiters.filter((x) => x.match(message))) w.resolve(message);
      this.waiters = this.waiters.filter((x) => !x.match(message));
    }
  }

  wait(match: (m: DapMessage) => boolean, what: string, ms = 30_000): Promise<DapMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms: ${JSON.stringify(this.messages.slice(-5))}`)), ms);
      this.waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  send(command: string, args: Record<string, unknown> = {}): number {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    this.socket.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    return seq;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('a local run under debugpy', { skip: hasDebugpy() ? false : 'debugpy is not installed for /usr/bin/python3' }, () => {
  let repo: RepoFixture;
  let run: LocalRun | undefined;

  before(async () => {
    await fs.mkdir(OUTSIDE_TEMP, { recursive: true });
    repo = await RepoFixture.create({ parent: OUTSIDE_TEMP, prefix: 'local-run-debug-', skills: [{ name: 'alpha' }] });
    await repo.write('skills/alpha/main.py', MAIN_PY);
    await repo.commitAll('alpha');
  });
  after(async () => {
    await run?.stop();
    await repo?.remove();
  });

  it('waits for the debugger; a breakpoint in the worktree\'s main.py stops an invoke', { timeout: 90_000 }, async () => {
    const { skill } = await loadSkill(repo.dir, 'skills', 'alpha');
    assert.ok(skill);
    const debugPort = await freePort();
    run = await startLocalRun({ skill, root: repo.dir, runsDir: (await localRunsDir(repo.dir))!, debugPort, python: '/usr/bin/python3' });
    await assert.rejects(fetch(`${run.url}/health`), 'uvicorn waits for the debugger');

    const dap = await DapClient.connect(debugPort);
    try {
      dap.send('initialize', { adapterID: 'debugpy', clientID: 'odoobo-test', pathFormat: 'path', linesStartAt1: true, columnsStartAt1: true });
      dap.send('attach', { justMyCode: true });
      await dap.wait((m) => m.event === 'initialized', 'initialized event');
      const mainPy = path.join(skill.dir, 'main.py');
      const bp = dap.send('setBreakpoints', { source: { path: mainPy }, breakpoints: [{ line: BREAKPOINT_LINE }] });
      const set = await dap.wait((m) => m.type === 'response' && (m as { request_seq?: number }).request_seq === bp, 'setBreakpoints');
      assert.equal(set.success, true, JSON.stringify(set));
      dap.send('configurationDone');

      const deadline = Date.now() + 30_000;
      while (!(await fetch(`${run.url}/health`).then((r) => r.ok, () => false))) {
        assert.ok(Date.now() < deadline, 'the skill serves once the debugger attached');
        await new Promise((r) => setTimeout(r, 200));
      }
      const answer = invokeSkill(run.url, { method: 'POST', headers: {}, body: {} }, { invokePath: '/invoke' });
      const stopped = await dap.wait((m) => m.event === 'stopped', 'stopped event');
      assert.equal(stopped.body?.reason, 'breakpoint');
      const trace = dap.send('stackTrace', { threadId: stopped.body?.threadId });
      const frames = await dap.wait((m) => (m as { request_seq?: number }).request_seq === trace, 'stackTrace');
      const top = (frames.body?.stackFrames as { line: number; source: { path: string } }[])[0];
      assert.deepEqual([top.source.path, top.line], [mainPy, BREAKPOINT_LINE]);
      dap.send('continue', { threadId: stopped.body?.threadId });
      const res = await answer;
      assert.deepEqual([res.status, res.json], [200, { stopped: 'here' }]);
    } finally {
      dap.close();
    }
    const pid = run.pid;
    await run.stop();
    run = undefined;
    assert.equal(groupAlive(pid), false);
  });
});
