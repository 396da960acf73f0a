import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  FINDINGS_FORMATS,
  formatFindings,
  infraFileKind,
  lintAppSpec,
  lintAppSpecFile,
  lintEnvironmentsFile,
  lintOverlay,
  onOverlay,
  summarize,
  type Finding,
  type FindingsFormat,
} from '../../core/appspec';
import type { AppSpec } from '../../core/do/schemas';
import { EnvironmentError, overlayPathFor, specForEnvironment, type EnvironmentDef } from '../../core/environments';
import { gitToplevel, lintGitContext } from '../../core/git/git';
import { UsageError, type CliCommand } from '../command';
import { ENV_OPTION, resolveEnvOption } from './environmentOption';

const HELP = `Usage: odoobo validate <files…> [options]

Lints DigitalOcean App Platform app specs: YAML syntax, the AppSpec schema (types, enums, names, unknown fields),
placeholders and unresolved \${…} references, plaintext secrets, image tags, health checks, http_port against the
run_command's port, duplicate component names, source_dir and branches. A path that is not a regular file (a FIFO,
a device, a directory) or holds more than 1 MiB is refused with one error, unread. An environment's overlay
(infra/<skill>.<env>.yaml) is linted alone (every field optional) and laid on its base (errors of the result that come
from the overlay are reported on its lines); infra/environments.yaml is checked as the environments file.

Options:
  --format <text|json|github>  text (default): file:line:col  severity  CODE  message, then a summary line;
                               json: an array of {file, line, column, severity, code, message};
                               github: ::error/::warning/::notice annotations for GitHub Actions
  --repo-root <dir>            repository that source_dir and branches refer to
                               (default: the git repository that holds each file)
  --env <name>                 lint each base spec as that environment deploys it: with its overlay
                               infra/<skill>.<env>.yaml laid on it and the app named after the environment
  -h, --help                   show this help

Exit status: 0 when no file has an error (warnings alone pass), 1 when any has, 2 on wrong usage.
`;

/** Whether any component builds from a git branch (only then is skipping the branch check worth a note). */
function hasBranches(spec: AppSpec): boolean {
  const lists = [spec.services, spec.static_sites, spec.workers, spec.jobs, spec.functions];
  return lists.some(
    (l) => Array.isArray(l) && l.some((c) => [c?.git, c?.github, c?.gitlab, c?.bitbucket].some((src) => typeof src?.branch === 'string')),
  );
}

/**
 * A base spec as `env` deploys it (its overlay laid on it, the app named after the environment); findings about the
 * overlay's fields are on the overlay. Undefined when the base cannot be read (lintAppSpecFile reports that).
 */
async function lintForEnvironment(
  file: string,
  env: EnvironmentDef,
  options: { repoRoot?: string; branchExists?: (branch: string) => Promise<boolean> },
): Promise<Finding[] | undefined> {
  const base = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (base === undefined) return undefined;
  const overlayFile = overlayPathFor(file, env.name);
  const overlay = await fs.readFile(overlayFile, 'utf8').catch(() => undefined);
  try {
    const merged = specForEnvironment(base, overlay, env, { overlayFile });
    const result = await lintAppSpec(merged.text, { ...options, file });
    return overlay === undefined ? result.findings : onOverlay(result.findings, merged.overlayPaths, overlayFile);
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    const line = e.line ?? 1;
    const message = e.message.replace(/^[^:]+:\d+: /, '');
    return [{ file: overlayFile, line, column: 1, endLine: line, endColumn: 1, severity: 'error', code: 'SCHEMA_ERROR', message }];
  }
}

export const validate: CliCommand = {
  path: ['validate'],
  summary: 'lint App Platform app specs (exit 1 on errors)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'repo-root': { type: 'string' },
        ...ENV_OPTION,
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return 0;
    }
    const format = (values.format ?? 'text') as FindingsFormat;
    if (!FINDINGS_FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${FINDINGS_FORMATS.join(', ')}, got "${values.format}"`);
    if (positionals.length === 0) throw new UsageError('give at least one app spec file, e.g. `odoobo validate infra/*.yaml`');
    const explicitRoot = values['repo-root'] === undefined ? undefined : path.resolve(values['repo-root']);

    const toplevels = new Map<string, Promise<string | undefined>>();
    const toplevel = (dir: string) => {
      if (!toplevels.has(dir)) toplevels.set(dir, gitToplevel(dir));
      return toplevels.get(dir)!;
    };

    const perFile = await Promise.all(
      positionals.map(async (file): Promise<Finding[]> => {
        const git = await lintGitContext(file, { repoRoot: explicitRoot, toplevel });
        const kind = infraFileKind(file);
        if (kind.kind === 'environments') return lintEnvironmentsFile(await fs.readFile(file, 'utf8'), file);
        const options = { repoRoot: git.repoRoot, branchExists: git.branchExists };
        if (kind.kind === 'overlay') {
          const alone = await lintAppSpecFile(file, { ...options, kind: 'overlay' });
          if (alone.findings.some((f) => f.severity === 'error')) return alone.findings;
          const text = await fs.readFile(file, 'utf8');
          return (await lintOverlay(text, file, { ...options, file, environmentsRoot: git.repoRoot })).findings;
        }
        if (values.env !== undefined) {
          const env = (await resolveEnvOption(git.repoRoot ?? path.dirname(path.dirname(path.resolve(file))), values.env)).env;
          const merged = await lintForEnvironment(file, env, options);
          if (merged) return merged;
        }
        const result = await lintAppSpecFile(file, options);
        if (git.unchecked && result.spec && hasBranches(result.spec)) {
          const at = { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
          result.findings.unshift({ ...at, severity: 'info', code: 'BRANCH_NOT_CHECKED', message: git.unchecked });
        }
        return result.findings;
      }),
    );
    const findings = perFile.flat();

    const body = formatFindings(findings, format);
    if (body) io.out(body);
    const summary = summarize(findings, positionals.length);
    if (format === 'json') io.err(summary);
    else io.out(summary);
    return findings.some((f) => f.severity === 'error') ? 1 : 0;
  },
};
