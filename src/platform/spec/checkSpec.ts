// Checks a spec the way App Platform does before accepting it: against the AppSpec schema DigitalOcean publishes (the
// linter's closed JSON Schema, src/core/appspec/appSpec.schema.json, a data file), then against the rules App Platform
// applies beyond types (unique names, ranges, what the local platform cannot run).

import * as path from 'node:path';
import { z } from 'zod';
import published from '../../core/appspec/appSpec.schema.json';
import { isRecord, type AppSpec } from './appSpec';

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const ENV_KEY_PATTERN = /^[_A-Za-z][_A-Za-z0-9]*$/;
const REGIONS = ['atl', 'nyc', 'sfo', 'tor', 'ams', 'fra', 'lon', 'blr', 'sgp', 'syd'] as const;

const SOURCES = ['git', 'github', 'gitlab', 'bitbucket', 'image'] as const;
const ENV_SCOPES = new Set(['UNSET', 'RUN_TIME', 'BUILD_TIME', 'RUN_AND_BUILD_TIME']);
const UNSUPPORTED_KINDS = ['static_sites', 'jobs', 'functions', 'databases'] as const;

export type SpecCheck =
  | { readonly ok: true; readonly spec: AppSpec }
  /** `unsupported`: valid for DigitalOcean but not runnable by the local platform (answered 422, not 400). */
  | { readonly ok: false; readonly errors: string[]; readonly unsupported: boolean };

let compiled: z.ZodType | undefined;
/** The published AppSpec as a zod schema (compiled on first use, a few ms), closed: unknown fields are errors. */
function publishedSchema(): z.ZodType {
  compiled ??= z.fromJSONSchema(published.schema as z.core.JSONSchema.JSONSchema, { defaultTarget: 'openapi-3.0' });
  return compiled;
}

