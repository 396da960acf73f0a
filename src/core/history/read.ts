/** The history as the CLI and the extension read it: the history files, completed from an old status file. */
import { StatusStore } from '../status/statusStore';
import { recordsFromStatus } from './fromStatus';
import type { HistoryRecord } from './schema';
import { HistoryStore, type HistoryOptions } from './store';

export interface LoadedHistory {
  records: HistoryRecord[];
  /** History lines that did not parse (skipped). */
  skipped: number;
  /** A status file that could not be read (its records are then missing). */
  statusProblem?: string;
}

/**
 * Every record, oldest first. Skills without a history line (deployed before the history existed) are read from the
 * status file, so an old repository shows its last deployments; `defaultEnvironment` names their environment.
 */
export async function loadHistory(commonDir: string, defaultEnvironment: string, options: HistoryOptions = {}): Promise<LoadedHistory> {
  const { records, skipped } = await new HistoryStore(commonDir, options).read();
  const known = new Set(records.map((r) => r.skill));
  try {
    const status = await new StatusStore(commonDir).read();
    const old = recordsFromStatus(status, known, defaultEnvironment);
    if (!old.length) return { records, skipped };
    const all = [...records, ...old].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    return { records: all, skipped };
  } catch (e) {
    return { records, skipped, statusProblem: (e as Error).message };
  }
}
