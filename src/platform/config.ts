import type { Faults } from './faults';

/** Health-check timing overrides: tests poll fast instead of DigitalOcean's seconds. */
export interface HealthCheckTuning {
  /** Replaces every spec's `period_seconds` (milliseconds). */
  readonly periodMs?: number;
  /** Replaces every spec's `initial_delay_seconds` (milliseconds). */
  readonly initialDelayMs?: number;
  /** Upper bound on a check's `timeout_seconds` (milliseconds). */
  readonly timeoutMs?: number;
  /**
   * While a freshly started process is alive but not listening yet, refused connections do not count as failures for
   * this long (milliseconds). 0 (DigitalOcean's behaviour) counts every failed check.
   */
  readonly startupGraceMs?: number;
}

export interface LocalPlatformOptions {
  /** API port on 127.0.0.1; 0 or absent picks a free one. */
  readonly port?: number;
  /** Folder holding state, logs, builds and shims. Created when missing. */
  readonly dataDir: string;
  /** Bearer token every /v2 request must carry. */
  readonly token: string;
  /** Source map for `github`/`gitlab`/`bitbucket` components: `owner/repo` → local path or git URL. */
  readonly repos?: Readonly<Record<string, string>>;
  /** Folder whose `origin` remote serves repos that `repos` does not map (default: the current directory). */
  readonly workspace?: string;
  /**
   * The Python interpreter behind the `python`, `python3` and `uvicorn` shims that run skills' `run_command`s.
   * Default: `/usr/bin/python3` when it imports fastapi, else the first `python3` on PATH.
   */
  readonly python?: string;
  /** SECRET env values: `KEY` for every app, `<app name>/KEY` for one app. Missing secrets are empty. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly faults?: Faults;
  readonly healthChecks?: HealthCheckTuning;
  /** DigitalOcean's limits by default (5000/hour, 250/minute); `false` only sends the headers. */
  readonly rateLimit?: { readonly perHour: number; readonly perMinute: number } | false;
  /** How many newer successful deployments a rollback may reach back over (exceeded_revision_limit). Default 10. */
  readonly revisionLimit?: number;
  /** Seconds between SIGTERM and SIGKILL when the platform itself shuts down. Default 5. */
  readonly shutdownGraceSeconds?: number;
  /** Diagnostics sink (one line per call). Default: silent. */
  readonly log?: (line: string) => void;
}

export const DEFAULT_RATE_LIMIT = { perHour: 5000, perMinute: 250 } as const;
export const DEFAULT_REVISION_LIMIT = 10;
