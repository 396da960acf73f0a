import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { removeEndpoint, writeEndpoint, type PlatformEndpoint } from '../../core/localPlatform';
import { defaultLocalDataDir } from '../../core/target';
import { faultsSchema } from '../../platform/faults';
import { CredentialFileError, readSecretsFile, readTokenFile, SECRET_ENV_PREFIX, secretsFromEnv } from '../../platform/config';
import { startLocalPlatform } from '../../platform/index';
import { UsageError, type CliCommand } from '../command';

const HELP = `Usage: odoobo platform start [options]

Starts the local App Platform: an HTTP server on 127.0.0.1 that speaks DigitalOcean's App Platform API
(/v2/apps…), builds apps from git, runs them as local processes and serves each app on a stable local URL.
Prints one line when ready:  local App Platform listening on http://127.0.0.1:<port>
Then writes <data-dir>/endpoint.json (URL, token, pid; mode 0600): the other odoobo commands and the editor find and
use this platform through it (one per data folder; a second platform on the same folder is refused).
Stops every process it started on SIGINT or SIGTERM (\`odoobo platform stop\`), and then removes the endpoint file.
Other commands start it themselves (detached) when none runs: this command runs it in the foreground.

Options:
  --port <port>              API port on 127.0.0.1 (default 8787; 0 picks a free port)
  --data-dir <dir>           state, logs and builds (default: <git-common-dir>/odoobo/local-platform of the repository
                             of the current folder, shared by its worktrees; outside a repository ~/.odoobo/local-platform)
  --token-file <path>        read the bearer token clients must send from this file (mode 0600 or stricter)
                             (default: $ODOOBO_LOCAL_TOKEN)
  --repo <owner/name=path>   serve github/gitlab/bitbucket repo owner/name from a local path or git URL (repeatable)
  --workspace <dir>          repos not mapped by --repo come from this folder's origin remote (default: current folder)
  --python <path>            interpreter behind the python/python3/uvicorn shims (default: /usr/bin/python3 when it
                             has FastAPI, else python3 on PATH)
  --secrets-file <path>      values of the specs' SECRET envs, refused unless its mode is 0600 or stricter; one per line:
                               KEY=value          for every app
                               <app>/KEY=value    for one app (e.g. pr-review/ANTHROPIC_API_KEY=…)
                             blank lines and lines starting with # are skipped; the value is the rest of the line
                             after the first =, trimmed, taken literally (no quotes or escapes)
                             Environment variables ${SECRET_ENV_PREFIX}<KEY>=value also set KEY for every app
                             (the file wins over them)
  --faults <json>            fault injection, e.g. '{"buildMs":2000,"simulate":true}' (see src/platform/faults.ts)
  --health-period-ms <ms>    poll health checks this often instead of the spec's period_seconds
  --no-rate-limit            send rate-limit headers but never answer 429 for exceeding them
  --idle-stop <minutes>      stop when idle that long: no API request and no deployment in progress (default: never)
  -h, --help                 show this help

Kept for old scripts, but other local users can read them in ps and /proc/<pid>/cmdline (a warning is printed):
  --token <token>            the bearer token on the command line; use $ODOOBO_LOCAL_TOKEN or --token-file
  --secret <KEY=value>       a secret on the command line (repeatable); use --secrets-file or ${SECRET_ENV_PREFIX}<KEY>

Skills get an allow-listed environment: their spec's envs (secrets resolved), PORT, HOST=127.0.0.1, PATH (the
shims and system folders), HOME, LANG/LC_*, TZ, TMPDIR; nothing else of this command's environment (no
DIGITALOCEAN_ACCESS_TOKEN, GITHUB_TOKEN, ODOOBO_* …). A skill must bind $HOST; the deploy log warns when it does not.

Examples (neither the token nor a secret on the command line):
  odoobo platform start --token-file ~/.odoobo/token --secrets-file ~/.odoobo/secrets.env
  ODOOBO_LOCAL_TOKEN=… ODOOBO_SECRET_GITHUB_TOKEN=… odoobo platform start   # e.g. from a CI job's secrets
`;

/** Marks the idle check's own API requests, which do not count as activity. */
const IDLE_CHECK_HEADER = 'x-odoobo-idle-check';

