import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { gitCommonDir } from '../git/git';
import { writeFileAtomic } from '../status/atomicFile';
import { groupAlive } from '../util/processGroup';

// The CLI (`odoobo run`) and the extension each start local runs in their own process: a small file per run under
// <git-common-dir>/odoobo/local-runs/ lets either find (invoke, test, stop) the other's, from any worktree.

const LocalRunRecordSchema = z.object({
  skill: z.string(),
  /** The run's process group (its leader's pid). */
  pid: z.number().int().positive(),
  port: z.number().int(),
  url: z.string(),
  /** The worktree whose working files it serves. */
  worktree: z.string(),
  startedAt: z.string(),
  owner: z.string(),
});
export type LocalRunRecord = z.infer<typeof LocalRunRecordSchema>;

/** `<git-common-dir>/odoobo/local-runs` of the repository holding `dir`; undefined outside a git repository. */
export async function localRunsDir(dir: string): Promise<string | undefined> {
  const common = await gitCommonDir(dir);
  return common ? path.join(common, 'odoobo', 'local-runs') : undefined;
}

function fileOf(runsDir: string, skill: string): string {
  return path.join(runsDir, `${skill}.json`);
}

export async function writeRunRecord(runsDir: string, record: LocalRunRecord): Promise<void> {
  await fs.mkdir(runsDir, { recursive: true });
  await writeFileAtomic(fileOf(runsDir, record.skill), JSON.stringify(record, null, 2) + '\n', { durable: false });
}

/** Removes the skill's record when it is still the one of process group `pid` (a newer run keeps its own). */
export async function removeRunRecord(runsDir: string, skill: string, pid: number): Promise<void> {
  const current = await readRunRecord(runsDir, skill, { keepDead: true });
  if (current?.pid === pid) await fs.rm(fileOf(runsDir, skill), { force: true });
}

/** The skill's running local run; a record whose process group is gone is deleted and answers undefined. */
export async function readRunRecord(
  runsDir: string, skill: string, options: { keepDead?: boolean } = {},
): Promise<LocalRunRecord | undefined> {
  const text = await fs.readFile(fileOf(runsDir, skill), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let parsed: LocalRunRecord | undefined;
  try {
    const r = LocalRunRecordSchema.safeParse(JSON.parse(text));
    parsed = r.success ? r.data : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed && (options.keepDead || groupAlive(parsed.pid))) return parsed;
  if (!options.keepDead) await fs.rm(fileOf(runsDir, skill), { force: true });
  return undefined;
}

/** Every running local run of the repository, by skill name. */
export async function listRunRecords(runsDir: string): Promise<LocalRunRecord[]> {
  const names = await fs.readdir(runsDir).catch(() => [] as string[]);
  const skills = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -'.json'.length)).sort();
  const records = await Promise.all(skills.map((s) => readRunRecord(runsDir, s)));
  return records.filter((r): r is LocalRunRecord => r !== undefined);
}
