/** The checks beyond the schema: each reads the plain spec object and reports through `RuleContext`. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Scalar } from 'yaml';
import { formatPath, subRange, type Range } from './positions';
import { DEPRECATED_INSTANCE_SIZES, INSTANCE_SIZES, REGIONS, SINGLE_INSTANCE_SIZES } from './schema';
import { findSecret, isEncryptedValue, looksLikeSecretName } from './secrets';
import { didYouMean, suggest } from './suggest';
import type { FindingCode, FixHint, LintOptions, Severity, SpecPath } from './types';

export interface RuleContext {
  text: string;
  spec: Record<string, unknown>;
  options: LintOptions;
  /** Every string scalar value in the document with its path (keys excluded). */
  strings: { node: Scalar; path: SpecPath }[];
  /** Range of the value at a path; falls back to its key, then to the closest existing parent. */
  valueRange(path: SpecPath): Range;
  /** Range of the key at a path (for "this field" findings), falling back like valueRange. */
  keyRange(path: SpecPath): Range;
  report(code: FindingCode, severity: Severity, range: Range, message: string, path?: SpecPath, fix?: FixHint | FixHint[]): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const code = (s: string) => `\`${s}\``;

export const COMPONENT_KINDS = ['services', 'static_sites', 'workers', 'jobs', 'functions'] as const;
const SOURCE_KEYS = ['git', 'github', 'gitlab', 'bitbucket'] as const;

interface Component {
  kind: string;
  path: SpecPath;
  value: Obj;
}

