/**
 * Step 1: the skill's app spec as it will be deployed. The source (branch, image tag or digest) is set on a copy in
 * memory (comments and layout kept, via `yaml`'s document model), then linted; the user's file is rewritten only when
 * asked.
 */
import { closeSync, existsSync, fstatSync, constants as fsConstants, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { LIMITS, LintCache, onOverlay } from '../appspec';
import type { AppSpec } from '../do/schemas';
import { branchFor, EnvironmentError, overlayPathFor, specForEnvironment, type EnvironmentDef, type OverlayPath } from '../environments';
import type { Skill } from '../skills/loadSkills';
import { branchForSkill } from '../skills/names';
import { writeFileAtomic } from '../status/atomicFile';
import { DeployError, type DeployErrorCode } from './errors';
import type { LintFunction, LintLike, SourceOverride } from './types';

const COMPONENT_KINDS = ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const;
const GIT_SOURCES = ['git', 'github', 'gitlab', 'bitbucket'] as const;
const SYNTAX_CODES = new Set(['APP_SPEC_SYNTAX_ERROR', 'APP_SPEC_TOO_LARGE', 'APP_SPEC_TOO_DEEP', 'APP_SPEC_TOO_MANY_ALIASES']);

export interface PreparedSpec {
  spec: AppSpec;
  /** The YAML that was linted and is deployed. */
  text: string;
  /** The spec file, relative to the repository root (as findings name it). */
  file: string;
  /** What was set, e.g. `services[0].github.branch = skill/alpha`. */
  changes: string[];
  /** Lint warnings, one line each (`file:line:col CODE message`). */
  warnings: string[];
  /** The environment's overlay that was laid on the base, relative to the repository root. */
  overlayFile?: string;
}

export interface PrepareOptions {
  repoRoot: string;
  source?: SourceOverride;
  lint: LintFunction;
  branchExists?: (branch: string) => Promise<boolean>;
  writeSpec?: boolean;
  /**
   * The environment to prepare for (as resolveEnvironment gives it): its overlay is laid on the base, the app named
   * after it, the source branch set to its branch. Without it, the base spec as it is (with the skill branch).
   */
  environment?: EnvironmentDef;
}

type Finding = LintLike['findings'][number];

function describe(f: Finding, file: string): string {
  return `${f.file ?? file}:${f.line}:${f.column} ${f.code} ${f.message}`;
}

/** The procedure's code for a set of lint errors: syntax first, then placeholders, else a schema problem. */
export function codeForFindings(errors: readonly Finding[]): DeployErrorCode {
  if (errors.some((f) => SYNTAX_CODES.has(f.code))) return 'APP_SPEC_SYNTAX_ERROR';
  if (errors.some((f) => f.code === 'PLACEHOLDER_VALUES')) return 'PLACEHOLDER_VALUES';
  return 'SPEC_VALIDATION_FAILED';
}

/** Sets the source of the skill's components on the document; answers what changed. */
export function setSource(doc: Document, skill: Skill, repoRoot: string, source: SourceOverride = {}): string[] {
  const changes: string[] = [];
  const skillDir = path.relative(repoRoot, skill.dir).split(path.sep).join('/');
  const branch = source.branch ?? branchForSkill(skill.name);
  type Comp = { kind: string; index: number; name?: unknown; sourceDir?: unknown; map: import('yaml').YAMLMap };
  const comps: Comp[] = [];
  for (const kind of COMPONENT_KINDS) {
    const seq = doc.get(kind);
    if (!isSeq(seq)) continue;
    seq.items.forEach((item, index) => {
      if (isMap(item)) comps.push({ kind, index, name: item.get('name'), sourceDir: item.get('source_dir'), map: item });
    });
  }
  // The skill's components: named after it or built from its folder; when none is, every component.
  const inSkillDir = (dir: unknown) => typeof dir === 'string' && dir.replace(/^\.?\/+/, '').replace(/\/+$/, '') === skillDir;
  const own = comps.filter((c) => c.name === skill.name || inSkillDir(c.sourceDir));
  for (const c of own.length ? own : comps) {
    for (const src of GIT_SOURCES) {
      const s = c.map.get(src);
      if (!isMap(s)) continue;
      if (s.get('branch') !== branch) {
        s.set('branch', branch);
        changes.push(`${c.kind}[${c.index}].${src}.branch = ${branch}`);
      }
    }
    const image = c.map.get('image');
    if (isMap(image)) {
      if (source.imageDigest !== undefined && image.get('digest') !== source.imageDigest) {
        image.set('digest', source.imageDigest);
        if (image.has('tag')) image.delete('tag');
        changes.push(`${c.kind}[${c.index}].image.digest = ${source.imageDigest}`);
      } else if (source.imageTag !== undefined && image.get('tag') !== source.imageTag) {
        image.set('tag', source.imageTag);
        changes.push(`${c.kind}[${c.index}].image.tag = ${source.imageTag}`);
      }
    }
  }
  return changes;
}

/**
 * The same file with the same source set gives the same text: kept for the process (texts up to the lint cache's
 * bound, 1 MiB in all), since a plan sets the source of every skill's unchanged spec again.
 */
const sourceSet = new LRUCache<string, { text: string; changes: string[] }>({ max: 256, maxSize: 1024 * 1024 });

function withSource(
  original: string,
  skill: Skill,
  repoRoot: string,
  source: SourceOverride | undefined,
): { text: string; changes: string[] } {
  const cacheable = original.length <= LintCache.MAX_TEXT;
  const key = cacheable ? JSON.stringify([skill.name, path.relative(repoRoot, skill.dir), source ?? {}, original]) : undefined;
  const hit = key !== undefined ? sourceSet.get(key) : undefined;
  if (hit) return { text: hit.text, changes: [...hit.changes] };
  let text = original;
  let changes: string[] = [];
  // Only a document that parses is edited; one that does not goes to the linter as it is (it reports the syntax errors).
  const doc = parseDocument(original, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length === 0 && isMap(doc.contents)) {
    changes = setSource(doc, skill, repoRoot, source);
    if (changes.length) text = doc.toString();
  }
  if (key !== undefined) sourceSet.set(key, { text, changes: [...changes] }, { size: key.length + text.length });
  return { text, changes };
}

/**
 * Reads a spec or an overlay, synchronously, as the skills' manifests are read (loadSkills.ts): a few KiB of a local
 * file take microseconds, whereas each await of an fs promise (open, stat, read, close) waits for a turn of an event
 * loop that, in a plan of 50 skills, is busy with everyone's requests; those turns made the prepare step of the last
 * skills, and with it their creates, 100 ms late (`npm run bench`, cap 50). Opened without blocking and refused unless
 * it is a regular file of at most the linter's size limit (1 MiB), so that a FIFO or a device cannot hang the process.
 */
function readSpecFile(file: string): string {
  const fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > LIMITS.maxBytes) throw new Error(`${stat.size} bytes, over the ${LIMITS.maxBytes / 1024 / 1024} MiB an app spec may have`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** readSpecFile, or undefined when the file does not exist (asked first: most skills have no overlay). */
function readIfExists(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return readSpecFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function lintError(skill: Skill, what: string, errors: readonly Finding[], file: string): DeployError {
  const code = codeForFindings(errors);
  const first = errors.find((f) => codeForFindings([f]) === code) ?? errors[0];
  const more = errors.length > 1 ? ` (+${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  return new DeployError(code, `${skill.name}: ${what} has errors: ${describe(first, file)}${more}`, {
    step: 'prepare',
    details: {
      findings: errors.map((f) => ({
        code: f.code,
        severity: f.severity,
        message: f.message,
        line: f.line,
        column: f.column,
        file: f.file ?? file,
      })),
    },
  });
}

const relative = (repoRoot: string, file: string) => path.relative(repoRoot, file).split(path.sep).join('/') || file;

/**
 * Reads the base spec and the environment's overlay (linted alone first), lays the overlay on the base and names the
 * app after the environment, sets the source, lints the result; throws the procedure's error for lint errors, naming
 * the overlay's file and line for a field that comes from it.
 */
export async function prepareSpec(skill: Skill, options: PrepareOptions): Promise<PreparedSpec> {
  const file = relative(options.repoRoot, skill.appSpecPath);
  let original: string;
  try {
    original = readSpecFile(skill.appSpecPath);
  } catch (e) {
    const why = `${skill.name}: cannot read its app spec ${file}: ${(e as Error).message}`;
    throw new DeployError('APP_SPEC_MISSING', why, { step: 'prepare', cause: e });
  }
  const env = options.environment;
  const warnings: string[] = [];
  let base = original;
  let envChanges: string[] = [];
  let overlayFile: string | undefined;
  let overlayPaths: OverlayPath[] = [];
  if (env) {
    const overlayAbs = overlayPathFor(skill.appSpecPath, env.name);
    let overlayText: string | undefined;
    try {
      overlayText = readIfExists(overlayAbs);
    } catch (e) {
      const why = `${skill.name}: cannot read the ${env.name} overlay ${relative(options.repoRoot, overlayAbs)}: ${(e as Error).message}`;
      throw new DeployError('APP_SPEC_MISSING', why, { step: 'prepare', cause: e });
    }
    if (overlayText !== undefined) {
      overlayFile = relative(options.repoRoot, overlayAbs);
      const alone = await options.lint(overlayText, { file: overlayFile, repoRoot: options.repoRoot, kind: 'overlay' });
      const errors = alone.findings.filter((f) => f.severity === 'error');
      if (errors.length) throw lintError(skill, `its ${env.name} overlay`, errors, overlayFile);
      warnings.push(...alone.findings.filter((f) => f.severity === 'warning').map((f) => describe(f, overlayFile!)));
    }
    try {
      const merged = specForEnvironment(original, overlayText, env, { overlayFile, skill: skill.name });
      base = merged.text;
      envChanges = merged.changes;
      overlayPaths = merged.overlayPaths;
    } catch (e) {
      if (!(e instanceof EnvironmentError)) throw e;
      throw new DeployError('SPEC_VALIDATION_FAILED', `${skill.name}: ${e.message}`, { step: 'prepare', cause: e });
    }
  }
  const envBranch = env?.branch !== undefined && options.source?.branch === undefined ? branchFor(env, skill.name) : undefined;
  const source = envBranch ? { ...options.source, branch: envBranch } : options.source;
  const set = withSource(base, skill, options.repoRoot, source);
  const { text } = set;
  const changes = [...envChanges, ...set.changes];
  const result = await options.lint(text, { file, repoRoot: options.repoRoot, branchExists: options.branchExists });
  // A field the overlay set is reported on the overlay's line: that is where it is fixed.
  const findings = overlayFile ? onOverlay(result.findings, overlayPaths, overlayFile) : result.findings;
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length) throw lintError(skill, env && overlayFile ? `its ${env.name} spec` : 'the app spec', errors, file);
  const spec = (result.spec ?? (parseDocument(text, { version: '1.1' }).toJS() as AppSpec));
  if (envBranch && usesBranch(spec, envBranch) && options.branchExists && !(await options.branchExists(envBranch))) {
    const why =
      `${skill.name}: ${env!.name} builds from ${envBranch}, which does not exist (locally or on a remote): promote first ` +
      `(odoobo promote ${skill.name} --to ${env!.name})`;
    throw new DeployError('ENVIRONMENT_BRANCH_MISSING', why, { step: 'prepare' });
  }
  // Only the base's own text goes back to the base file: an environment's overlay and name never do.
  if (options.writeSpec && text !== original && envChanges.length === 0) await writeFileAtomic(skill.appSpecPath, text);
  warnings.push(...findings.filter((f) => f.severity === 'warning').map((f) => describe(f, file)));
  return { spec, text, file, changes, warnings, ...(overlayFile ? { overlayFile } : {}) };
}

/** Whether a component of the spec builds from `branch` (an image-sourced app has no branch to wait for). */
function usesBranch(spec: AppSpec, branch: string): boolean {
  const record = spec as unknown as Record<string, unknown>;
  return COMPONENT_KINDS.some((kind) => {
    const list = record[kind];
    if (!Array.isArray(list)) return false;
    return list.some((c: Record<string, unknown>) =>
      GIT_SOURCES.some((src) => (c?.[src] as { branch?: unknown } | undefined)?.branch === branch),
    );
  });
}
