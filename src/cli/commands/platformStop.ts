import { parseArgs } from 'node:util';
import { stopLocalPlatform } from '../../core/localPlatform';
import { UsageError, type CliCommand } from '../command';
import { COMMON_OPTIONS, DIR_HELP, EXIT, HELP_HELP, JSON_HELP, printJson, reportFailure } from './common';
import { platformDataDir } from './platformStatus';

const HELP = `Usage: odoobo platform stop [options]

Stops the repository's local App Platform and every process it runs: SIGTERM to the platform (it stops its apps and
removes its endpoint file), SIGKILL after --grace seconds; then anything still carrying the platform's marker (e.g.
what a platform killed with kill -9 left) is stopped too, and the command checks that no such process remains.
The apps' state stays in the data folder: the next command that needs the platform starts it and restores them.

Options:
  --data-dir <dir>               the platform's data folder (default: <git-common-dir>/odoobo/local-platform)
  --grace <seconds>              how long to wait after SIGTERM before SIGKILL (default 20)
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

Exit status:
  0    stopped, or none was running
  1    a process of the platform is still running
  2    wrong usage
`;

export const platformStop: CliCommand = {
  path: ['platform', 'stop'],
  summary: "stop the repository's local App Platform and the apps it runs",
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { ...COMMON_OPTIONS, 'data-dir': { type: 'string' }, grace: { type: 'string' } },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    const grace = Number(values.grace ?? '20');
    if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`--grace expects seconds, got "${values.grace}"`);
    const dataDir = await platformDataDir(values);
    try {
      const r = await stopLocalPlatform(dataDir, grace * 1000);
      const ok = r.remaining.length === 0;
      if (values.json) {
        printJson(io, { command: 'platform stop', ok, data_dir: dataDir, pid: r.pid ?? null, was_running: r.wasRunning, killed: r.killed,
          leftovers: r.leftovers, remaining: r.remaining });
      } else {
        if (r.wasRunning) io.out(`stopped the local App Platform (pid ${r.pid})${r.killed ? ' with SIGKILL after the grace time' : ''}`);
        else io.out(`no local App Platform was running for ${dataDir}`);
        if (r.leftovers.length) io.out(`stopped ${r.leftovers.length} leftover process(es) of it: ${r.leftovers.join(', ')}`);
        if (!ok) io.err(`odoobo platform stop: still running: ${r.remaining.join(', ')}`);
      }
      return ok ? EXIT.OK : EXIT.FAILED;
    } catch (e) {
      return reportFailure(io, 'platform stop', e, values.json);
    }
  },
};
