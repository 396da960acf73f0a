/** What the CLI commands share: exit codes, options, skills and repository lookup, targets, errors and Ctrl-C. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CONCURRENCY } from '../../core/deploy';
import { AppPlatformError, type AppPlatformErrorCode } from '../../core/do/errors';
import { GitFlowError } from '../../core/git/flows/errors';
import { gitToplevel } from '../../core/git/git';
import { formatSkillProblem, loadSkills, type Skill } from '../../core/skills/loadSkills';
import { skillNameProblem } from '../../core/skills/names';
import { SmokeAbortedError } from '../../core/smoke';
import { StatusError } from '../../core/status/errors';
import { connectTarget, TargetError, type ResolvedTarget, type TargetOptions } from '../../core/target';
import { UsageError, type CliIO } from '../command';

/** Exit codes of every odoobo command. */
export const EXIT = {
  OK: 0,
  /** A skill failed (deploy, test, merge, …) or a check did not pass. */
  FAILED: 1,
  /** Wrong usage: unknown option, missing argument, unknown skill. */
  USAGE: 2,
  /** The target is unreachable or refused the token (missing, invalid, without the scopes). */
  TARGET: 3,
  /** Canceled with Ctrl-C (or SIGTERM). */
  CANCELED: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-status section of a command's help; `failed` says what exit 1 means for it. */
export function exitCodesHelp(failed: string, options: { target?: boolean } = {}): string {
  return [
    'Exit status:',
    '  0    success',
    `  1    ${failed}`,
    '  2    wrong usage',
    ...(options.target === false ? [] : ['  3    the target is unreachable or refused the token']),
    '  130  canceled (Ctrl-C)',
  ].join('\n');
}

export const TARGET_HELP = `  --target <local|digitalocean>  where the apps are (default: $ODOOBO_TARGET, else local)
  --api-url <url>                App Platform API base URL. digitalocean: default https://api.digitalocean.com, token
                                 $DIGITALOCEAN_ACCESS_TOKEN (else $DO_ACCESS_TOKEN). local: a running
                                 \`odoobo platform start\`, token $ODOOBO_LOCAL_TOKEN; without --api-url the repository's
                                 local App Platform (started detached when none runs; \`odoobo platform stop\` stops it)`;
export const DIR_HELP = '  -C, --directory <dir>          run in <dir> instead of the current folder (any worktree of the repository)';
export const JSON_HELP = '  --json                         print one JSON document on stdout (progress goes to stderr)';
export const HELP_HELP = '  -h, --help                     show this help';

export const TARGET_OPTIONS = {
  target: { type: 'string' },
  'api-url': { type: 'string' },
} as const;
export const COMMON_OPTIONS = {
  directory: { type: 'string', short: 'C' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseConcurrency(value: string | undefined, fallback = DEFAULT_CONCURRENCY): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError(`--concurrency expects a whole number from 1 to 50, got "${value}"`);
  return n;
}

/** The folder a command works in (`-C`), checked to exist. */
export async function workDir(directory: string | undefined): Promise<string> {
  const dir = path.resolve(directory ?? process.cwd());
  const ok = await fs.stat(dir).then((s) => s.isDirectory(), () => false);
  if (!ok) throw new UsageError(`${dir} is not a folder`);
  return dir;
}

export async function requireRepository(dir: string): Promise<string> {
  const top = await gitToplevel(dir);
  if (!top) throw new UsageError(`${dir} is not inside a git repository: run odoobo in the skills repository, or pass -C <dir>`);
  return top;
}

/** The skills of the repository (or folder) at `root`; manifest problems are printed as warnings. */
export async function loadRepoSkills(root: string, io: CliIO): Promise<Skill[]> {
  const { skills, problems } = await loadSkills(root);
  for (const p of problems) io.err(`warning: ${formatSkillProblem(p)}`);
  return skills;
}

/** The skills named on the command line, or all with `--all`: an unknown or invalid name is a usage error. */
export function selectSkills(skills: readonly Skill[], names: readonly string[], all: boolean | undefined): Skill[] {
  if (all && names.length) throw new UsageError('give skill names or --all, not both');
  if (all) {
    if (!skills.length) throw new UsageError('no skills found (skills/<name>/manifest.json)');
    return [...skills];
  }
  if (!names.length) throw new UsageError('name at least one skill, or pass --all');
  const bad = names.filter((n) => skillNameProblem(n));
  if (bad.length)
    throw new UsageError(`invalid skill name${bad.length > 1 ? 's' : ''}: ${bad.map((n) => `"${n}" (${skillNameProblem(n)})`).join(', ')}`);
  const byName = new Map(skills.map((s) => [s.name, s]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new UsageError(
      `unknown skill${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${skills.map((s) => s.name).join(', ') || 'none'})`,
    );
  }
  return [...new Set(names)].map((n) => byName.get(n)!);
}

/** The App Platform app name of a skill: `name` in its app spec, else the skill's name. */
export async function appNameOf(skill: Skill): Promise<string> {
  try {
    const spec = parseYaml(await fs.readFile(skill.appSpecPath, 'utf8')) as { name?: unknown } | null;
    if (spec && typeof spec.name === 'string' && spec.name) return spec.name;
  } catch {
    // a missing or broken spec: the skill's name is the best guess (`odoobo validate` reports the spec)
  }
  return skill.name;
}

/** Resolves --target / --api-url; starting the repository's local platform prints a note on stderr. */
export function openTarget(
  values: { target?: string; 'api-url'?: string },
  io: CliIO,
  cwd: string,
  options: { waitRestored?: boolean; onNote?: (line: string) => void; client?: TargetOptions['client'] } = {},
): Promise<ResolvedTarget> {
  return connectTarget({
    target: values.target,
    apiUrl: values['api-url'],
    env: io.env,
    cwd,
    waitRestored: options.waitRestored,
    client: options.client,
    onNote: options.onNote ?? ((l) => io.err(l)),
    onPlatformLog: io.env.ODOOBO_DEBUG ? (l) => io.err(`odoobo platform: ${l}`) : undefined,
  });
}

const TARGET_CODES: ReadonlySet<AppPlatformErrorCode> = new Set(['UNAUTHORIZED', 'FORBIDDEN', 'NETWORK_ERROR', 'TIMEOUT']);

/** What went wrong, in the shape every command prints (and puts under `error` in --json). */
export interface CliFailure {
  readonly code: string;
  readonly message: string;
  readonly mitigation?: string;
  readonly exitCode: ExitCode;
}

export function isCanceled(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return e instanceof SmokeAbortedError || code === 'ABORTED' || (e as Error)?.name === 'AbortError';
}

/**
 * Classifies an error: target problems exit 3, cancellation 130, usage 2, the rest 1. The mitigation is the error's
 * own: a local target's client already names ODOOBO_LOCAL_TOKEN after a 401 (see connectTarget).
 */
export function describeFailure(e: unknown): CliFailure {
  if (e instanceof UsageError) return { code: 'USAGE', message: e.message, exitCode: EXIT.USAGE };
  if (isCanceled(e)) return { code: 'ABORTED', message: 'Canceled.', exitCode: EXIT.CANCELED };
  if (e instanceof TargetError) {
    const usage = e.code === 'INVALID_TARGET' || e.code === 'INVALID_API_URL';
    return { code: e.code, message: e.message, mitigation: e.mitigation, exitCode: usage ? EXIT.USAGE : EXIT.TARGET };
  }
  if (e instanceof AppPlatformError)
    return { code: e.code, message: e.message, mitigation: e.mitigation, exitCode: TARGET_CODES.has(e.code) ? EXIT.TARGET : EXIT.FAILED };
  if (e instanceof GitFlowError) {
    const usage = e.code === 'INVALID_SKILL_NAME' || e.code === 'NOT_A_REPOSITORY' || e.code === 'BARE_REPOSITORY';
    return {
      code: e.code,
      message: e.message.replace(` ${e.mitigation}`, ''),
      mitigation: e.mitigation,
      exitCode: usage ? EXIT.USAGE : EXIT.FAILED,
    };
  }
  if (e instanceof StatusError)
    return { code: e.code, message: e.message.replace(` ${e.mitigation}`, ''), mitigation: e.mitigation, exitCode: EXIT.FAILED };
  const err = e as Error;
  return { code: 'ERROR', message: err?.message ?? String(e), exitCode: EXIT.FAILED };
}

/** Prints a failure (one JSON document with --json) and answers its exit code; usage errors go to `main`. */
export function reportFailure(
  io: CliIO,
  command: string,
  e: unknown,
  json: boolean | undefined,
  extra: Record<string, unknown> = {},
): number {
  if (e instanceof UsageError) throw e;
  const f = describeFailure(e);
  if (json) {
    printJson(io, {
      command,
      ok: false,
      exitCode: f.exitCode,
      ...extra,
      error: { code: f.code, message: f.message, mitigation: f.mitigation },
    });
  } else {
    io.err(`odoobo ${command}: ${f.code === 'ERROR' ? '' : `${f.code}: `}${f.message}`);
    if (f.mitigation) io.err(`  → ${f.mitigation}`);
  }
  return f.exitCode;
}

export function printJson(io: CliIO, doc: unknown): void {
  io.out(JSON.stringify(doc, (_k, v: unknown) => (v instanceof Error ? errorJson(v) : v), 2));
}

/** An error as plain JSON: code, message, mitigation (no causes, stacks or request state). */
export function errorJson(e: unknown): { code: string; message: string; mitigation?: string } {
  const f = describeFailure(e);
  return { code: f.code, message: f.message, mitigation: f.mitigation };
}

/**
 * Runs `fn` with an AbortSignal that Ctrl-C (SIGINT) or SIGTERM aborts: the first signal cancels (the command winds
 * down and answers 130), a second one exits at once.
 */
export async function withCancellation(
  io: CliIO,
  fn: (signal: AbortSignal, onCancel: (listener: () => void) => void) => Promise<number>,
): Promise<number> {
  const ac = new AbortController();
  let count = 0;
  const listeners: Array<() => void> = [];
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count > 1) {
      io.err(`odoobo: ${sig} again, exiting now`);
      process.exit(EXIT.CANCELED);
    }
    io.err(`odoobo: ${sig}: canceling… (press Ctrl-C again to exit at once)`);
    for (const l of listeners) l();
    ac.abort(new Error('canceled'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await fn(ac.signal, (l) => listeners.push(l));
    return ac.signal.aborted ? EXIT.CANCELED : code;
  } catch (e) {
    if (ac.signal.aborted && !(e instanceof UsageError)) throw Object.assign(new Error('Canceled.'), { code: 'ABORTED' });
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
