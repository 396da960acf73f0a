/**
 * Process groups (a child started with `detached: true` leads its own): is one alive, signal it, stop it. Imports
 * only `node:` modules, so the local platform (its runtime) and the core's local runs share it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether any process of group `pgid` is alive (EPERM: alive, but another user's). */
export function groupAlive(pgid: number): boolean {
  if (!(pgid > 0)) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Resolves true once no process of the group is left, false when `ms` ran out first. */
export async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

/** SIGTERM to the whole group (uvicorn's reloader and its worker), SIGKILL after `graceMs`; resolves when it is gone. */
export async function stopGroup(pgid: number, graceMs = 5_000): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, 5_000);
}
