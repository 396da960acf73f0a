import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AppPlatformClient } from '../../core/do/client';
import { findLocalPlatform, readEndpoint, type PlatformEndpoint } from '../../core/localPlatform';
import { registerSecret } from '../../core/do/redact';
import { defaultLocalDataDir } from '../../core/target';
import { formatDuration } from '../../core/util/timeText';
import type { CliCommand, CliIO } from '../command';
import { styleFor } from '../ui/style';
import { formatTable } from '../ui/table';
import { COMMON_OPTIONS, DIR_HELP, EXIT, HELP_HELP, JSON_HELP, printJson, reportFailure, workDir } from './common';

const HELP = `Usage: odoobo platform status [options]

Shows the repository's local App Platform (the one \`odoobo deploy\`, \`test\`, \`logs\` and the editor share): its URL,
pid, uptime and data folder, and every app with its live URL, active deployment and the deployment in progress.
It is found through <data-dir>/endpoint.json and checked (pid alive, the URL answers with the token); this command
never starts it.

Options:
  --data-dir <dir>               the platform's data folder (default: <git-common-dir>/odoobo/local-platform)
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"running":true,"url","pid","started_at","uptime_ms","data_dir","idle_stop_minutes","apps":[{"name","id",
"live_url","active_deployment":{"id","phase","cause","created_at"}|null,"in_progress_deployment":{…}|null}]}
or {"running":false,"data_dir","stale_endpoint":{"pid","url"}|null}

Exit status:
  0    the platform is running
  1    it is not running (or did not answer)
  2    wrong usage
`;

/** The data folder a platform command works on: --data-dir, else the repository's (or ~/.odoobo/local-platform). */
export async function platformDataDir(values: { 'data-dir'?: string; directory?: string }): Promise<string> {
  if (values['data-dir']) return path.resolve(values['data-dir']);
  return defaultLocalDataDir(await workDir(values.directory));
}

const deploymentView = (d: { id?: string; phase?: string; cause?: string; created_at?: string } | undefined) =>
  d ? { id: d.id ?? null, phase: d.phase ?? null, cause: d.cause ?? null, created_at: d.created_at ?? null } : null;

async function appsOf(endpoint: PlatformEndpoint) {
  registerSecret(endpoint.token);
  const client = new AppPlatformClient({ baseUrl: endpoint.url, token: endpoint.token, userAgent: 'odoobo-cli' });
  try {
    const apps = await client.listApps();
    return apps.map((a) => ({
      name: a.spec.name,
      id: a.id,
      live_url: a.live_url ?? null,
      active_deployment: deploymentView(a.active_deployment),
      in_progress_deployment: deploymentView(a.in_progress_deployment ?? a.pending_deployment),
    }));
  } finally {
    await client.close();
  }
}

function render(io: CliIO, doc: Awaited<ReturnType<typeof describe>>): void {
  const st = styleFor(io);
  if (!doc.running) {
    io.out(`no local App Platform is running for ${doc.data_dir}`);
    const stale = doc.stale_endpoint;
    if (stale) io.out(`(a stale endpoint file names pid ${stale.pid} at ${stale.url}; the next command replaces it)`);
    io.out('`odoobo deploy`, `test` and `logs` start it when they need it; `odoobo platform start` runs it in the foreground');
    return;
  }
  io.out(`local App Platform ${st.green('running')} at ${doc.url}`);
  io.out(`  pid ${doc.pid}, up ${formatDuration(doc.uptime_ms)} (since ${doc.started_at})`);
  io.out(`  data ${doc.data_dir}${doc.idle_stop_minutes ? `, stops after ${doc.idle_stop_minutes} min idle` : ''}`);
  if (!doc.apps.length) {
    io.out('  no apps');
    return;
  }
  const d = (x: { id: string | null; phase: string | null } | null) => (x ? `${x.phase ?? '?'} ${(x.id ?? '').slice(0, 8)}` : '-');
  const rows = doc.apps.map((a) => [a.name, a.live_url ?? '-', d(a.active_deployment), d(a.in_progress_deployment)]);
  const columns = [{ header: 'APP' }, { header: 'URL' }, { header: 'ACTIVE' }, { header: 'IN PROGRESS' }];
  for (const l of formatTable(columns, rows, st.bold)) io.out(l);
}

async function describe(dataDir: string) {
  const endpoint = await findLocalPlatform(dataDir);
  if (!endpoint) {
    const stale = await readEndpoint(dataDir);
    return { running: false as const, data_dir: dataDir, stale_endpoint: stale ? { pid: stale.pid, url: stale.url } : null };
  }
  return {
    running: true as const,
    url: endpoint.url,
    pid: endpoint.pid,
    started_at: endpoint.startedAt,
    uptime_ms: Date.now() - Date.parse(endpoint.startedAt),
    data_dir: dataDir,
    idle_stop_minutes: endpoint.idleStopMinutes ?? null,
    apps: await appsOf(endpoint),
  };
}

export const platformStatus: CliCommand = {
  path: ['platform', 'status'],
  summary: "the repository's local App Platform: URL, pid, uptime, apps",
  help: HELP,
  async run(args, io) {
    const options = { ...COMMON_OPTIONS, 'data-dir': { type: 'string' } } as const;
    const { values } = parseArgs({ args, strict: true, allowPositionals: false, options });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    const dataDir = await platformDataDir(values);
    try {
      const doc = await describe(dataDir);
      if (values.json) printJson(io, doc);
      else render(io, doc);
      return doc.running ? EXIT.OK : EXIT.FAILED;
    } catch (e) {
      return reportFailure(io, 'platform status', e, values.json);
    }
  },
};
