import type { Document, LineCounter, Scalar } from 'yaml';
import type { z } from 'zod';
import type { AppSpec } from '../do/schemas';
import type { IncrementalYaml } from './incremental';

export type Severity = 'error' | 'warning' | 'info';

/** Every finding code the linter reports; DigitalOcean-style upper snake case. */
export const FINDING_CODES = [
  'APP_SPEC_SYNTAX_ERROR',
  'APP_SPEC_UNREADABLE',
  'APP_SPEC_TOO_LARGE',
  'APP_SPEC_TOO_DEEP',
  'APP_SPEC_TOO_MANY_ALIASES',
  'SCHEMA_ERROR',
  'UNKNOWN_FIELD',
  'PLACEHOLDER_VALUES',
  'PLAINTEXT_SECRET',
  'SECRET_NOT_ENCRYPTED',
  'MISSING_IMAGE_TAG',
  'MISSING_HEALTH_CHECK',
  'PORT_MISMATCH',
  'SOURCE_DIR_MISSING',
  'BRANCH_MISSING',
  'BRANCH_NOT_CHECKED',
  'DUPLICATE_COMPONENT',
  /** An overlay for an environment infra/environments.yaml does not declare. */
  'UNKNOWN_ENVIRONMENT',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** A path into the spec, as zod and `yaml`'s `getIn` spell it: `['services', 0, 'http_port']`. */
export type SpecPath = (string | number)[];

/** Machine-readable hint an editor turns into a quick fix. */
export type FixHint =
  | { kind: 'make-secret'; envPath: SpecPath }
  | { kind: 'replace-placeholder' }
  | { kind: 'add-health-check'; servicePath: SpecPath }
  | { kind: 'replace-value'; suggestions: string[] }
  | { kind: 'rename-field'; suggestions: string[] }
  | { kind: 'remove-field' }
  | { kind: 'pin-image'; imagePath: SpecPath }
  /** Replace the value at the finding's path with one of these (typed: `1` stays a number, `"8080"` a string). */
  | { kind: 'set-value'; values: (string | number | boolean)[]; titles?: string[] }
  /** Set (or add) another field: `http_port` to the port the command listens on. */
  | { kind: 'set-field'; path: SpecPath; value: string | number | boolean; title: string; preferred?: boolean };

/** One replacement in the linted text: offsets (UTF-16, as JavaScript strings and editors count), end exclusive. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

/** A quick fix, computed by the linter: applying its edits to the linted text removes the finding. */
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix an editor applies on "auto fix" (at most one per finding). */
  preferred?: boolean;
}

export interface Finding {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine: number;
  /** 1-based, exclusive (the column just after the range), as editors expect. */
  endColumn: number;
  severity: Severity;
  code: FindingCode;
  message: string;
  path?: SpecPath;
  fix?: FixHint;
  /** Edits that fix this finding, best first (none when the fix needs the user's value, e.g. a placeholder). */
  fixes?: Fix[];
}

export interface LintOptions {
  /** The file name findings carry (the text itself is passed separately). */
  file: string;
  /** An editor's parser for this document: re-parses only what changed since its last text. */
  parser?: IncrementalYaml;
  /** Repository root that `source_dir` is relative to; without it SOURCE_DIR_MISSING is not checked. */
  repoRoot?: string;
  /** Whether a branch exists; without it BRANCH_MISSING is not checked. */
  branchExists?: (branch: string) => Promise<boolean>;
  /** Reuse what linting the same text found before (see LintCache); ignored with `parser`. */
  cache?: LintTextCache;
  /** Instance size slugs known to be valid (e.g. from `GET /v2/apps/tiers/instance_sizes`), added to the built-in list. */
  knownInstanceSizes?: string[];
  /**
   * `overlay`: an environment's overlay (infra/<skill>.<env>.yaml), the fields that differ from the base spec: every
   * field optional, and the checks that need the whole spec (health checks, ports) are left to the merged result.
   */
  kind?: 'spec' | 'overlay';
}

export interface LintResult {
  findings: Finding[];
  /** The parsed spec, when the YAML was valid (present even when the spec has schema errors). */
  spec?: AppSpec;
  /** The `yaml` document with source positions, when the YAML was valid. */
  document?: Document.Parsed;
}

/**
 * What linting a text found from the text alone: a finished answer (the text cannot be linted further), or what the
 * environment rules need.
 */
export type TextLint =
  | { done: LintResult }
  | {
      doc: Document.Parsed;
      lc: LineCounter;
      spec: Record<string, unknown>;
      strings: { node: Scalar; path: SpecPath }[];
      strict: z.ZodSafeParseResult<unknown>;
      findings: Finding[];
    };

/** What linting needs of a cache: LintCache (./lint) implements it; an interface so this file does not import lint.ts. */
export interface LintTextCache {
  key(text: string, options: LintOptions): string | undefined;
  get(key: string): TextLint | undefined;
  set(key: string, value: TextLint, text: string): void;
}
