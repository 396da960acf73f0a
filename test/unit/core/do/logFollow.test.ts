/**
 * Following a log with reconnects (src/core/do/logFollow.ts): the backoff schedule, the cursor that drops replayed
 * lines, redaction; followLogs against a real websocket server on 127.0.0.1 that drops its connections, and against
 * the local App Platform whose fault `dropLiveLogs` cuts a live-log socket.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { appLogSource, followLogs, formatLogLine, LogCursor, reconnectDelayMs, type LogSource } from '../../../../src/core/do/logFollow';
import { parseLogData, type LogLine } from '../../../../src/core/do/logs';
import { registerSecret } from '../../../../src/core/do/redact';
import { ClientPlatform, simulatedSpec } from '../../../builders/clientPlatform';

const at = (s: number) => new Date(Date.UTC(2025, 4, 1, 10, 0, s)).toISOString();
const line = (s: number, text: string, component = 'web'): LogLine => ({ component, time: at(s), line: text });

describe('reconnectDelayMs', () => {
  it('doubles from 1 s and stays at 30 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 40].map((n) => reconnectDelayMs(n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.deepEqual([0, 1, 2, 3].map((n) => reconnectDelayMs(n, { baseMs: 100, maxMs: 250 })), [100, 200, 250, 250]);
  });
});

describe('LogCursor', () => {
  it('drops what a reconnected stream replays, keeps repeated lines of one instant and everything after catching up', () => {
    const cursor = new LogCursor();
    const first = cursor.pass();
    const shown = [line(1, 'a'), line(2, ''), line(2, ''), line(2, 'b')].filter(first);
    assert.equal(shown.length, 4, 'two equal lines written at one instant are both shown');
    const replay = cursor.pass();
    const again = [line(1, 'a'), line(2, ''), line(2, ''), line(2, 'b'), line(2, ''), line(3, 'c'), line(2, 'late, other component', 'db'), { line: 'no time' }].filter(replay);
    assert.deepEqual(again.map((l) => l.line), ['', 'c', 'late, other component', 'no time']);
  });

  it('formats lines as doctl prints them, without secrets', () => {
    registerSecret('s3cr3t-local-token-value');
    assert.equal(formatLogLine(line(1, 'GET /health 200')), `web ${at(1)} GET /health 200`);
    assert.equal(formatLogLine({ line: 'token dop_v1_abcdef0123456789 and s3cr3t-local-token-value' }), 'token [REDACTED] and [REDACTED]');
  });
});

/** A live-log websocket server: every connection gets `log` so far, then each appended line; `drop()` cuts them all. */
class LogServer {
  readonly log: string[] = [];
  private readonly sockets = new Set<WebSocket>();
  opened = 0;
  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.opened++;
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      for (const l of this.log) ws.send(JSON.stringify({ data: l }));
    });
  }
  static async start(): Promise<LogServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    return new LogServer(wss);
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/live`;
  }
  get connected(): number {
    return this.sockets.size;
  }
  append(text: string): void {
    this.log.push(text);
    for (const ws of this.sockets) ws.send(JSON.stringify({ data: text }));
  }
  drop(): void {
    for (const ws of this.sockets) ws.terminate();
  }
  close(): Promise<void> {
    this.drop();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

/** Resolves when `predicate` holds over `seen`, re-checked on each new entry. */
function waitForEntry(seen: string[], onEntry: Set<() => void>, predicate: (all: string[]) => boolean, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!predicate(seen)) return;
      clearTimeout(timer);
      onEntry.delete(check);
      resolve();
    };
    const timer = setTimeout(() => {
      onEntry.delete(check);
      reject(new Error(`timed out waiting for ${what}; got:\n${seen.join('\n')}`));
    }, ms);
    onEntry.add(check);
    check();
  });
}

describe('followLogs against a websocket server', () => {
  let server: LogServer;
  before(async () => {
    server = await LogServer.start();
  });
  after(() => server.close());

  it('shows the historic tail, follows live, reconnects with backoff after drops and failures, and stops on abort', async () => {
    for (let s = 0; s < 5; s++) server.log.push(`web ${at(s)} old line ${s}\n`);
    const seen: string[] = [];
    const listeners = new Set<() => void>();
    const push = (t: string) => {
      seen.push(t);
      listeners.forEach((l) => l());
    };
    let failNextLogs = false;
    const source: LogSource = {
      async logs(follow) {
        if (failNextLogs) {
          failNextLogs = false;
          throw new Error('API down (Bearer dop_v1_0123456789abcdef)');
        }
        return follow ? { live_url: server.url, historic_urls: [] } : { historic_urls: ['memory:'] };
      },
      fetchHistoric: async () => [server.log.join('')],
    };
    const controller = new AbortController();
    const done = followLogs({ source, signal: controller.signal, tail: 3, backoff: { baseMs: 100, maxMs: 400, stableMs: 60_000 }, onLine: push, onNotice: (t) => push(t) });

    await waitForEntry(seen, listeners, (all) => all.includes('— following live —'), 'the live stream');
    assert.deepEqual(seen.slice(0, 4), ['— 2 earlier lines not shown —', `web ${at(2)} old line 2`, `web ${at(3)} old line 3`, `web ${at(4)} old line 4`]);
    server.append(`web ${at(5)} live 5 dop_v1_feedfacefeedface\n`);
    await waitForEntry(seen, listeners, (all) => all.some((l) => l.includes('live 5')), 'a live line');

    server.drop();
    await waitForEntry(seen, listeners, (all) => all.includes('— reconnected —'), 'the reconnect');
    server.append(`web ${at(6)} after reconnect\n`);
    await waitForEntry(seen, listeners, (all) => all.some((l) => l.includes('after reconnect')), 'a line after the reconnect');

    failNextLogs = true;
    server.drop();
    await waitForEntry(seen, listeners, (all) => all.filter((l) => l === '— reconnected —').length === 2, 'the second reconnect');

    controller.abort();
    await done;
    const notices = seen.filter((l) => l.startsWith('— reconnecting'));
    assert.deepEqual(notices, [
      '— reconnecting in 0.1s (connection lost, close code 1006) —',
      '— reconnecting in 0.2s (connection lost, close code 1006) —',
      '— reconnecting in 0.4s (API down (Bearer [REDACTED])) —',
    ]);
    const content = seen.filter((l) => !l.startsWith('—'));
    assert.equal(new Set(content).size, content.length, `no line twice:\n${content.join('\n')}`);
    assert.equal(content.length, 5);
    assert.ok(!seen.some((l) => l.includes('dop_v1_')), 'no token in any line');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.connected, 0, 'the socket is closed after abort');
  });

  it('rejects when the log cannot be asked for at all (nothing to show)', async () => {
    const source: LogSource = { logs: async () => Promise.reject(new Error('no app')), fetchHistoric: async () => [] };
    await assert.rejects(followLogs({ source, signal: new AbortController().signal, onLine: () => undefined, onNotice: () => undefined }), /no app/);
  });
});

describe('followLogs against the local App Platform', () => {
  let cp: ClientPlatform;
  before(async () => {
    cp = await ClientPlatform.start({ platform: { faults: { simulate: true } } });
  });
  after(() => cp?.stop());

  it('a deploy log cut by the fault dropLiveLogs: reconnects, shows every line once, ends with the log', async () => {
    await cp.setFaults({ simulate: true, deployMs: 1_500 });
    const app = await cp.client.createApp(simulatedSpec('follow-drop'));
    const deploymentId = (app.pending_deployment ?? app.in_progress_deployment)!.id!;
    await cp.patchFaults({ dropLiveLogs: 1 });
    const seen: string[] = [];
    const notices: string[] = [];
    const controller = new AbortController();
    await followLogs({
      source: appLogSource(cp.client, app.id, { type: 'DEPLOY', deploymentId }),
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(30_000)]),
      finite: true,
      backoff: { baseMs: 100 },
      onLine: (t) => seen.push(t),
      onNotice: (t) => notices.push(t),
    });
    assert.equal((await cp.faults()).dropLiveLogs, 0, 'the drop fired');
    assert.ok(notices.some((n) => /^— reconnecting in 0\.1s \(connection lost, close code 1006\) —$/.test(n)), notices.join('\n'));
    assert.equal(notices.at(-1), '— end of log —');
    const full = parseLogData((await cp.client.fetchHistoricLogs((await cp.client.getLogs(app.id, { type: 'DEPLOY', deploymentId })).historic_urls)).join(''));
    assert.deepEqual(seen, full.map(formatLogLine), 'every line of the deploy log exactly once, in order');
    assert.ok(seen.some((l) => /deployment is live at/.test(l)), seen.join('\n'));
    assert.equal((await cp.wait(app.id, deploymentId)).phase, 'ACTIVE');
  });
});