/** `services[0].github.branch` from a path of keys and indices. */
function fieldPath(keys: readonly PropertyKey[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${String(k)}`)).join('');
}

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Checks a spec the way App Platform does before accepting it (propose, create, update). */
export function checkAppSpec(input: unknown, options: { instanceSizes?: readonly string[] } = {}): SpecCheck {
  const errors: string[] = [];
  const unsupported: string[] = [];
  // One message per field: the rules below speak first, the published schema adds what they do not cover.
  const reported = new Set<string>();
  const field = (f: string, msg: string): void => {
    if (reported.has(f)) return;
    reported.add(f);
    errors.push(`error validating app spec field "${f}": ${msg}`);
  };
  if (!isRecord(input)) return { ok: false, errors: ['error validating app spec: spec must be an object'], unsupported: false };

  if (typeof input.name !== 'string' || !NAME_PATTERN.test(input.name)) {
    field('name', `must match ${NAME_PATTERN.source} (2 to 32 lowercase letters, digits and dashes, starting with a letter)`);
  }
  if (input.region !== undefined && (typeof input.region !== 'string' || !(REGIONS as readonly string[]).includes(input.region))) {
    field('region', `must be one of ${REGIONS.join(', ')}`);
  }
  checkEnvs(input.envs, 'envs', field);

  const names = new Map<string, string>();
  const seen = (name: unknown, where: string): void => {
    if (typeof name !== 'string') return;
    const earlier = names.get(name);
    if (earlier) field(`${where}.name`, `component name "${name}" is already used by ${earlier}; names must be unique`);
    else names.set(name, where);
  };

  for (const kind of UNSUPPORTED_KINDS) {
    const list = input[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      field(kind, 'must be a list');
      continue;
    }
    list.forEach((c, i) => seen(isRecord(c) ? c.name : undefined, `${kind}[${i}]`));
    if (list.length > 0) unsupported.push(`${kind} are not supported by the local App Platform (only services and workers run locally)`);
  }

  let components = 0;
  for (const kind of ['services', 'workers'] as const) {
    const list = input[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      field(kind, 'must be a list');
      continue;
    }
    list.forEach((c, i) => {
      const where = `${kind}[${i}]`;
      components++;
      if (!isRecord(c)) return field(where, 'must be an object');
      if (typeof c.name !== 'string' || !NAME_PATTERN.test(c.name)) field(`${where}.name`, `must match ${NAME_PATTERN.source}`);
      seen(c.name, where);
      checkComponent(c, where, kind === 'services', field, unsupported, options);
    });
  }
  if (components === 0 && errors.length === 0 && unsupported.length === 0) {
    errors.push('error validating app spec: an app must have at least one service or worker');
  }

  const ingress = input.ingress;
  if (ingress !== undefined) {
    if (!isRecord(ingress)) field('ingress', 'must be an object');
    else if (ingress.rules !== undefined) {
      if (!Array.isArray(ingress.rules)) field('ingress.rules', 'must be a list');
      else ingress.rules.forEach((r, i) => {
        const where = `ingress.rules[${i}]`;
        if (!isRecord(r)) return field(where, 'must be an object');
        const prefix = isRecord(r.match) && isRecord(r.match.path) ? r.match.path.prefix : undefined;
        if (prefix !== undefined && (typeof prefix !== 'string' || !prefix.startsWith('/'))) {
          field(`${where}.match.path.prefix`, 'must start with "/"');
        }
        const target = isRecord(r.component) ? r.component.name : undefined;
        if (target !== undefined && (typeof target !== 'string' || !names.has(target))) {
          field(`${where}.component.name`, `refers to an unknown component "${String(target)}"`);
        }
      });
    }
  }

  const typed = publishedSchema().safeParse(input);
  if (!typed.success) {
    for (const issue of typed.error.issues) {
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) field(fieldPath([...issue.path, key]), 'unknown field');
      else field(fieldPath(issue.path), issue.message.replace(/^Invalid input: /, ''));
    }
  }

  if (errors.length > 0) return { ok: false, errors, unsupported: false };
  if (unsupported.length > 0) return { ok: false, errors: unsupported, unsupported: true };
  return { ok: true, spec: input as AppSpec };
}

function checkEnvs(envs: unknown, where: string, field: (f: string, msg: string) => void): void {
  if (envs === undefined) return;
  if (!Array.isArray(envs)) return field(where, 'must be a list');
  envs.forEach((e, i) => {
    if (!isRecord(e)) return field(`${where}[${i}]`, 'must be an object');
    if (typeof e.key !== 'string' || !ENV_KEY_PATTERN.test(e.key)) field(`${where}[${i}].key`, `must match ${ENV_KEY_PATTERN.source}`);
    if (e.value !== undefined && typeof e.value !== 'string') field(`${where}[${i}].value`, 'must be a string');
    if (e.scope !== undefined && !ENV_SCOPES.has(e.scope as string)) {
      field(`${where}[${i}].scope`, 'must be UNSET, RUN_TIME, BUILD_TIME or RUN_AND_BUILD_TIME');
    }
    if (e.type !== undefined && e.type !== 'GENERAL' && e.type !== 'SECRET') field(`${where}[${i}].type`, 'must be GENERAL or SECRET');
  });
}

function checkComponent(
  c: Record<string, unknown>,
  where: string,
  isService: boolean,
  field: (f: string, msg: string) => void,
  unsupported: string[],
  options: { instanceSizes?: readonly string[] },
): void {
  const sources = SOURCES.filter((s) => c[s] !== undefined);
  if (sources.length === 0) field(where, 'a source is required (git, github, gitlab, bitbucket or image)');
  if (sources.length > 1) field(where, `only one source is allowed, found ${sources.join(', ')}`);
  for (const s of sources) if (!isRecord(c[s])) field(`${where}.${s}`, 'must be an object');
  const git = c.git;
  if (isRecord(git)) {
    if (typeof git.repo_clone_url !== 'string' || git.repo_clone_url === '') field(`${where}.git.repo_clone_url`, 'is required');
    if (git.branch !== undefined && typeof git.branch !== 'string') field(`${where}.git.branch`, 'must be a string');
  }
  for (const s of ['github', 'gitlab', 'bitbucket'] as const) {
    const src = c[s];
    if (!isRecord(src)) continue;
    if (typeof src.repo !== 'string' || !/^[^/\s]+\/[^/\s]+$/.test(src.repo)) field(`${where}.${s}.repo`, 'must be "owner/name"');
    if (typeof src.branch !== 'string' || src.branch === '') field(`${where}.${s}.branch`, 'is required');
  }
  if (c.image !== undefined) {
    unsupported.push(`${where}: image sources are not supported by the local App Platform (no container runtime)`);
  }
  if (c.source_dir !== undefined) {
    if (typeof c.source_dir !== 'string') field(`${where}.source_dir`, 'must be a string');
    else if (path.posix.isAbsolute(c.source_dir) || path.win32.isAbsolute(c.source_dir) || c.source_dir.split(/[\\/]/).includes('..')) {
      field(`${where}.source_dir`, 'must be a relative path inside the repository (no leading "/", no "..")');
    }
  }
  for (const f of ['build_command', 'run_command', 'environment_slug', 'dockerfile_path'] as const) {
    if (c[f] !== undefined && typeof c[f] !== 'string') field(`${where}.${f}`, 'must be a string');
  }
  if (c.environment_slug === '') field(`${where}.environment_slug`, 'must not be empty (leave it out to detect the buildpack)');
  if (c.dockerfile_path !== undefined) unsupported.push(`${where}: Dockerfile builds are not supported by the local App Platform`);
  if (sources.length === 1 && sources[0] !== 'image' && (typeof c.run_command !== 'string' || c.run_command.trim() === '')) {
    unsupported.push(`${where}: run_command is required by the local App Platform (it does not detect buildpacks)`);
  }
  const integer = (v: unknown, f: string, min: number, max: number): void => {
    if (v !== undefined && !isInt(v, min, max)) field(`${where}.${f}`, `must be an integer from ${min} to ${max}`);
  };
  integer(c.http_port, 'http_port', 1, 65535);
  if (c.http_port !== undefined && !isService) field(`${where}.http_port`, 'only services have an http_port');
  integer(c.instance_count, 'instance_count', 1, 250);
  if (c.instance_size_slug !== undefined) {
    if (typeof c.instance_size_slug !== 'string') field(`${where}.instance_size_slug`, 'must be a string');
    else if (options.instanceSizes && !options.instanceSizes.includes(c.instance_size_slug)) {
      field(`${where}.instance_size_slug`, `unknown instance size "${c.instance_size_slug}"`);
    }
  }
  checkEnvs(c.envs, `${where}.envs`, field);
  const hc = c.health_check;
  if (hc !== undefined) {
    if (!isRecord(hc)) field(`${where}.health_check`, 'must be an object');
    else {
      if (hc.http_path !== undefined && (typeof hc.http_path !== 'string' || !hc.http_path.startsWith('/'))) {
        field(`${where}.health_check.http_path`, 'must start with "/"');
      }
      const ranges: Record<string, [number, number]> = {
        initial_delay_seconds: [0, 3600], period_seconds: [1, 300], timeout_seconds: [1, 120],
        success_threshold: [1, 50], failure_threshold: [1, 50], port: [1, 65535],
      };
      for (const [k, [min, max]] of Object.entries(ranges)) {
        integer(hc[k], `health_check.${k}`, min, max);
      }
    }
  }
  const t = c.termination;
  if (t !== undefined) {
    if (!isRecord(t)) field(`${where}.termination`, 'must be an object');
    else {
      integer(t.drain_seconds, 'termination.drain_seconds', 1, 110);
      integer(t.grace_period_seconds, 'termination.grace_period_seconds', 1, 600);
    }
  }
}