function componentsOf(spec: Obj, kinds: readonly string[] = [...COMPONENT_KINDS, 'databases']): Component[] {
  const out: Component[] = [];
  for (const kind of kinds) {
    const list = spec[kind];
    if (!Array.isArray(list)) continue;
    list.forEach((value, i) => {
      if (isObj(value)) out.push({ kind, path: [kind, i], value });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// DUPLICATE_COMPONENT: names are unique across every component, databases included.

export function duplicateComponents(ctx: RuleContext): void {
  const seen = new Map<string, SpecPath>();
  const taken = new Set(componentsOf(ctx.spec).map((c) => c.value.name));
  /** `web-2`, `web-3`…: the first free name, within DigitalOcean's 32 characters. */
  const freeName = (name: string): string | undefined => {
    for (let i = 2; i < 100; i++) {
      const candidate = `${name.slice(0, 32 - String(i).length - 1).replace(/-+$/, '')}-${i}`;
      if (!taken.has(candidate)) return candidate;
    }
    return undefined;
  };
  const rename = (fresh: string | undefined): FixHint | undefined => {
    if (!fresh) return undefined;
    taken.add(fresh);
    return { kind: 'set-value', values: [fresh], titles: [`Rename to "${fresh}"`] };
  };
  for (const c of componentsOf(ctx.spec)) {
    const name = c.value.name;
    if (typeof name !== 'string') continue;
    const first = seen.get(name);
    if (!first) {
      seen.set(name, c.path);
      continue;
    }
    ctx.report(
      'DUPLICATE_COMPONENT',
      'error',
      ctx.valueRange([...c.path, 'name']),
      `component name ${code(name)} is already used by ${formatPath(first)}: names must be unique across all components of an app`,
      [...c.path, 'name'],
      rename(freeName(name)),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Open enums: regions and instance sizes DigitalOcean extends over time warn instead of failing.

export function openEnums(ctx: RuleContext): void {
  const region = ctx.spec.region;
  if (typeof region === 'string' && !REGIONS.includes(region)) {
    const s = suggest(region, REGIONS);
    ctx.report(
      'SCHEMA_ERROR',
      'warning',
      ctx.valueRange(['region']),
      `\`region\`: ${code(region)} is not a known App Platform region (${REGIONS.join(', ')})${didYouMean(s)}`,
      ['region'],
      { kind: 'replace-value', suggestions: s },
    );
  }
  const known = [...INSTANCE_SIZES, ...(ctx.options.knownInstanceSizes ?? [])];
  for (const c of componentsOf(ctx.spec, ['services', 'workers', 'jobs'])) {
    const size = c.value.instance_size_slug;
    if (typeof size !== 'string' || known.includes(size)) continue;
    const p = [...c.path, 'instance_size_slug'];
    if (DEPRECATED_INSTANCE_SIZES.includes(size)) {
      ctx.report('SCHEMA_ERROR', 'info', ctx.valueRange(p), `\`${formatPath(p)}\`: ${code(size)} is a deprecated legacy size slug; App Platform still accepts it, new apps use the \`apps-s-…\`/\`apps-d-…\` sizes`, p);
      continue;
    }
    const s = suggest(size, known);
    ctx.report(
      'SCHEMA_ERROR',
      'warning',
      ctx.valueRange(p),
      `\`${formatPath(p)}\`: ${code(size)} is not a known instance size${didYouMean(s)} (DigitalOcean adds sizes: check \`doctl apps tier instance-size list\`)`,
      p,
      { kind: 'replace-value', suggestions: s.length ? s : known.slice(0, 3) },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SCHEMA_ERROR (a warning): more instances than the size runs (App Platform's catalogue marks its fixed sizes
// `single_instance_only`, yet DigitalOcean's own API examples ask for two of them, so this does not block a deploy).

export function instanceCounts(ctx: RuleContext): void {
  for (const c of componentsOf(ctx.spec, ['services', 'workers', 'jobs'])) {
    const count = c.value.instance_count;
    // App Platform's default size is the smallest fixed one
    const size = typeof c.value.instance_size_slug === 'string' ? c.value.instance_size_slug : 'apps-s-1vcpu-0.5gb';
    if (typeof count !== 'number' || count <= 1 || !SINGLE_INSTANCE_SIZES.includes(size)) continue;
    const p = [...c.path, 'instance_count'];
    const scalable = 'apps-s-1vcpu-1gb';
    ctx.report(
      'SCHEMA_ERROR',
      'warning',
      ctx.valueRange(p),
      `\`${formatPath(p)}\`: ${count} instances, but ${code(size)} runs a single instance only; ` +
        `use 1 instance or a scalable size such as ${code(scalable)}`,
      p,
      [
        { kind: 'set-value', values: [1], titles: [`Change to 1 (the most ${size} runs)`] },
        { kind: 'set-field', path: [...c.path, 'instance_size_slug'], value: scalable, title: `Use the scalable size ${scalable}` },
      ],
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PLACEHOLDER_VALUES and PLAINTEXT_SECRET: every string value.

const APP_BINDABLES = ['APP_URL', 'APP_DOMAIN', 'APP_ID'];
const COMPONENT_BINDABLES = ['PUBLIC_URL', 'PUBLIC_ROUTE_PATH', 'PRIVATE_URL', 'PRIVATE_DOMAIN', 'PRIVATE_PORT', 'COMMIT_HASH'];
const DATABASE_BINDABLES = [
  'HOSTNAME', 'PORT', 'USERNAME', 'PASSWORD', 'DATABASE', 'DATABASE_URL', 'DATABASE_PRIVATE_URL', 'CA_CERT',
  'JDBC_DATABASE_URL', 'REDIS_URL', 'PRIVATE_HOSTNAME',
];

const PLACEHOLDERS: readonly RegExp[] = [
  /\bYOUR[_-][A-Z0-9_-]*/,
  /\byour[_-][a-z0-9_-]+/,
  /\b(?:PLACEHOLDER|placeholder)\b/,
  /\b(?:TODO|FIXME|TBD)\b/,
  /\b(?:CHANGE[_-]?ME|REPLACE[_-]?ME)\b/i,
];
/** `<your-org>`, `<TOKEN>`; not checked in shell commands, where `<` and `>` redirect. */
const ANGLE_PLACEHOLDER = /<[A-Za-z][A-Za-z0-9 _.-]*>/;

const isEnvValue = (p: SpecPath) => p.length >= 3 && p[p.length - 1] === 'value' && p[p.length - 3] === 'envs';
const isCommand = (p: SpecPath) => p.length === 3 && (p[2] === 'run_command' || p[2] === 'build_command');

export function valuesAndSecrets(ctx: RuleContext): void {
  const components = componentsOf(ctx.spec, COMPONENT_KINDS);
  const componentNames = components.map((c) => c.value.name).filter((n): n is string => typeof n === 'string');
  const databaseNames = componentsOf(ctx.spec, ['databases'])
    .map((c) => c.value.name)
    .filter((n): n is string => typeof n === 'string');
  const appEnvKeys = (Array.isArray(ctx.spec.envs) ? ctx.spec.envs : []).map((e) => (isObj(e) ? e.key : undefined)).filter((k): k is string => typeof k === 'string');

  for (const { node, path: p } of ctx.strings) {
    const value = node.value as string;
    const range: Range = node.range ? [node.range[0], node.range[1]] : ctx.valueRange(p);
    const secret = findSecret(value);
    if (secret) {
      ctx.report(
        'PLAINTEXT_SECRET',
        'error',
        subRange(ctx.text, range, secret.text.split('\n')[0]),
        `\`${formatPath(p)}\` holds a plaintext ${secret.kind} (${secret.masked}): remove it from the file, rotate it, and give it to App Platform as an encrypted \`type: SECRET\` env var`,
        p,
        isEnvValue(p) ? { kind: 'make-secret', envPath: p.slice(0, -1) } : undefined,
      );
      continue;
    }
    if (isEncryptedValue(value)) continue;
    const command = isCommand(p);
    for (const re of command ? PLACEHOLDERS : [...PLACEHOLDERS, ANGLE_PLACEHOLDER]) {
      const m = re.exec(value);
      if (!m) continue;
      ctx.report('PLACEHOLDER_VALUES', 'error', subRange(ctx.text, range, m[0]), `\`${formatPath(p)}\` still holds the placeholder ${code(m[0])}: replace it with the real value`, p, { kind: 'replace-placeholder' });
      break;
    }
    // run_command/build_command run in a shell, which expands ${…} itself (e.g. ${PORT:-8080})
    if (command || !value.includes('${')) continue;
    const envValue = isEnvValue(p);
    const ownerIsApp = p[0] === 'envs';
    for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
      const ref = m[1].trim();
      const r = subRange(ctx.text, range, m[0]);
      if (!envValue) {
        ctx.report('PLACEHOLDER_VALUES', 'error', r, `\`${formatPath(p)}\`: ${code(m[0])} is not expanded here; App Platform expands \`\${…}\` bindable variables only in env values`, p, { kind: 'replace-placeholder' });
        continue;
      }
      const problem = bindableProblem(ref, ownerIsApp, componentNames, databaseNames, appEnvKeys);
      if (problem) ctx.report('PLACEHOLDER_VALUES', 'warning', r, `\`${formatPath(p)}\`: ${code(m[0])} ${problem.message}`, p, { kind: 'replace-value', suggestions: problem.suggestions.map((s) => `\${${s}}`) });
    }
  }
}

function bindableProblem(ref: string, ownerIsApp: boolean, components: string[], databases: string[], appEnvKeys: string[]): { message: string; suggestions: string[] } | undefined {
  const dotted = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)$/.exec(ref);
  if (dotted) {
    const [, prefix, attr] = dotted;
    const isSelf = prefix === '_self';
    if (isSelf && ownerIsApp) return { message: 'uses `_self`, which only means something in a component\'s env vars', suggestions: [] };
    if (isSelf || components.includes(prefix)) {
      if (COMPONENT_BINDABLES.includes(attr)) return undefined;
      const s = suggest(attr, COMPONENT_BINDABLES).map((a) => `${prefix}.${a}`);
      return { message: `is not a bindable variable of ${isSelf ? 'a component' : `component ${code(prefix)}`} (${COMPONENT_BINDABLES.join(', ')})${didYouMean(s)}`, suggestions: s };
    }
    if (databases.includes(prefix)) {
      if (DATABASE_BINDABLES.includes(attr)) return undefined;
      const s = suggest(attr, DATABASE_BINDABLES).map((a) => `${prefix}.${a}`);
      return { message: `is not a bindable variable of database ${code(prefix)}${didYouMean(s)}`, suggestions: s };
    }
    const owners = DATABASE_BINDABLES.includes(attr) && !COMPONENT_BINDABLES.includes(attr) ? databases : COMPONENT_BINDABLES.includes(attr) ? ['_self', ...components] : [...components, ...databases];
    const s = suggest(prefix, [...new Set(owners)]).map((c) => `${c}.${attr}`);
    return { message: `refers to ${code(prefix)}, which is no component or database of this app; App Platform leaves it unexpanded${didYouMean(s)}`, suggestions: s };
  }
  if (APP_BINDABLES.includes(ref) || (!ownerIsApp && appEnvKeys.includes(ref))) return undefined;
  const s = suggest(ref, [...new Set([...APP_BINDABLES, ...(ownerIsApp ? [] : appEnvKeys)])]);
  return { message: `is not a bindable variable App Platform knows (${APP_BINDABLES.join(', ')}, \`<component>.<NAME>\`, app-level env keys); it stays unexpanded${didYouMean(s)}`, suggestions: s };
}

// ---------------------------------------------------------------------------------------------------------------
// SECRET_NOT_ENCRYPTED: env vars named like secrets, with a plaintext GENERAL value.

export function unencryptedSecrets(ctx: RuleContext, alreadyReported: Set<string>): void {
  const lists: SpecPath[] = [['envs'], ...componentsOf(ctx.spec, COMPONENT_KINDS).map((c) => [...c.path, 'envs'])];
  for (const listPath of lists) {
    let list: unknown = ctx.spec;
    for (const seg of listPath) list = (list as Obj | unknown[] | undefined)?.[seg as never];
    if (!Array.isArray(list)) continue;
    list.forEach((env, i) => {
      if (!isObj(env) || typeof env.key !== 'string' || typeof env.value !== 'string') return;
      const envPath = [...listPath, i];
      const value = env.value.trim();
      if (!value || env.type === 'SECRET' || isEncryptedValue(value) || !looksLikeSecretName(env.key)) return;
      if (/^(?:\$\{[^}]*\}\s*)+$/.test(value)) return; // only bindable references (e.g. ${db.PASSWORD}): nothing stored
      if (alreadyReported.has(formatPath([...envPath, 'value']))) return;
      ctx.report(
        'SECRET_NOT_ENCRYPTED',
        'warning',
        ctx.valueRange([...envPath, 'key']),
        `env var ${code(env.key)} looks like a secret but its value is plaintext ${env.type ? code(String(env.type)) : '(type GENERAL)'}: add \`type: SECRET\` (App Platform then stores it encrypted as \`EV[…]\`) and keep the value out of the repository`,
        envPath,
        { kind: 'make-secret', envPath },
      );
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// MISSING_IMAGE_TAG and MISSING_HEALTH_CHECK

export function imagesAndHealthChecks(ctx: RuleContext): void {
  for (const c of componentsOf(ctx.spec, ['services', 'workers', 'jobs'])) {
    const image = c.value.image;
    if (!isObj(image)) continue;
    const imagePath = [...c.path, 'image'];
    const repo = typeof image.repository === 'string' ? image.repository : 'the image';
    if (typeof image.digest === 'string' && image.digest) continue;
    if (image.tag === undefined || image.tag === '') {
      ctx.report('MISSING_IMAGE_TAG', 'warning', ctx.keyRange(imagePath), `${code(formatPath(imagePath))} has neither \`tag\` nor \`digest\`: App Platform pulls \`latest\`, so a redeploy or rollback may run different code; pin a tag or a digest`, imagePath, { kind: 'pin-image', imagePath });
    } else if (image.tag === 'latest') {
      const p = [...imagePath, 'tag'];
      ctx.report('MISSING_IMAGE_TAG', 'warning', ctx.valueRange(p), `${code(repo)} uses \`tag: latest\`: a redeploy or rollback may run different code; pin a version tag or a digest`, p, { kind: 'pin-image', imagePath });
    }
  }
  for (const c of componentsOf(ctx.spec, ['services'])) {
    if (isObj(c.value.health_check)) continue;
    const name = typeof c.value.name === 'string' ? c.value.name : formatPath(c.path);
    ctx.report(
      'MISSING_HEALTH_CHECK',
      'warning',
      ctx.valueRange([...c.path, 'name']),
      `service ${code(name)} has no \`health_check\`: App Platform then only checks that the port accepts TCP connections, so a broken app can go live; add \`health_check: { http_path: /health }\``,
      c.path,
      { kind: 'add-health-check', servicePath: c.path },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PORT_MISMATCH: http_port against the port the run_command listens on.

const DEFAULT_HTTP_PORT = 8080;
const PORT_FLAG = /(?:^|[\s;&|(])(?:--port|-p|--http-port|--listen-port)(?:=|\s+)(["']?)(\S+?)\1(?=$|[\s;&|)])/g;
const BIND_FLAG = /(?:^|[\s;&|(])(?:--bind|-b|--listen|--address)(?:=|\s+)(["']?)(\S+?)\1(?=$|[\s;&|)])/g;
const PORT_ASSIGNMENT = /(?:^|[\s;&|(])(?:export\s+)?PORT=(["']?)(\S+?)\1(?=$|[\s;&|)])/g;

type PortSpec = { kind: 'literal'; port: number } | { kind: 'env'; fallback?: number };

function parsePortToken(token: string): PortSpec | undefined {
  if (/^\d{1,5}$/.test(token)) return { kind: 'literal', port: Number(token) };
  if (/^\$PORT$|^\$\{PORT\}$/.test(token)) return { kind: 'env' };
  const m = /^\$\{PORT:?-(\d{1,5})\}$/.exec(token);
  return m ? { kind: 'env', fallback: Number(m[1]) } : undefined;
}

/** The port part of `--bind 0.0.0.0:8080`, `[::]:$PORT`, `:${PORT:-8080}`. */
function bindPort(value: string): string | undefined {
  const env = value.indexOf('$');
  if (env > 0 && value[env - 1] === ':') return value.slice(env);
  const colon = value.lastIndexOf(':');
  return colon >= 0 && env < 0 ? value.slice(colon + 1) : undefined;
}

export function portMismatch(ctx: RuleContext): void {
  const appPortEnv = envValue(ctx.spec.envs, 'PORT');
  for (const c of componentsOf(ctx.spec, ['services'])) {
    const cmd = c.value.run_command;
    if (typeof cmd !== 'string') continue;
    if (c.value.http_port !== undefined && typeof c.value.http_port !== 'number') continue; // a SCHEMA_ERROR already
    const httpPort = c.value.http_port;
    const expected = httpPort ?? DEFAULT_HTTP_PORT;
    const expectedText = httpPort === undefined ? `App Platform's default http_port ${DEFAULT_HTTP_PORT} (http_port is not set)` : `http_port ${httpPort}`;
    const cmdPath = [...c.path, 'run_command'];
    const cmdRange = ctx.valueRange(cmdPath);
    const mentions: { token: string; spec: PortSpec; assignment: boolean }[] = [];
    for (const m of cmd.matchAll(PORT_FLAG)) {
      const spec = parsePortToken(m[2]);
      if (spec) mentions.push({ token: m[2], spec, assignment: false });
    }
    for (const m of cmd.matchAll(BIND_FLAG)) {
      const port = bindPort(m[2]);
      const spec = port === undefined ? undefined : parsePortToken(port);
      if (spec && port) mentions.push({ token: port, spec, assignment: false });
    }
    for (const m of cmd.matchAll(PORT_ASSIGNMENT)) {
      const spec = parsePortToken(m[2]);
      if (spec) mentions.push({ token: m[2], spec, assignment: true });
    }
    for (const { token, spec, assignment } of mentions) {
      const r = subRange(ctx.text, cmdRange, token);
      if (spec.kind === 'literal' && spec.port !== expected) {
        const what = assignment ? `sets PORT=${spec.port}` : `listens on port ${spec.port}`;
        const msg = `run_command ${what} but App Platform routes traffic and health checks to ${expectedText}; use \`$PORT\` or make them equal`;
        ctx.report('PORT_MISMATCH', 'error', r, msg, cmdPath, [
          { kind: 'replace-value', suggestions: ['${PORT}', String(expected)] },
          setHttpPort(c.path, spec.port),
        ]);
      } else if (spec.kind === 'env') {
        const portEnv = envValue(c.value.envs, 'PORT') ?? appPortEnv;
        if (portEnv !== undefined && /^\d+$/.test(portEnv) && Number(portEnv) !== expected) {
          const msg = `run_command listens on $PORT, which an env var sets to ${portEnv}, ` + `but App Platform routes traffic to ${expectedText}`;
          ctx.report('PORT_MISMATCH', 'error', r, msg, cmdPath, setHttpPort(c.path, Number(portEnv), true));
        } else if (spec.fallback !== undefined && spec.fallback !== expected) {
          ctx.report('PORT_MISMATCH', 'warning', r, `run_command falls back to port ${spec.fallback} when PORT is unset, but ${expectedText}: on App Platform PORT is set so it works, elsewhere (local runs) it listens on the wrong port`, cmdPath, { kind: 'replace-value', suggestions: [`\${PORT:-${expected}}`] });
        }
      }
    }
  }
}

const setHttpPort = (servicePath: SpecPath, port: number, preferred = false): FixHint => ({
  kind: 'set-field', path: [...servicePath, 'http_port'], value: port, title: `Set http_port to ${port}`, preferred,
});

function envValue(envs: unknown, key: string): string | undefined {
  if (!Array.isArray(envs)) return undefined;
  const e = envs.find((x) => isObj(x) && x.key === key) as Obj | undefined;
  return typeof e?.value === 'string' ? e.value.trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// SOURCE_DIR_MISSING and BRANCH_MISSING: the filesystem and git, through the lint context.

export async function sourceDirs(ctx: RuleContext): Promise<void> {
  const root = ctx.options.repoRoot;
  if (!root) return;
  const checks = componentsOf(ctx.spec, COMPONENT_KINDS)
    .filter((c) => typeof c.value.source_dir === 'string' && !isObj(c.value.image))
    .map(async (c) => {
      const dir = c.value.source_dir as string;
      const p = [...c.path, 'source_dir'];
      const rel = dir.replace(/^\/+/, '') || '.';
      const abs = path.resolve(root, rel);
      const inside = abs === path.resolve(root) || abs.startsWith(path.resolve(root) + path.sep);
      const isDir = inside && (await fs.stat(abs).then((s) => s.isDirectory(), () => false));
      if (!isDir) {
        const s = inside ? await nearbyDirs(root, dir) : [];
        const msg = inside
          ? `source_dir ${code(dir)} does not exist in the repository (${abs})${didYouMean(s)}`
          : `source_dir ${code(dir)} points outside the repository; it must be relative to the repository root`;
        ctx.report('SOURCE_DIR_MISSING', 'error', ctx.valueRange(p), msg, p, s.length ? { kind: 'set-value', values: s } : undefined);
      }
    });
  await Promise.all(checks);
}

/** Folders next to where `dir` points whose names are a typo away from its last segment, spelled as `dir` is. */
async function nearbyDirs(root: string, dir: string): Promise<string[]> {
  const trimmed = dir.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  const parent = slash >= 0 ? trimmed.slice(0, slash + 1) : '';
  const parentAbs = path.resolve(root, parent.replace(/^\/+/, '') || '.');
  if (parentAbs !== path.resolve(root) && !parentAbs.startsWith(path.resolve(root) + path.sep)) return [];
  const entries = await fs.readdir(parentAbs, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  return suggest(trimmed.slice(slash + 1), names).map((n) => parent + n);
}

export async function branches(ctx: RuleContext): Promise<void> {
  const exists = ctx.options.branchExists;
  if (!exists) return;
  const uses: { branch: string; path: SpecPath }[] = [];
  for (const c of componentsOf(ctx.spec, COMPONENT_KINDS)) {
    for (const key of SOURCE_KEYS) {
      const src = c.value[key];
      if (isObj(src) && typeof src.branch === 'string' && src.branch) uses.push({ branch: src.branch, path: [...c.path, key, 'branch'] });
    }
  }
  const answers = new Map<string, Promise<boolean>>();
  for (const u of uses) if (!answers.has(u.branch)) answers.set(u.branch, exists(u.branch).catch(() => true));
  for (const u of uses) {
    if (await answers.get(u.branch)) continue;
    ctx.report('BRANCH_MISSING', 'warning', ctx.valueRange(u.path), `branch ${code(u.branch)} does not exist in this repository (neither locally nor on a remote): App Platform cannot build from it until it is pushed`, u.path);
  }
}
