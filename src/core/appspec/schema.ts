/**
 * The strict view of the AppSpec: zod, compiled once from the closed JSON Schema that `openapi.ts` derives from
 * DigitalOcean's OpenAPI description (`appSpec.schema.json`). The API client's schemas (../do/schemas) stay loose on
 * purpose (they must keep parsing as DigitalOcean grows the API); the linter needs the opposite: every field it does
 * not know is reported, every closed enum checked.
 */
import { z } from 'zod';
import { KNOWN_INSTANCE_SIZE_SLUGS, KNOWN_REGIONS } from '../do/schemas';
import model from './appSpec.schema.json';
import type { SpecPath } from './types';

type JsonSchema = {
  type?: string;
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  required?: string[];
};

const root = model.schema as JsonSchema & { definitions: Record<string, JsonSchema> };

let compiled: z.ZodType | undefined;
/** The strict AppSpec validator (built on first use: ~100 objects, a few ms). */
export function strictAppSpecSchema(): z.ZodType {
  compiled ??= z.fromJSONSchema(model.schema as z.core.JSONSchema.JSONSchema, { defaultTarget: 'openapi-3.0' });
  return compiled;
}

/** The AppSpec schema with `required` dropped everywhere: what an environment's overlay (infra/<skill>.<env>.yaml) is. */
export function overlayJsonSchema(): Record<string, unknown> {
  const drop = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(drop);
    if (!v || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'required').map(([k, x]) => [k, drop(x)]));
  };
  return drop(model.schema) as Record<string, unknown>;
}

let overlayCompiled: z.ZodType | undefined;
/** The strict overlay validator: every field optional, the same types, enums and closed objects as the AppSpec. */
export function strictOverlaySchema(): z.ZodType {
  overlayCompiled ??= z.fromJSONSchema(overlayJsonSchema(), { defaultTarget: 'openapi-3.0' });
  return overlayCompiled;
}

function deref(s: JsonSchema | undefined): JsonSchema | undefined {
  if (s?.$ref) return root.definitions[s.$ref.slice(s.$ref.lastIndexOf('/') + 1)];
  return s;
}

/** The JSON Schema node at a spec path (array indices step into `items`). */
export function schemaAt(path: SpecPath): JsonSchema | undefined {
  let s: JsonSchema | undefined = root;
  for (const seg of path) {
    s = deref(s);
    if (!s) return undefined;
    s = typeof seg === 'number' ? s.items : s.properties?.[seg];
  }
  return deref(s);
}

/** Field names DigitalOcean accepts in the object at `path`. */
export function knownFieldsAt(path: SpecPath): string[] {
  return Object.keys(schemaAt(path)?.properties ?? {});
}

/** Regions App Platform knows (open: DigitalOcean adds regions, so unknown ones only warn). */
export const REGIONS: readonly string[] = [...new Set<string>([...model.regions, ...KNOWN_REGIONS])];
/** Current instance size slugs (open, like regions). */
export const INSTANCE_SIZES: readonly string[] = [...new Set<string>([...model.instanceSizes, ...KNOWN_INSTANCE_SIZE_SLUGS])].filter(
  (s) => !model.deprecatedInstanceSizes.includes(s),
);
/** Sizes DigitalOcean's instance-size list marks `single_instance_only: true` (GET /v2/apps/tiers/instance_sizes). */
export const SINGLE_INSTANCE_SIZES: readonly string[] = ['apps-s-1vcpu-0.5gb', 'apps-s-1vcpu-1gb-fixed'];
/** Legacy size slugs the OpenAPI description marks deprecated; still accepted. */
export const DEPRECATED_INSTANCE_SIZES: readonly string[] = model.deprecatedInstanceSizes;