/** Whether any app has a deployment in progress (asked over the platform's own API); errors count as busy. */
async function deploymentsInProgress(url: string, token: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/apps?per_page=200`, { headers: { authorization: `Bearer ${token}`, [IDLE_CHECK_HEADER]: '1' } });
    if (!res.ok) return true;
    const body = (await res.json()) as { apps?: Array<{ in_progress_deployment?: unknown; pending_deployment?: unknown }> };
    return (body.apps ?? []).some((a) => a.in_progress_deployment || a.pending_deployment);
  } catch {
    return true;
  }
}

const CMDLINE_WARNING = 'is visible to every local user (ps, /proc/<pid>/cmdline)';

/** NAME=VALUE pairs; `quote` false for secrets, whose text is never echoed in an error. */
function pairs(values: string[] | undefined, flag: string, quote = true): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.indexOf('=');
    const got = quote ? `"${v}"` : `a value of ${v.length} characters`;
    if (i <= 0 || i === v.length - 1) throw new UsageError(`${flag} expects NAME=VALUE, got ${got}`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

async function fromFile<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof CredentialFileError) throw new UsageError(err.message);
    throw err;
  }
}

export const platformStart: CliCommand = {
  path: ['platform', 'start'],
  summary: 'start the local App Platform',
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        repo: { type: 'string', multiple: true },
        workspace: { type: 'string' },
        python: { type: 'string' },
        secret: { type: 'string', multiple: true },
        'secrets-file': { type: 'string' },
        faults: { type: 'string' },
        'health-period-ms': { type: 'string' },
        'no-rate-limit': { type: 'boolean' },
        'idle-stop': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const port = Number(values.port ?? '8787');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
    const tokenFile = values['token-file'];
    if (values.token !== undefined && tokenFile !== undefined) throw new UsageError('--token and --token-file exclude each other');
    const warn = (flag: string, instead: string): void => io.err(`odoobo platform: warning: ${flag} ${CMDLINE_WARNING}; use ${instead}`);
    if (values.token !== undefined) warn('--token', 'ODOOBO_LOCAL_TOKEN or --token-file');
    if (values.secret?.length) warn('--secret', `--secrets-file or ${SECRET_ENV_PREFIX}<KEY>`);
    const token = tokenFile !== undefined
      ? await fromFile(() => readTokenFile(path.resolve(tokenFile)))
      : values.token ?? io.env.ODOOBO_LOCAL_TOKEN;
    if (!token) throw new UsageError('a token is required: ODOOBO_LOCAL_TOKEN or --token-file <path>');
    const secretsFile = values['secrets-file'];
    const secrets = {
      ...secretsFromEnv(io.env),
      ...(secretsFile !== undefined ? await fromFile(() => readSecretsFile(path.resolve(secretsFile))) : {}),
      ...pairs(values.secret, '--secret', false),
    };
    let faults;
    if (values.faults) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(values.faults);
      } catch {
        throw new UsageError('--faults expects JSON');
      }
      const r = faultsSchema.safeParse(parsed);
      if (!r.success) throw new UsageError(`--faults: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      faults = r.data;
    }
    const period = values['health-period-ms'] === undefined ? undefined : Number(values['health-period-ms']);
    if (period !== undefined && (!Number.isInteger(period) || period < 1))
      throw new UsageError('--health-period-ms expects a positive integer');
    const idleStop = values['idle-stop'] === undefined ? undefined : Number(values['idle-stop']);
    if (idleStop !== undefined && !(Number.isFinite(idleStop) && idleStop > 0)) {
      throw new UsageError(`--idle-stop expects a positive number of minutes, got "${values['idle-stop']}"`);
    }
    const dataDir = path.resolve(values['data-dir'] ?? (await defaultLocalDataDir(process.cwd())));
    let lastActivity = Date.now();

    const platform = await startLocalPlatform({
      port,
      dataDir,
      token,
      repos: pairs(values.repo, '--repo'),
      workspace: values.workspace ? path.resolve(values.workspace) : undefined,
      python: values.python,
      secrets,
      faults,
      healthChecks: period ? { periodMs: period, initialDelayMs: 0, startupGraceMs: 30_000 } : undefined,
      rateLimit: values['no-rate-limit'] ? false : undefined,
      log: (line) => io.err(`odoobo platform: ${line}`),
      onRequest: (headers) => {
        if (headers[IDLE_CHECK_HEADER] === undefined) lastActivity = Date.now();
      },
    });
    io.out(`local App Platform listening on ${platform.url}`);
    const endpoint: PlatformEndpoint = {
      url: platform.url, token, pid: process.pid, startedAt: new Date().toISOString(), dataDir, idleStopMinutes: idleStop,
    };
    let stopped = false;
    const published = writeEndpoint(endpoint).catch((e: Error) => {
      io.err(`odoobo platform: could not write the endpoint file: ${e.message}`);
    });
    void platform.restored.catch(() => undefined).then(async () => {
      await published;
      if (!stopped) await writeEndpoint({ ...endpoint, restoredAt: new Date().toISOString() }).catch(() => undefined);
    });

    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (why: string): void => {
        if (stopping) {
          io.err(`odoobo platform: ${why} again, exiting without waiting`);
          process.exit(1);
        }
        stopping = true;
        stopped = true;
        clearInterval(idleTimer);
        io.err(`odoobo platform: ${why}: stopping every process it started`);
        void platform.stop().then(
          async () => {
            await removeEndpoint(dataDir, process.pid).catch(() => undefined);
            io.err('odoobo platform: stopped');
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
            process.off('disconnect', onDisconnect);
            if (process.connected) process.disconnect();
            resolve(0);
          },
          (err: Error) => {
            io.err(`odoobo platform: stop failed: ${err.message}`);
            resolve(1);
          },
        );
      };
      const onSignal = (signal: NodeJS.Signals): void => stop(signal);
      // Started by a parent over IPC (the extension host forks it): when the parent goes away, so does the platform.
      const onDisconnect = (): void => stop('parent process disconnected');
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      if (process.connected) process.on('disconnect', onDisconnect);
      const idleMs = (idleStop ?? 0) * 60_000;
      const idleTimer = setInterval(() => {
        if (!idleMs || Date.now() - lastActivity < idleMs) return;
        void deploymentsInProgress(platform.url, token).then((busy) => {
          if (busy) lastActivity = Date.now();
          else if (Date.now() - lastActivity >= idleMs && !stopping) stop(`idle for ${idleStop} min`);
        });
      }, Math.max(50, Math.min(30_000, idleMs / 4)));
      if (!idleMs) clearInterval(idleTimer);
    });
  },
};
