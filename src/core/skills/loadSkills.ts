import * as fs from 'node:fs';
import * as path from 'node:path';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { ZodError } from 'zod';
import { SkillManifestSchema, type SkillManifest } from './manifest';
import { skillNameProblem } from './names';

export interface Skill {
  readonly name: string;
  /** Absolute folder of the skill: `<root>/<skillsLocation>/<name>`. */
  readonly dir: string;
  readonly manifestPath: string;
  readonly manifest: SkillManifest;
  /** Absolute path of the skill's app spec (`manifest.appSpec` resolved against the repository root). */
  readonly appSpecPath: string;
  readonly appSpecExists: boolean;
}

/** A manifest that could not be loaded: where, and why. Lines and columns are 1-based. */
export interface SkillProblem {
  /** Folder name under the skills location (not necessarily a valid skill name). */
  readonly folder: string;
  readonly file: string;
  readonly field?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export interface LoadedSkills {
  readonly skills: Skill[];
  readonly problems: SkillProblem[];
}

export function formatSkillProblem(p: SkillProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function zodProblems(folder: string, file: string, text: string, tree: JsonNode, error: ZodError): SkillProblem[] {
  return error.issues.map((issue) => {
    const segments = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    // Point at the offending value, or at the closest enclosing node that exists (e.g. for a missing field).
    let node: JsonNode | undefined;
    for (let n = segments.length; n >= 0 && !node; n--) node = findNodeAtLocation(tree, segments.slice(0, n));
    const target = node?.parent?.type === 'property' && segments.length > 0 ? node.parent : node;
    const pos = lineColumn(text, target?.offset ?? 0);
    const field = segments.length ? segments.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[') : undefined;
    return { folder, file, field, ...pos, message: issue.message };
  });
}

/** A manifest is plain JSON: no comments, no trailing commas. */
const STRICT_JSON = { allowTrailingComma: false, disallowComments: true };

/** Parses one manifest's text; returns the manifest or the problems found (with file, line and field). */
export function parseManifest(folder: string, file: string, text: string): { manifest?: SkillManifest; problems: SkillProblem[] } {
  // The syntax tree only places a problem (line, column, field): a valid manifest, the common case, skips it (building
  // it took most of a manifest's ~0.3 ms, paid per skill by the tree's first paint and by every deploy).
  // (JSON.parse accepted the text, so it has a tree.)
  const treeOf = (): JsonNode => parseTree(text, [], STRICT_JSON)!;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const errors: ParseError[] = [];
    parseTree(text, errors, STRICT_JSON);
    const first = errors[0];
    if (!first && text.trim() !== '') {
      return { problems: [{ folder, file, line: 1, column: 1, message: `invalid JSON (${(e as Error).message})` }] };
    }
    const pos = lineColumn(text, first?.offset ?? 0);
    const what = first ? printParseErrorCode(first.error) : 'EmptyDocument';
    return { problems: [{ folder, file, ...pos, message: `invalid JSON (${what})` }] };
  }
  const parsed = SkillManifestSchema.safeParse(json);
  if (!parsed.success) return { problems: zodProblems(folder, file, text, treeOf(), parsed.error) };
  const manifest = parsed.data;
  if (manifest.name !== folder) {
    const nameNode = findNodeAtLocation(treeOf(), ['name']);
    const pos = lineColumn(text, nameNode?.parent?.offset ?? 0);
    return {
      problems: [{ folder, file, field: 'name', ...pos, message: `"${manifest.name}" does not match the folder name "${folder}"` }],
    };
  }
  return { manifest, problems: [] };
}

const MAX_MANIFEST_BYTES = 256 * 1024;

/**
 * One folder of the skills directory: its skill, or the problems of its manifest (none: not a skill).
 *
 * Read synchronously, on purpose: a manifest is a small local file (at most 256 KiB, a few hundred bytes in practice)
 * and a stat, a read and a stat take microseconds, whereas each await of an fs promise waits for a turn of the event
 * loop — in the extension host a loop shared with every other extension starting up, where those turns made the tree's
 * first paint 3–8× slower than the same work in a plain node process (`npm run bench`, activation rows).
 */
function loadFolder(root: string, skillsDir: string, folder: string): { skill?: Skill; problems: SkillProblem[] } {
  const manifestPath = path.join(skillsDir, folder, 'manifest.json');
  const nameProblem = skillNameProblem(folder);
  if (nameProblem) {
    return {
      problems: [
        {
          folder,
          file: manifestPath,
          field: 'name',
          message: `folder name ${JSON.stringify(folder)} is not a valid skill name: ${nameProblem}`,
        },
      ],
    };
  }
  let text: string;
  try {
    const stat = fs.statSync(manifestPath);
    if (stat.size > MAX_MANIFEST_BYTES) {
      return { problems: [{ folder, file: manifestPath, message: `manifest is ${stat.size} bytes (at most ${MAX_MANIFEST_BYTES})` }] };
    }
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problems: [] }; // a folder without a manifest is not a skill
    return { problems: [{ folder, file: manifestPath, message: `cannot read manifest: ${(e as Error).message}` }] };
  }
  const { manifest, problems } = parseManifest(folder, manifestPath, text);
  if (!manifest) return { problems };
  const appSpecPath = path.resolve(root, manifest.appSpec);
  const appSpecExists = fs.statSync(appSpecPath, { throwIfNoEntry: false })?.isFile() ?? false;
  return {
    skill: { name: manifest.name, dir: path.dirname(manifestPath), manifestPath, manifest, appSpecPath, appSpecExists },
    problems: [],
  };
}

/**
 * One skill by name — `<root>/<skillsLocation>/<name>/manifest.json` — without reading the others (a deploy of one
 * skill in a repository of fifty reads one manifest). Undefined when there is no such skill; its manifest's problems
 * otherwise, as loadSkills reports them.
 */
export async function loadSkill(root: string, skillsLocation: string, name: string): Promise<{ skill?: Skill; problems: SkillProblem[] }> {
  return loadFolder(root, path.resolve(root, skillsLocation), name);
}

/**
 * Loads every `<root>/<skillsLocation>/<name>/manifest.json`. An invalid manifest becomes a problem with its file
 * and field; the other skills still load. Folder names that are not valid skill names are rejected before use.
 */
export async function loadSkills(root: string, skillsLocation = 'skills'): Promise<LoadedSkills> {
  const skillsDir = path.resolve(root, skillsLocation);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(skillsDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return { skills: [], problems: [] };
    }
    throw e;
  }
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  const results = folders.map((folder) => loadFolder(root, skillsDir, folder));
  return {
    skills: results.flatMap((r) => (r.skill ? [r.skill] : [])),
    problems: results.flatMap((r) => r.problems),
  };
}
