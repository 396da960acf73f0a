/**
 * Linting what infra/ holds besides base specs: an environment's overlay (`infra/<skill>.<env>.yaml`) alone and laid on
 * its base, and telling the files apart, so that an overlay is never linted as a base spec (it lacks `name`) and
 * `infra/environments.yaml` is not linted as an app spec at all.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  EnvironmentError,
  loadEnvironments,
  parseEnvironments,
  specForEnvironment,
  type EnvironmentDef,
  type OverlayPath,
} from '../environments';
import { lintAppSpec } from './lint';
import type { Finding, LintOptions, LintResult } from './types';

export type InfraFile =
  | { kind: 'spec' }
  | { kind: 'overlay'; baseFile: string; env: string }
  | { kind: 'environments' };

/** What a YAML file of infra/ is: `environments.yaml`, an overlay `<skill>.<env>.yaml` (beside its base), or a spec. */
export function infraFileKind(file: string): InfraFile {
  const dir = path.basename(path.dirname(path.resolve(file)));
  const name = path.basename(file);
  if (dir !== 'infra') return { kind: 'spec' };
  if (/^environments\.ya?ml$/.test(name)) return { kind: 'environments' };
  const m = /^([a-z0-9][a-z0-9-]*)\.([a-z][a-z0-9-]*)(\.ya?ml)$/.exec(name);
  if (!m) return { kind: 'spec' };
  return { kind: 'overlay', baseFile: path.join(path.dirname(file), `${m[1]}${m[3]}`), env: m[2] };
}

type Located = { path?: (string | number)[]; file?: string; line: number; column: number };

/** The longest overlay path that holds a finding's path: where the field it is about was set. */
function overlayPathOf(f: Located, paths: readonly OverlayPath[]): OverlayPath | undefined {
  const p = f.path;
  if (!p) return undefined;
  const holds = (o: OverlayPath) => o.specPath.length <= p.length && o.specPath.every((seg, i) => seg === p[i]);
  return paths.filter(holds).sort((a, b) => b.specPath.length - a.specPath.length)[0];
}

/**
 * Findings of an environment's merged spec that are about a field the overlay set, moved to the overlay's file and
 * line (the quick fixes, computed on the merged text, do not apply there and are dropped); the others stay as they are.
 */
export function onOverlay<F extends Located>(findings: readonly F[], paths: readonly OverlayPath[], overlayFile: string): F[] {
  return findings.map((f) => {
    const o = overlayPathOf(f, paths);
    if (!o) return f;
    const line = o.overlayLine ?? 1;
    const moved: F & { fix?: unknown; fixes?: unknown } = { ...f, file: overlayFile, line, column: 1, endLine: line, endColumn: 1 };
    delete moved.fix;
    delete moved.fixes;
    return moved;
  });
}

/** infra/environments.yaml, checked as the environments file: its first problem (line, field) as one finding. */
export function lintEnvironmentsFile(text: string, file: string): Finding[] {
  try {
    parseEnvironments(text, file);
    return [];
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    const line = e.line ?? 1;
    const message = e.message.replace(/^[^:]+(:\d+)?: /, '');
    return [{ file, line, column: 1, endLine: line, endColumn: 1, severity: 'error', code: 'SCHEMA_ERROR', message }];
  }
}

export interface OverlayLintOptions extends Omit<LintOptions, 'kind'> {
  /** The repository root: where infra/environments.yaml is read (default: the folder above infra/). */
  readonly environmentsRoot?: string;
  /** The base spec's text (default: read from beside the overlay). */
  readonly baseText?: string;
}

function atLine1(file: string, code: Finding['code'], message: string, severity: Finding['severity'] = 'error'): Finding {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, severity, code, message };
}

/**
 * Lints an overlay: alone (types, enums, unknown fields, with their positions and quick fixes), then laid on its base
 * in its environment, whose errors about fields the overlay set are reported on the overlay's lines.
 */
export async function lintOverlay(text: string, overlayPath: string, options: OverlayLintOptions): Promise<LintResult> {
  const alone = await lintAppSpec(text, { ...options, kind: 'overlay' });
  const kind = infraFileKind(overlayPath);
  if (kind.kind !== 'overlay' || alone.findings.some((f) => f.severity === 'error')) return alone;
  const file = options.file;
  const root = options.environmentsRoot ?? path.dirname(path.dirname(path.resolve(overlayPath)));
  let env: EnvironmentDef;
  try {
    env = (await loadEnvironments(root)).get(kind.env);
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    return { ...alone, findings: [...alone.findings, atLine1(file, 'UNKNOWN_ENVIRONMENT', `${e.message} (the overlay is for "${kind.env}")`)] };
  }
  let base = options.baseText;
  if (base === undefined) {
    try {
      base = await fs.readFile(kind.baseFile, 'utf8');
    } catch {
      const why = `no base spec ${path.basename(kind.baseFile)} beside this overlay: an overlay changes a skill's spec`;
      return { ...alone, findings: [...alone.findings, atLine1(file, 'APP_SPEC_UNREADABLE', why, 'warning')] };
    }
  }
  let merged;
  try {
    merged = specForEnvironment(base, text, env, { overlayFile: file });
  } catch (e) {
    if (!(e instanceof EnvironmentError)) throw e;
    const line = e.line ?? 1;
    const message = e.message.replace(/^[^:]+:\d+: /, '');
    return { ...alone, findings: [...alone.findings, { ...atLine1(file, 'SCHEMA_ERROR', message), line, endLine: line }] };
  }
  const { parser: _parser, cache: _cache, ...rest } = options;
  const whole = await lintAppSpec(merged.text, { ...rest, file: kind.baseFile, kind: 'spec' });
  const seen = new Set(alone.findings.map((f) => `${f.code}:${f.line}`));
  const mine = onOverlay(whole.findings, merged.overlayPaths, file).filter((f) => f.file === file && !seen.has(`${f.code}:${f.line}`));
  return { ...alone, findings: [...alone.findings, ...mine] };
}
