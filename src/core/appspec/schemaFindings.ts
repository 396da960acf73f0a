/** Turns zod's issues with an app spec into findings: where, what was expected, and a fix where one is clear. */
import type { Document } from 'yaml';
import type { z } from 'zod';
import { firstLine, formatPath, keyRange, locate, nodeRange, type Range } from './positions';
import type { Reporter } from './reporter';
import { knownFieldsAt } from './schema';
import { findSecret } from './secrets';
import { didYouMean, suggest } from './suggest';
import type { FixHint, SpecPath } from './types';

function valueAt(root: unknown, path: SpecPath): unknown {
  let v = root;
  for (const seg of path) v = (v as Record<string | number, unknown> | undefined)?.[seg];
  return v;
}

function describe(v: unknown): string {
  if (typeof v === 'string') {
    const secret = findSecret(v);
    if (secret) return `a plaintext ${secret.kind} (${secret.masked})`;
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  }
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

/** The same value in the type the schema wants, when the conversion is lossless: `8080` → `"8080"`, `"3"` → `3`. */
function convertType(value: unknown, expected: string): FixHint | undefined {
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return { kind: 'set-value', values: [String(value)] };
  }
  if ((expected === 'number' || expected === 'int') && typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) {
    const n = Number(value);
    if (expected === 'number' || Number.isSafeInteger(n)) return { kind: 'set-value', values: [n] };
  }
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return { kind: 'set-value', values: [/^true$/i.test(value.trim())] };
  }
  return undefined;
}

/** The valid number nearest a number out of bounds (`instance_count: 0` → 1); integers stay integers. */
type BoundIssue = { code: 'too_small' | 'too_big'; origin?: string; inclusive?: boolean; minimum?: unknown; maximum?: unknown };
function nearestInRange(value: unknown, issue: BoundIssue): FixHint | undefined {
  if (typeof value !== 'number' || (issue.origin !== 'number' && issue.origin !== 'int')) return undefined;
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  if (!Number.isFinite(bound)) return undefined;
  const step = issue.code === 'too_small' ? 1 : -1;
  // an exclusive bound on an integer field moves one step inside; on a fractional one there is no nearest value
  const nearest = issue.inclusive === false ? (Number.isInteger(value) && Number.isInteger(bound) ? bound + step : undefined) : bound;
  return nearest === undefined ? undefined : { kind: 'set-value', values: [nearest] };
}

/** A component name DigitalOcean accepts, from one it does not: `My_Service` → `my-service`. */
function slugName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 32)
    .replace(/-+$/, '');
}

/** A pattern as zod reports it (`/^[a-z]…$/`) back as a RegExp. */
function patternOf(pattern: string): RegExp | undefined {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  try {
    return m ? new RegExp(m[1], m[2]) : new RegExp(pattern);
  } catch {
    return undefined;
  }
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'a boolean (true/false)',
  array: 'a list',
  object: 'a mapping',
};

export function schemaFindings(
  result: z.ZodSafeParseResult<unknown>,
  spec: unknown,
  out: Reporter,
  valueRange: (p: SpecPath) => Range,
  keyRangeAt: (p: SpecPath) => Range,
  text: string,
  doc: Document,
): void {
  if (result.success) return;
  const reported = new Set<string>();
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const where = `\`${formatPath(path)}\``;
    // one schema finding per value: a one-letter name is both too short and off-pattern
    if (issue.code !== 'unrecognized_keys') {
      if (reported.has(where)) continue;
      reported.add(where);
    }
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownFieldsAt(path);
        for (const key of issue.keys) {
          const s = suggest(key, known);
          const top = path.length === 0;
          out.add(
            'UNKNOWN_FIELD',
            top ? 'error' : 'warning',
            keyRangeAt([...path, key]),
            `unknown field \`${key}\` ${top ? 'in the app spec' : `in ${where}`}${didYouMean(s)}` +
              (top
                ? ' (doctl and the App Platform API reject a spec with unknown fields)'
                : ' (doctl rejects unknown fields; one DigitalOcean added after the OpenAPI snapshot ' +
                  'this linter knows would show here too)'),
            [...path, key],
            s.length ? { kind: 'rename-field', suggestions: s } : { kind: 'remove-field' },
          );
        }
        break;
      }
      case 'invalid_type': {
        const value = valueAt(spec, path);
        if (value === undefined) {
          const parent = locate(doc, path.slice(0, -1));
          const r = nodeRange(parent.node) ?? keyRange(parent.pair) ?? [0, 0];
          out.add('SCHEMA_ERROR', 'error', firstLine(text, r), `${where} is required`, path);
          break;
        }
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        const hint =
          issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
            ? ` (YAML reads ${String(value)} as a ${typeof value}: quote it)`
            : '';
        const converted = convertType(value, issue.expected);
        out.add('SCHEMA_ERROR', 'error', valueRange(path), `${where} must be ${expected}, got ${describe(value)}${hint}`, path, converted);
        break;
      }
      case 'invalid_value': {
        const value = valueAt(spec, path);
        const values = issue.values.map(String);
        const s = typeof value === 'string' ? suggest(value, values) : [];
        out.add(
          'SCHEMA_ERROR',
          'error',
          valueRange(path),
          `${where} must be one of ${values.join(', ')}; got ${describe(value)}${didYouMean(s)}`,
          path,
          {
            kind: 'replace-value',
            suggestions: s.length ? s : values.slice(0, 5),
          },
        );
        break;
      }
      case 'invalid_format': {
        const value = valueAt(spec, path);
        const isName = path[path.length - 1] === 'name' && 'pattern' in issue && String(issue.pattern).includes('a-z0-9-');
        const rule = isName
          ? 'lowercase letters, digits and dashes, starting with a letter and not ending with a dash'
          : `the pattern ${'pattern' in issue ? String(issue.pattern) : issue.format}`;
        const name = isName && typeof value === 'string' ? slugName(value) : undefined;
        const valid = name && 'pattern' in issue && patternOf(String(issue.pattern))?.test(name);
        const fix = valid ? { kind: 'set-value' as const, values: [name] } : undefined;
        out.add('SCHEMA_ERROR', 'error', valueRange(path), `${where} must match ${rule}; got ${describe(value)}`, path, fix);
        break;
      }
      case 'too_small':
      case 'too_big': {
        const value = valueAt(spec, path);
        const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
        const unit = issue.origin === 'string' ? ' characters long' : issue.origin === 'array' ? ' items' : '';
        const message = `${where} must be ${bound}${unit}; got ${describe(value)}`;
        out.add('SCHEMA_ERROR', 'error', valueRange(path), message, path, nearestInRange(value, issue));
        break;
      }
      default:
        out.add('SCHEMA_ERROR', 'error', valueRange(path), `${where}: ${issue.message}`, path);
    }
  }
}
