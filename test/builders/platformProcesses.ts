import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PLATFORM_MARKER_ENV, stopLocalPlatform } from '../../src/core/localPlatform';

/** Data folders of the local platforms (and their processes) still running whose folder lies under `base`. */
export async function platformDataDirsUnder(base: string): Promise<string[]> {
  const roots = new Set([path.resolve(base), await fs.realpath(base).catch(() => path.resolve(base))]);
  const within = (dir: string) => [...roots].some((r) => dir === r || dir.startsWith(r + path.sep));
  const found = new Set<string>();
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).map(async (e) => {
      const env = await fs.readFile(`/proc/${e}/environ`, 'latin1').catch(() => '');
      for (const v of env.split('\0')) {
        if (v.startsWith(`${PLATFORM_MARKER_ENV}=`)) {
          const dir = v.slice(PLATFORM_MARKER_ENV.length + 1);
          if (within(dir)) found.add(dir);
        }
      }
    }),
  );
  return [...found].sort();
}

/**
 * Stops every local platform whose data folder lies under `base` (a test repository or the demo's folder): the
 * platform now outlives the command or window that started it, so whoever made the repository stops it with it.
 */
export async function stopPlatformsUnder(base: string): Promise<string[]> {
  const dirs = await platformDataDirsUnder(base);
  await Promise.all(dirs.map((d) => stopLocalPlatform(d, 10_000)));
  return dirs;
}
