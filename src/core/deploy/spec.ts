/**
 * Step 1: the skill's app spec as it will be deployed. The source (branch, image tag or digest) is set on a copy in
 * memory (comments and layout kept, via `yaml`'s document model), then linted; the user's file is rewritten only when
 * asked.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { LintCache } from '../appspec';
import type { AppSpec } from '../do/schemas';
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
}

export interface PrepareOptions {
  repoRoot: string;
  source?: SourceOverride;
  lint: LintFunction;
  branchExists?: (branch: string) => Promise<boolean>;
  writeSpec?: boolean;
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

/** Reads, sets the source, lints; throws the procedure's error for lint errors. */
export async function prepareSpec(skill: Skill, options: PrepareOptions): Promise<PreparedSpec> {
  const file = path.relative(options.repoRoot, skill.appSpecPath).split(path.sep).join('/') || skill.appSpecPath;
  let original: string;
  try {
    original = await fs.readFile(skill.appSpecPath, 'utf8');
  } catch (e) {
    const why = `${skill.name}: cannot read its app spec ${file}: ${(e as Error).message}`;
    throw new DeployError('APP_SPEC_MISSING', why, { step: 'prepare', cause: e });
  }
  const { text, changes } = withSource(original, skill, options.repoRoot, options.source);
  const result = await options.lint(text, { file, repoRoot: options.repoRoot, branchExists: options.branchExists });
  const errors = result.findings.filter((f) => f.severity === 'error');
  if (errors.length) {
    const code = codeForFindings(errors);
    const first = errors.find((f) => codeForFindings([f]) === code) ?? errors[0];
    const more = errors.length > 1 ? ` (+${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    throw new DeployError(code, `${skill.name}: the app spec has errors: ${describe(first, file)}${more}`, {
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
  const spec = (result.spec ?? (parseDocument(text, { version: '1.1' }).toJS() as AppSpec));
  if (options.writeSpec && text !== original) await writeFileAtomic(skill.appSpecPath, text);
  return {
    spec,
    text,
    file,
    changes,
    warnings: result.findings.filter((f) => f.severity === 'warning').map((f) => describe(f, file)),
  };
}
