import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import { sleep } from '../util/abort';

/** A port that was free on 127.0.0.1 a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A listening TCP socket on this host, from /proc/net/tcp{,6}. */
export interface Listener {
  /** Printable address: `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `::ffff:127.0.0.1`, … */
  readonly address: string;
  readonly port: number;
  /** Reachable from this host only (127.0.0.0/8, ::1 or an IPv4-mapped 127.x address). */
  readonly loopback: boolean;
}

const LISTEN_STATE = '0A';

/** The kernel prints each 32-bit word of an address in host (little-endian) order: answers the address's bytes. */
function addressBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  return bytes;
}

function describe(bytes: number[]): { address: string; loopback: boolean } {
  if (bytes.length === 4) return { address: bytes.join('.'), loopback: bytes[0] === 127 };
  const zeros = (from: number, to: number): boolean => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return { address: `::ffff:${bytes.slice(12).join('.')}`, loopback: bytes[12] === 127 };
  }
  if (zeros(0, 16)) return { address: '::', loopback: false };
  if (zeros(0, 15) && bytes[15] === 1) return { address: '::1', loopback: true };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return { address: groups.join(':'), loopback: false };
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6 into its listening sockets. */
export function parseProcNetTcp(text: string): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== LISTEN_STATE) continue;
    const [hexAddress, hexPort] = fields[1].split(':');
    if (!hexAddress || !hexPort || !/^[0-9A-Fa-f]+$/.test(hexAddress + hexPort)) continue;
    out.push({ ...describe(addressBytes(hexAddress)), port: parseInt(hexPort, 16) });
  }
  return out;
}

/** Listening sockets on `port` (IPv4 and IPv6); empty where /proc/net is not available. */
export async function listenersOn(port: number): Promise<Listener[]> {
  const texts = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
  return texts.flatMap(parseProcNetTcp).filter((l) => l.port === port);
}

/**
 * Waits until something listens on `port` (while `running()` and for at most `timeoutMs`), then answers the listeners
 * that are reachable from other hosts (0.0.0.0, ::, a LAN address): a local platform serves on loopback only.
 * Answers undefined when nothing listened in time or /proc/net is unavailable.
 */
export async function exposedListeners(port: number, running: () => boolean, timeoutMs = 120_000): Promise<Listener[] | undefined> {
  const deadline = Date.now() + timeoutMs;
  // Each read of /proc/net/tcp walks the kernel's socket tables (18-40 ms on a busy 2-core host): poll sparingly.
  let interval = 100;
  while (running() && Date.now() < deadline) {
    const found = await listenersOn(port);
    if (found.length > 0) return found.filter((l) => !l.loopback);
    await sleep(interval);
    interval = Math.min(1000, interval * 2);
  }
  return undefined;
}
