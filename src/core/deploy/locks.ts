/**
 * The same skill is never deployed twice at once: an in-process registry (instant answers within one extension host
 * or CLI) plus a lock file `<git-common-dir>/odoobo/locks/deploy/<skill>.lock` (other windows, other CLI runs). The
 * lock file is refreshed while held; one whose process died (or that was not refreshed for 30 s) is taken over, so a
 * killed process never blocks a skill for good. A sub-folder keeps these apart from the git flows' `<skill>.lock`.
 */
import * as path from 'node:path';
import { odooboDir } from '../status/statusStore';
import { StatusError } from '../status/errors';
import { acquireLock, readLockHolder, type HeldLock } from '../status/lockFile';
import { wait } from '../util/wait';
import { DeployError } from './errors';

export function deployLockFile(commonDir: string, skill: string): string {
  return path.join(odooboDir(commonDir), 'locks', 'deploy', `${skill}.lock`);
}

interface Holder {
  purpose: string;
  since: string;
  released: Promise<void>;
}

const inProcess = new Map<string, Holder>();

export interface DeployLockOptions {
  purpose: string;
  whenBusy: 'refuse' | 'wait';
  /** With 'wait': the bound (default 15 minutes). */
  busyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface DeployLock {
  readonly file: string;
  readonly lost: boolean;
  release(): Promise<void>;
}

function busy(skill: string, who: string): DeployError {
  return new DeployError('DEPLOY_IN_PROGRESS', `${skill} is being deployed already (${who}).`, { step: 'lock', details: { holder: who } });
}

/** Takes the skill's deploy lock, or throws DEPLOY_IN_PROGRESS (at once with 'refuse', after the bound with 'wait'). */
export async function acquireDeployLock(commonDir: string, skill: string, options: DeployLockOptions): Promise<DeployLock> {
  const file = deployLockFile(commonDir, skill);
  const deadline = Date.now() + (options.whenBusy === 'wait' ? (options.busyTimeoutMs ?? 15 * 60_000) : 0);
  // In this process: wait for (or refuse) the holder without touching the file system.
  for (let h = inProcess.get(file); h; h = inProcess.get(file)) {
    if (options.whenBusy === 'refuse') throw busy(skill, `${h.purpose}, in this process since ${h.since}`);
    const left = deadline - Date.now();
    if (left <= 0) throw busy(skill, `${h.purpose}, in this process since ${h.since}; waited ${options.busyTimeoutMs ?? 15 * 60_000} ms`);
    await wait(left, { signal: options.signal, until: h.released });
    if (options.signal?.aborted) {
      throw new DeployError('ABORTED', `Canceled while waiting for the deploy lock of ${skill}.`, { step: 'lock' });
    }
  }
  let release!: () => void;
  const holder: Holder = { purpose: options.purpose, since: new Date().toISOString(), released: new Promise<void>((r) => (release = r)) };
  inProcess.set(file, holder);
  let lock: HeldLock;
  try {
    const timeoutMs = Math.max(0, deadline - Date.now());
    lock = await acquireLock(file, { purpose: options.purpose, timeoutMs, staleMs: 30_000, signal: options.signal });
  } catch (e) {
    inProcess.delete(file);
    release();
    if (e instanceof StatusError && e.code === 'LOCKED') {
      const h = e.details.holder ?? (await readLockHolder(file));
      const who = h ? `process ${h.pid} on ${h.host}${h.purpose ? `: ${h.purpose}` : ''} since ${h.createdAt}` : 'another process';
      throw busy(skill, who);
    }
    if (e instanceof StatusError && e.code === 'ABORTED') throw new DeployError('ABORTED', e.message, { step: 'lock', cause: e });
    throw e;
  }
  let released = false;
  return {
    file,
    get lost() {
      return lock.lost;
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await lock.release();
      } finally {
        if (inProcess.get(file) === holder) inProcess.delete(file);
        release();
      }
    },
  };
}
