/**
 * A child process that writes the deployment history, for tests of concurrent writers and killed ones:
 * `node --import tsx historyWriter.ts '{"op":"append","commonDir":…,"n":100,"tag":"a"}'`
 * - append: appends n records (skill `<tag>`), then prints `done`;
 * - torn: takes the history lock, writes half a line, and kills itself (SIGKILL) as a writer killed mid-append would.
 */
import { promises as fs } from 'node:fs';
import { HistoryStore } from '../../src/core/history/store';
import { acquireLock } from '../../src/core/status/lockFile';

interface Cmd {
  op: 'append' | 'torn';
  commonDir: string;
  n?: number;
  tag?: string;
}

/** A valid history entry for skill `skill`, numbered `i`. */
export function entryFor(skill: string, i: number, over: Record<string, unknown> = {}) {
  return {
    kind: 'deploy',
    skill,
    environment: 'staging',
    target: 'local',
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    durationMs: 1000 + i,
    outcome: 'succeeded',
    message: `record ${i}`,
    steps: [{ name: 'apply', status: 'succeeded', durationMs: 5 }],
    ...over,
  };
}

async function main(cmd: Cmd): Promise<void> {
  const store = new HistoryStore(cmd.commonDir, { lockTimeoutMs: 60_000 });
  if (cmd.op === 'append') {
    for (let i = 0; i < (cmd.n ?? 1); i++) await store.append(entryFor(cmd.tag ?? 'child', i));
    process.stdout.write('done\n');
    return;
  }
  await store.append(entryFor(cmd.tag ?? 'child', 0));
  await acquireLock(store.lockFile);
  const line = JSON.stringify({ v: 1, id: 'torn', ...entryFor(cmd.tag ?? 'child', 1) });
  await fs.appendFile(store.file, line.slice(0, Math.floor(line.length / 2)));
  process.kill(process.pid, 'SIGKILL');
}

if (require.main === module) void main(JSON.parse(process.argv[2]) as Cmd);
