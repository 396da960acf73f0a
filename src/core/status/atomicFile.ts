import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of a new file (default 0644). */
  mode?: number;
  /**
   * fsync the file and its folder (default true): the write survives a power loss, not only a crash of the process.
   * Without it the rename is still atomic, so readers and a restarted process never see half a file.
   */
  durable?: boolean;
}

/**
 * Writes `data` to a temporary file in the same folder, fsyncs it, renames it over `file` and fsyncs the folder:
 * readers see the old or the new content, never half of it, even after a crash.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const { mode = 0o644, durable = true } = options;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await createFile(tmp, mode);
  try {
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

/**
 * Creates `file`, which must not exist (open 'wx'), making its folder only when it is missing: on the common path that
 * saves a mkdir and the stat behind it.
 */
async function createFile(file: string, mode = 0o644): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await fs.mkdir(path.dirname(file), { recursive: true });
    return fs.open(file, 'wx', mode);
  }
}

/** Makes a rename durable; some platforms (Windows) cannot open folders, which is fine there. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** createFile, synchronously, for files of a few bytes on the local disk (lock files: lockFile.ts says why). */
export function createFileSync(file: string, mode = 0o644): number {
  try {
    return openSync(file, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(path.dirname(file), { recursive: true });
    return openSync(file, 'wx', mode);
  }
}
