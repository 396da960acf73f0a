import { appendFileSync, mkdirSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DataDir } from '../state/store';

export type LogType = 'BUILD' | 'DEPLOY' | 'RUN' | 'RUN_RESTARTED';
export const LOG_TYPES: readonly LogType[] = ['BUILD', 'DEPLOY', 'RUN', 'RUN_RESTARTED'];

interface Follower {
  readonly component?: string;
  readonly onLine: (line: string) => void;
  readonly onEnd: () => void;
}

interface LogFile {
  readonly file: string;
  /** Bytes on disk; lines in `buffer` are exactly those not written yet. */
  size: number;
  buffer: string[];
  chain: Promise<void>;
  scheduled: boolean;
  /** The deployment's log folder exists (made by this entry's first write). */
  dirMade?: boolean;
  live: boolean;
  readonly followers: Set<Follower>;
}

/**
 * Per deployment, one file per log type; every line is stored as DigitalOcean's live frames carry it:
 * `<component> <RFC 3339 time> <text>`. A log is "live" while what writes it runs (the build, the deployment, the
 * processes); followers get new lines until it ends.
 */
export class LogStore {
  private readonly files = new Map<string, LogFile>();
  /** Deployments made by this process: their logs cannot be on disk yet, so nothing is looked up. */
  private readonly fresh = new Set<string>();

  constructor(private readonly dir: DataDir) {}

  private entry(deploymentId: string, type: LogType): LogFile {
    const key = `${deploymentId}/${type}`;
    let e = this.files.get(key);
    if (!e) {
      const file = path.join(this.dir.logDir(deploymentId), `${type}.log`);
      const log: LogFile = { file, size: 0, buffer: [], chain: Promise.resolve(), scheduled: false, live: false, followers: new Set() };
      if (!this.fresh.has(deploymentId)) log.chain = fs.stat(file).then((s) => void (log.size = s.size), () => undefined);
      this.files.set(key, log);
      e = log;
    }
    return e;
  }

  /** A deployment that did not exist before (a new id): its logs start empty. */
  created(deploymentId: string): void {
    this.fresh.add(deploymentId);
  }

  /** Marks a log as live: followers stay connected until `end`. */
  begin(deploymentId: string, type: LogType): void {
    this.entry(deploymentId, type).live = true;
  }

  end(deploymentId: string, type: LogType): void {
    const e = this.files.get(`${deploymentId}/${type}`);
    if (!e || !e.live) return;
    e.live = false;
    const followers = [...e.followers];
    e.followers.clear();
    // Followers end after the lines written so far reached them.
    void e.chain.then(() => followers.forEach((f) => f.onEnd()));
  }

  isLive(deploymentId: string, type: LogType): boolean {
    return this.files.get(`${deploymentId}/${type}`)?.live === true;
  }

  /** Appends `text` (one or more lines) for `component`. */
  append(deploymentId: string, type: LogType, component: string, text: string): void {
    const e = this.entry(deploymentId, type);
    const time = new Date().toISOString();
    const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
    for (const line of lines) {
      const formatted = `${component} ${time} ${line}\n`;
      e.buffer.push(formatted);
      for (const f of e.followers) if (!f.component || f.component === component) f.onLine(formatted);
    }
    if (!e.scheduled) {
      e.scheduled = true;
      // Synchronous: an append reaches the page cache in microseconds (no rename, no fsync), while as promises it is
      // three trips through libuv's thread pool (open, write, close), queued behind every other deployment's.
      e.chain = e.chain.then(() => {
        e.scheduled = false;
        const n = e.buffer.length;
        const data = e.buffer.slice(0, n).join('');
        if (!data) return;
        if (!e.dirMade) mkdirSync(path.dirname(e.file), { recursive: true, mode: 0o700 });
        e.dirMade = true;
        // 0600: logs hold whatever skills print, secrets included.
        appendFileSync(e.file, data, { mode: 0o600 });
        e.buffer.splice(0, n);
        e.size += Buffer.byteLength(data);
      }).catch(() => {
        // Made again by the next write (the folder may have been removed under us); the lines stay buffered.
        e.dirMade = false;
      });
    }
  }

  /** The log's text so far, optionally only one component's lines. */
  async read(deploymentId: string, type: LogType, component?: string): Promise<string> {
    const e = this.files.get(`${deploymentId}/${type}`);
    if (e) await e.chain;
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir.logDir(deploymentId), `${type}.log`), 'utf8');
    } catch {
      text = '';
    }
    if (!component) return text;
    const prefix = `${component} `;
    return text.split('\n').filter((l) => l.startsWith(prefix)).map((l) => l + '\n').join('');
  }

  /**
   * Sends the lines written so far, then (when `follow` and the log is live) every new line until the log ends.
   * Answers a function that stops following.
   */
  async follow(
    deploymentId: string,
    type: LogType,
    component: string | undefined,
    follow: boolean,
    onLine: (line: string) => void,
    onEnd: () => void,
  ): Promise<() => void> {
    const e = this.entry(deploymentId, type);
    await e.chain;
    // From here to the subscription nothing awaits: bytes [0, size) on disk + `pending` + what followers get later is
    // every line exactly once.
    const size = e.size;
    const pending = e.buffer.slice();
    const early: string[] = [];
    let replaying = true;
    let ended = false;
    const follower: Follower = {
      component,
      onLine: (line) => (replaying ? early.push(line) : onLine(line)),
      onEnd: () => {
        if (replaying) ended = true;
        else onEnd();
      },
    };
    const wantsMore = follow && e.live;
    if (wantsMore) e.followers.add(follower);
    const prefix = component ? `${component} ` : '';
    const keep = (l: string): boolean => l.length > 0 && l.startsWith(prefix);
    const onDisk = await readPrefix(e.file, size);
    for (const line of onDisk.split('\n')) if (keep(line)) onLine(line + '\n');
    for (const line of pending) if (keep(line)) onLine(line);
    replaying = false;
    for (const line of early) onLine(line);
    if (!wantsMore || ended) onEnd();
    return () => void e.followers.delete(follower);
  }

  async removeDeployment(deploymentId: string): Promise<void> {
    for (const type of LOG_TYPES) {
      const e = this.files.get(`${deploymentId}/${type}`);
      if (e) {
        this.end(deploymentId, type);
        await e.chain;
        this.files.delete(`${deploymentId}/${type}`);
      }
    }
    this.fresh.delete(deploymentId);
    await fs.rm(this.dir.logDir(deploymentId), { recursive: true, force: true });
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((e) => e.chain));
  }
}

async function readPrefix(file: string, bytes: number): Promise<string> {
  if (bytes <= 0) return '';
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
