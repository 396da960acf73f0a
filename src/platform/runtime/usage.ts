import { promises as fs } from 'node:fs';
import { sleep } from '../util/abort';

// What a component's process group uses, read from /proc: CPU time (utime + stime of every process in the group) and
// resident memory. App Platform reports both as a percent of the instance size's vCPUs and memory.

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux the platform runs on. */
const TICKS_PER_SECOND = 100;
/** A CPU figure needs two readings; without a recent one, the health answer waits this long for a second. */
const SAMPLE_MS = 250;
/** An older reading says little about "now": take a fresh pair instead. */
const MAX_SAMPLE_AGE_MS = 60_000;

interface GroupReading {
  readonly at: number;
  readonly ticks: number;
  readonly rssBytes: number;
}

/** The fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Every live process of the group `pgid` (the leader's PID): CPU ticks and resident bytes added up. */
async function readGroup(pgid: number): Promise<GroupReading | undefined> {
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  let ticks = 0;
  let rssPages = 0;
  let found = false;
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map(async (e) => {
      const text = await fs.readFile(`/proc/${e}/stat`, 'utf8').catch(() => undefined);
      if (!text) return;
      // state is field 3; pgrp 5; utime 14; stime 15; rss 24 (1-based, as proc(5) counts them).
      const f = statFields(text);
      if (Number(f[2]) !== pgid || f[0] === 'Z') return;
      found = true;
      ticks += Number(f[11]) + Number(f[12]);
      rssPages += Number(f[21]);
    }),
  );
  return found ? { at: Date.now(), ticks, rssBytes: rssPages * PAGE_BYTES } : undefined;
}

const PAGE_BYTES = 4096;

export interface GroupUsage {
  /** Percent of `cpus` vCPUs over the time since the previous reading. */
  readonly cpuPercent: number;
  readonly rssBytes: number;
}

/** CPU and memory of process groups, keeping each group's last reading so that a poll compares with the one before. */
export class UsageMeter {
  private readonly last = new Map<number, GroupReading>();

  async usage(pgid: number, cpus: number): Promise<GroupUsage | undefined> {
    let before = this.last.get(pgid);
    if (!before || Date.now() - before.at > MAX_SAMPLE_AGE_MS) {
      before = await readGroup(pgid);
      if (!before) return undefined;
      await sleep(SAMPLE_MS);
    }
    const after = await readGroup(pgid);
    if (!after) {
      this.last.delete(pgid);
      return undefined;
    }
    this.last.set(pgid, after);
    const seconds = Math.max((after.at - before.at) / 1000, 0.001);
    const used = Math.max(0, after.ticks - before.ticks) / TICKS_PER_SECOND;
    return { cpuPercent: round2((used / seconds / Math.max(cpus, 0.001)) * 100), rssBytes: after.rssBytes };
  }

  /** Forgets groups that no longer run. */
  forget(pgid: number): void {
    this.last.delete(pgid);
  }
}

/** The state letter of /proc/<pid>/stat (R running, S sleeping, D disk wait, Z zombie, T stopped…), or undefined. */
export async function processState(pid: number): Promise<string | undefined> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text ? statFields(text)[0] : undefined;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
