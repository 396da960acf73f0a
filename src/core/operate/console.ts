/**
 * A console in a running instance: App Platform's exec websocket, spoken as doctl's `apps console` speaks it. The exec
 * URL (`GET …/components/{name}/exec`) carries a short-lived `token` query parameter; frames are JSON text: in
 * `{"op":"stdin","data"}` (an empty one every 30 s keeps the session alive) and `{"op":"resize","width","height"}`,
 * out `{"data"}`. The server closes the socket when the shell ends; closing it ends the shell.
 */
import WebSocket from 'ws';
import type { AppPlatformClient } from '../do/client';
import { describeUrl, redact, registerSecret } from '../do/redact';
import type { Instance } from '../do/schemas';
import { OperateError } from './app';

/** doctl's keep-alive period. */
const KEEPALIVE_MS = 30_000;

export interface ExecClose {
  readonly code: number;
  readonly reason: string;
}

/** One console session over an exec websocket. */
export class ExecSession {
  /** Resolves when the socket closes (the shell ended, `close()`, or the connection broke). */
  readonly closed: Promise<ExecClose>;
  private readonly keepalive: NodeJS.Timeout;

  private constructor(private readonly ws: WebSocket, onData: (text: string) => void) {
    ws.on('message', (raw: WebSocket.RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      const text = bytes.toString('utf8');
      if (isBinary) return onData(text);
      try {
        const frame = JSON.parse(text) as { data?: unknown };
        if (typeof frame.data === 'string') onData(frame.data);
      } catch {
        onData(text);
      }
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.keepalive = setInterval(() => this.send({ op: 'stdin', data: '' }), KEEPALIVE_MS);
    this.keepalive.unref();
    void this.closed.then(() => clearInterval(this.keepalive));
  }

  /** Connects to `url` (an exec URL as App Platform answers it) and sends the terminal's size. */
  static async connect(
    url: string,
    options: { cols?: number; rows?: number; onData: (text: string) => void; signal?: AbortSignal; handshakeTimeoutMs?: number },
  ): Promise<ExecSession> {
    const token = new URL(url).searchParams.get('token') ?? undefined;
    registerSecret(token);
    const ws = new WebSocket(url, { handshakeTimeout: options.handshakeTimeoutMs ?? 15_000 });
    const onAbort = (): void => ws.terminate();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', (e) => reject(new OperateError('NO_RUNNING_INSTANCE', `console: ${describeUrl(url)}: ${redact(e.message)}`)));
        ws.once('unexpected-response', (_req, res) =>
          reject(new OperateError('NO_RUNNING_INSTANCE', `console: the exec URL was refused (HTTP ${res.statusCode})`)));
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const session = new ExecSession(ws, options.onData);
    if (options.cols && options.rows) session.resize(options.cols, options.rows);
    return session;
  }

  /** Keystrokes or text for the shell. */
  write(data: string): void {
    if (data) this.send({ op: 'stdin', data });
  }

  resize(cols: number, rows: number): void {
    this.send({ op: 'resize', width: Math.max(1, Math.floor(cols)), height: Math.max(1, Math.floor(rows)) });
  }

  /** Ends the session: the server hangs up the shell and what it started. */
  close(): void {
    clearInterval(this.keepalive);
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  private send(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }
}

export interface ConsoleTarget {
  readonly component: string;
  readonly instance: Instance;
  readonly url: string;
}

/**
 * The exec URL for a console in `component` (default: the only running one) and `instance` (its name or alias;
 * default: the first). A skill with nothing running, or names that do not run, get a clear OperateError.
 */
export async function consoleTarget(
  client: AppPlatformClient,
  appId: string,
  appName: string,
  choice: { component?: string; instance?: string; signal?: AbortSignal },
): Promise<ConsoleTarget> {
  const instances = await client.listInstances(appId, { signal: choice.signal });
  if (!instances.length) {
    throw new OperateError('NO_RUNNING_INSTANCE', `${appName} has no running instance`,
      'deploy it (or wait for its deployment to be live), then try again');
  }
  const components = [...new Set(instances.map((i) => i.component_name ?? ''))].filter(Boolean);
  const component = choice.component ?? (components.length === 1 ? components[0] : undefined);
  if (!component) {
    throw new OperateError('UNKNOWN_COMPONENT', `${appName} runs several components: ${components.join(', ')}`,
      'name one with --component');
  }
  const mine = instances.filter((i) => i.component_name === component);
  if (!mine.length) {
    throw new OperateError('NO_RUNNING_INSTANCE', `${appName} has no running instance of component "${component}"`
      + ` (running: ${components.join(', ')})`);
  }
  const named = (i: Instance): boolean => i.instance_name === choice.instance || i.instance_alias === choice.instance;
  const instance = choice.instance ? mine.find(named) : mine[0];
  if (!instance) {
    const names = mine.map((i) => `${i.instance_name}${i.instance_alias ? ` (${i.instance_alias})` : ''}`).join(', ');
    throw new OperateError('UNKNOWN_INSTANCE', `${component} has no instance "${choice.instance}" (running: ${names})`);
  }
  const url = await client.getExecUrl(appId, component, { instanceName: instance.instance_name }, { signal: choice.signal });
  return { component, instance, url };
}
