import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { wait } from '../util/wait';
import { pidAlive, PLATFORM_MARKER_ENV, readEndpoint, removeEndpoint } from './endpoint';

/** Pids of the processes carrying the platform's marker for `dataDir` (the platform and every process it runs). */
export async function markedProcesses(dataDir: string): Promise<number[]> {
  const needle = `${PLATFORM_MARKER_ENV}=${path.resolve(dataDir)}`;
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).map(async (e) => {
      const env = await fs.readFile(`/proc/${e}/environ`, 'latin1').catch(() => '');
      if (!env.split('\0').includes(needle)) return;
      // A zombie has exited already; it only waits for its parent to reap it.
      const stat = await fs.readFile(`/proc/${e}/stat`, 'utf8').catch(() => '');
      if (stat && stat[stat.lastIndexOf(')') + 2] !== 'Z') found.push(Number(e));
    }),
  );
  return found.sort((a, b) => a - b);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

async function waitGone(pids: readonly number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pids.some(pidAlive)) {
    if (Date.now() >= deadline) return false;
    await wait(50);
  }
  return true;
}

export interface StopResult {
  /** The platform's pid from its endpoint file, when there was one. */
  readonly pid?: number;
  /** It was running (its pid was alive). */
  readonly wasRunning: boolean;
  /** It did not stop on SIGTERM within the grace time and was killed. */
  readonly killed: boolean;
  /** Processes with the platform's marker still running after its stop, stopped now (e.g. after a kill -9). */
  readonly leftovers: readonly number[];
  /** Marked processes that survived even SIGKILL (should be empty). */
  readonly remaining: readonly number[];
}

/**
 * Stops the repository's platform: SIGTERM (it stops every process it runs, then exits), SIGKILL after `graceMs`;
 * then stops what still carries its marker, and checks that nothing does.
 */
export async function stopLocalPlatform(dataDir: string, graceMs = 20_000): Promise<StopResult> {
  const endpoint = await readEndpoint(dataDir);
  const pid = endpoint?.pid;
  const wasRunning = pid !== undefined && pidAlive(pid);
  let killed = false;
  if (pid !== undefined && wasRunning) {
    signal(pid, 'SIGTERM');
    if (!(await waitGone([pid], graceMs))) {
      signal(pid, 'SIGKILL');
      killed = true;
      await waitGone([pid], 2000);
    }
  }
  const leftovers = await markedProcesses(dataDir);
  // Each skill runs in its own process group: signal the group, so that its children go too.
  for (const p of leftovers) signal(-p, 'SIGTERM');
  for (const p of leftovers) signal(p, 'SIGTERM');
  if (!(await waitGone(leftovers, 3000))) {
    for (const p of leftovers) signal(-p, 'SIGKILL');
    for (const p of leftovers) signal(p, 'SIGKILL');
    await waitGone(leftovers, 2000);
  }
  await removeEndpoint(dataDir, pid);
  return { pid, wasRunning, killed, leftovers, remaining: await markedProcesses(dataDir) };
}
