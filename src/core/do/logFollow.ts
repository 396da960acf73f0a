/**
 * Following a log for as long as someone watches it: the recent historic lines first, then the live stream, and when
 * the stream closes or fails, a reconnect with exponential backoff to a freshly asked `live_url` (signed URLs expire
 * and the active deployment changes). Lines a reconnected stream replays are dropped, and every text is redacted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { followLiveLogs, parseLogData, type LiveLogStream, type LogLine } from './logs';
import { redact } from './redact';
import type { AppPlatformClient } from './client';
import type { LogsResponse, LogType } from './schemas';

export interface BackoffOptions {
  /** The first delay (default 1 s); each further attempt doubles it. */
  readonly baseMs: number;
  /** The longest delay (default 30 s). */
  readonly maxMs: number;
  /** A connection that stayed open this long resets the schedule (default 5 s). */
  readonly stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000, stableMs: 5_000 };

/** The delay before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s … capped at 30 s by default. */
export function reconnectDelayMs(attempt: number, options: Pick<BackoffOptions, 'baseMs' | 'maxMs'> = DEFAULT_BACKOFF): number {
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

/** `<component> <time> <text>`, as `doctl apps logs` prints it, without any secret. */
export function formatLogLine(line: LogLine): string {
  return redact([line.component, line.time, line.line].filter((x) => x !== undefined).join(' '));
}

/**
 * Where the follower stands in a log. A live stream starts by replaying lines already shown (the local platform sends
 * the whole log, DigitalOcean a recent tail). Until a pass has caught up, a line is new when it is later than the last
 * one shown, or at the same time but not yet shown as often; after that every line is new (components may interleave
 * slightly out of order). Lines without a time cannot be placed and always count as new.
 */
export class LogCursor {
  private lastMs = -Infinity;
  /** How often each line at `lastMs` was shown. */
  private shownAtLast = new Map<string, number>();

  /** A filter for one pass over a log (the historic text, or one connection's stream). */
  pass(): (line: LogLine) => boolean {
    const seenAtLast = new Map<string, number>();
    let caughtUp = false;
    return (line) => {
      const ms = line.time ? Date.parse(line.time) : NaN;
      if (Number.isNaN(ms)) return true;
      const key = `${line.component ?? ''} ${line.line}`;
      if (!caughtUp && ms < this.lastMs) return false;
      if (!caughtUp && ms === this.lastMs) {
        const n = (seenAtLast.get(key) ?? 0) + 1;
        seenAtLast.set(key, n);
        if (n <= (this.shownAtLast.get(key) ?? 0)) return false;
      }
      caughtUp ||= ms > this.lastMs;
      if (ms > this.lastMs) {
        this.lastMs = ms;
        this.shownAtLast = new Map();
      }
      if (ms === this.lastMs) this.shownAtLast.set(key, (this.shownAtLast.get(key) ?? 0) + 1);
      return true;
    };
  }
}

/** The platform side of one log: DigitalOcean's logs endpoint and the pre-signed historic URLs it names. */
export interface LogSource {
  /** apps_get_logs… now: with `follow` the `live_url`, without it the `historic_urls`. */
  logs(follow: boolean, signal: AbortSignal): Promise<LogsResponse>;
  fetchHistoric(urls: readonly string[], signal: AbortSignal): Promise<string[]>;
}

/** One log of one app through the client: `deploymentId` absent means the active deployment's. */
export function appLogSource(
  client: Pick<AppPlatformClient, 'getLogs' | 'fetchHistoricLogs'>,
  appId: string,
  log: { readonly type: LogType; readonly deploymentId?: string; readonly component?: string },
): LogSource {
  return {
    logs: (follow, signal) => client.getLogs(appId, { ...log, follow, signal }),
    fetchHistoric: (urls, signal) => client.fetchHistoricLogs(urls, { signal }),
  };
}

export type LogNoticeKind = 'info' | 'warn';

export interface FollowLogsOptions {
  readonly source: LogSource;
  /** Aborting stops following: the socket closes and no reconnect is scheduled. */
  readonly signal: AbortSignal;
  /** Each new line, formatted and redacted. */
  readonly onLine: (text: string, line: LogLine) => void;
  /** Lines about the stream itself, e.g. `— reconnecting in 2s (stream closed by the platform) —`. */
  readonly onNotice: (text: string, kind: LogNoticeKind) => void;
  /** After each successful open of the live stream. */
  readonly onOpen?: () => void;
  /** A build or deploy log: the stream closing normally is its end, not a reason to reconnect. */
  readonly finite?: boolean;
  /** How many historic lines to show first (default 200). */
  readonly tail?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** Opening a live stream; default followLiveLogs. */
  readonly connect?: typeof followLiveLogs;
}

export const DEFAULT_TAIL = 200;
const NORMAL_CLOSURE = 1000;

const reasonOf = (e: unknown): string => redact((e as Error)?.message ?? String(e));

/**
 * Shows the last `tail` historic lines, then follows the live stream until `signal` aborts (or a finite log ends).
 * Rejects only when the first request for the log fails (nothing could be shown); later failures reconnect.
 */
export async function followLogs(options: FollowLogsOptions): Promise<void> {
  const { source, signal, onNotice } = options;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const cursor = new LogCursor();
  const emit = (line: LogLine) => options.onLine(formatLogLine(line), line);

  const historic = await source.logs(false, signal);
  const text = (await source.fetchHistoric(historic.historic_urls, signal)).join('');
  const lines = parseLogData(text);
  const first = cursor.pass();
  const shown = lines.filter(first);
  const tail = options.tail ?? DEFAULT_TAIL;
  if (shown.length > tail) onNotice(`— ${shown.length - tail} earlier lines not shown —`, 'info');
  shown.slice(-tail).forEach(emit);

  let attempt = 0;
  let opens = 0;
  while (!signal.aborted) {
    let reason: string;
    let openedAt: number | undefined;
    let stream: LiveLogStream | undefined;
    try {
      const { live_url: liveUrl } = await source.logs(true, signal);
      if (!liveUrl) {
        if (options.finite) return onNotice('— end of log (no live stream) —', 'info');
        throw new Error('the platform offered no live stream');
      }
      const accept = cursor.pass();
      stream = (options.connect ?? followLiveLogs)(liveUrl, {
        signal,
        onOpen: () => {
          openedAt = Date.now();
          onNotice(opens++ === 0 ? '— following live —' : '— reconnected —', 'info');
          options.onOpen?.();
        },
        onLine: (line) => {
          if (accept(line)) emit(line);
        },
      });
      await stream.done;
      const ended = stream.closeCode === NORMAL_CLOSURE;
      if (options.finite && ended) return onNotice('— end of log —', 'info');
      reason =
        openedAt === undefined
          ? 'the stream closed before it opened'
          : ended
            ? 'the platform ended the stream'
            : `connection lost, close code ${stream.closeCode ?? 'none'}`;
    } catch (e) {
      reason = reasonOf(e);
    } finally {
      stream?.close();
    }
    if (signal.aborted) break;
    if (openedAt !== undefined && Date.now() - openedAt >= backoff.stableMs) attempt = 0;
    const ms = reconnectDelayMs(attempt++, backoff);
    onNotice(`— reconnecting in ${formatSeconds(ms)} (${reason}) —`, 'warn');
    await sleep(ms, undefined, { signal }).catch(() => undefined);
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}
