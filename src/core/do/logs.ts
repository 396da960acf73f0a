/**
 * Live logs: a `live_url` is a websocket whose frames are `{"data": "<component> <RFC3339 time> <line>\n"}`
 * (doctl's `apps logs --follow` reads them the same way).
 */
import WebSocket from 'ws';
import { AppPlatformError } from './errors';
import { describeUrl, redact, registerSecret } from './redact';
import { LiveLogFrameSchema } from './schemas';

export interface LogLine {
  /** The component that wrote the line, when the frame names one. */
  component?: string;
  /** RFC3339 time stamp, as DigitalOcean sent it. */
  time?: string;
  line: string;
}

export interface LiveLogOptions {
  /** Aborting closes the socket; the stream then ends normally. */
  signal?: AbortSignal;
  onLine?: (line: LogLine) => void;
  onOpen?: () => void;
  /** Opening handshake deadline (default 15 s). */
  handshakeTimeoutMs?: number;
}

/** Lines as they arrive: iterate it (`for await`), or use onLine and await `done`. */
export interface LiveLogStream extends AsyncIterable<LogLine> {
  /** Resolves when the socket closes (by the server, close() or abort); rejects with LOGS_UNAVAILABLE on failure. */
  readonly done: Promise<void>;
  /** The websocket close code once closed (1000: the server ended the log; 1006: the connection was lost). */
  readonly closeCode: number | undefined;
  close(): void;
}

const LINE = /^(\S+) (\d{4}-\d{2}-\d{2}T[^\s]+) ?([\s\S]*)$/;

/** Splits a frame's `data` into lines and each into component, time and text. */
export function parseLogData(data: string): LogLine[] {
  const lines = data.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = LINE.exec(text);
    return m ? { component: m[1], time: m[2], line: m[3] } : { line: text };
  });
}

/** Parses one websocket frame; a frame that is not the JSON envelope is taken as plain log text. */
export function parseLogFrame(frame: string): LogLine[] {
  let data = frame;
  try {
    const parsed = LiveLogFrameSchema.safeParse(JSON.parse(frame));
    if (parsed.success) data = parsed.data.data;
  } catch {
    // plain text frame
  }
  return parseLogData(data);
}

/** The websocket URL of a live_url (http→ws, https→wss) and the bearer it carries in `?token=`, as doctl does. */
export function liveLogTarget(liveUrl: string): { url: string; token?: string } {
  const u = new URL(liveUrl);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  const token = u.searchParams.get('token') ?? undefined;
  return { url: u.toString(), token };
}

export function followLiveLogs(liveUrl: string, options: LiveLogOptions = {}): LiveLogStream {
  const queue: LogLine[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: AppPlatformError | undefined;
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // an unobserved failure must not crash the process; iterators and awaiters still see it

  const finish = (error?: AppPlatformError) => {
    if (ended) return;
    ended = true;
    failure = error;
    options.signal?.removeEventListener('abort', onAbort);
    if (error) settle.reject(error);
    else settle.resolve();
    wake?.();
  };

  let ws: WebSocket | undefined;
  let closeCode: number | undefined;
  const onAbort = () => close();

  try {
    const target = liveLogTarget(liveUrl);
    registerSecret(target.token);
    ws = new WebSocket(target.url, {
      headers: target.token ? { authorization: `Bearer ${target.token}` } : undefined,
      handshakeTimeout: options.handshakeTimeoutMs ?? 15_000,
    });
    const where = describeUrl(liveUrl);
    ws.on('open', () => options.onOpen?.());
    ws.on('message', (data: WebSocket.RawData) => {
      if (ended) return;
      for (const line of parseLogFrame(rawToString(data))) {
        queue.push(line);
        try {
          options.onLine?.(line);
        } catch {
          // a consumer's bug must not stop the stream
        }
      }
      wake?.();
    });
    ws.on('error', (e: Error) =>
      finish(
        new AppPlatformError({
          code: 'LOGS_UNAVAILABLE',
          operation: 'live_logs',
          path: where,
          message: `live logs: ${where}: ${redact(e.message)}`,
          cause: e,
        }),
      ),
    );
    ws.on('close', (code: number) => {
      closeCode = code;
      finish();
    });
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  } catch (e) {
    finish(
      new AppPlatformError({
        code: 'LOGS_UNAVAILABLE',
        operation: 'live_logs',
        message: `live logs: invalid live_url (${redact(String(e))})`,
        cause: e,
      }),
    );
  }

  function close(): void {
    if (ws?.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws && ws.readyState !== WebSocket.CLOSED) ws.close(1000);
    finish();
  }

  return {
    done,
    get closeCode() {
      return closeCode;
    },
    close,
    [Symbol.asyncIterator](): AsyncIterator<LogLine> {
      return {
        async next(): Promise<IteratorResult<LogLine>> {
          for (;;) {
            if (queue.length > 0) return { value: queue.shift()!, done: false };
            if (ended) {
              if (failure) throw failure;
              return { value: undefined, done: true };
            }
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        },
        async return(): Promise<IteratorResult<LogLine>> {
          close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
