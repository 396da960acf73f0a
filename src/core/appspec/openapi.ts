/**
 * Derives the linter's closed AppSpec JSON Schema (`appSpec.schema.json`) from DigitalOcean's OpenAPI description.
 * Build-time only: the extension never imports this file; `appspec-model.test.ts` fails when the committed JSON
 * drifts from what this derives. Regenerate with
 *
 *   node --import tsx src/core/appspec/openapi.ts [path/to/apps-only.v2.bundled.json]
 *
 * What it does to the `app_spec` model and everything it references:
 * - `allOf` parts are merged into one object (properties and `required`), so `additionalProperties: false` can close
 *   every object (an unknown field anywhere becomes a zod `unrecognized_keys` issue);
 * - documentation (`description`, `example`, `title`, `default`, `deprecated`, `readOnly`, `format`) is dropped;
 * - the open enums DigitalOcean extends (region, instance size) become plain strings, their values exported
 *   separately so the linter can warn instead of fail;
 * - fields the OpenAPI model lacks but DigitalOcean accepts (godo's structs, which doctl decodes with
 *   `DisallowUnknownFields`, and schemas.ts) are added from EXTRAS below; OVERRIDES fix the OpenAPI's few wrong types.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

type Json = Record<string, unknown>;

export interface DerivedAppSpecModel {
  /** Where it came from, for humans. */
  source: string;
  /** Closed JSON Schema (OpenAPI 3.0 dialect) of the AppSpec, named models in `definitions`. */
  schema: Json;
  regions: string[];
  instanceSizes: string[];
  deprecatedInstanceSizes: string[];
}

const str = { type: 'string' };
const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const arrayOf = (items: Json) => ({ type: 'array', items });
const alerts = arrayOf(ref('app_alert_spec'));

/**
 * Fields DigitalOcean accepts that the OpenAPI model lacks, per model. Sources: godo's `apps.gen.go` (what doctl
 * validates against) and the App Platform app-spec reference (app-level `envs`, `alerts`, `features`).
 */
const EXTRAS: Record<string, Record<string, Json>> = {
  app_spec: { envs: arrayOf(ref('app_variable_definition')), alerts, features: arrayOf(str) },
  app_service_spec: { alerts },
  app_worker_spec: { alerts },
  app_job_spec: { alerts },
  // schemas.ts accepts component alerts on static sites too; harmless to know the field
  app_static_site_spec: { alerts },
  app_domain_spec: { certificate: str },
  app_database_spec: { size: str, num_nodes: { type: 'integer' } },
  app_ingress_spec: { load_balancer: { type: 'string', enum: ['UNKNOWN', 'DIGITALOCEAN'] }, load_balancer_size: { type: 'integer' } },
  app_service_spec_health_check: { path: str },
  app_log_destination_definition: {
    endpoint: str,
    tls_insecure: { type: 'boolean' },
    headers: arrayOf({ type: 'object', properties: { key: str, value: str }, required: ['key'], additionalProperties: false }),
  },
  // schemas.ts accepts drain_seconds on every termination block
  app_job_spec_termination: { drain_seconds: { type: 'integer' } },
  app_worker_spec_termination: { drain_seconds: { type: 'integer' } },
};

/** Where the OpenAPI model disagrees with what DigitalOcean accepts (godo's field types, which doctl enforces). */
const OVERRIDES: Record<string, Record<string, Json>> = {
  // OpenAPI says string; godo (and every real spec) uses a boolean
  app_ingress_spec_rule_routing_component: { preserve_path_prefix: { type: 'boolean' } },
};

const KEEP = new Set(['type', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'nullable', 'required']);

export function deriveAppSpecModel(openapi: { components: { schemas: Record<string, Json> } }, source = 'OpenAPI'): DerivedAppSpecModel {
  const all = openapi.components.schemas;
  const defs: Record<string, Json> = {};
  let regions: string[] = [];
  const instanceSizes: string[] = [];
  const deprecatedInstanceSizes: string[] = [];

  const refName = (r: string) => r.slice(r.lastIndexOf('/') + 1);

  function convert(node: Json, owner: string, prop?: string): Json {
    if (typeof node.$ref === 'string') {
      const name = refName(node.$ref);
      const target = all[name];
      // references to plain enums/strings are inlined; objects become shared definitions
      if (target && target.type !== 'object' && !target.allOf && !target.properties) return convert(target, name, prop);
      define(name);
      return ref(name);
    }
    if (Array.isArray(node.allOf)) return convertObject(mergeAllOf(node), owner);
    if (prop === 'region' && Array.isArray(node.enum)) {
      regions = node.enum as string[];
      return { type: 'string' };
    }
    if (prop === 'instance_size_slug' && Array.isArray(node.oneOf)) {
      for (const alt of node.oneOf as Json[]) (alt.deprecated ? deprecatedInstanceSizes : instanceSizes).push(...(alt.enum as string[]));
      return { type: 'string' };
    }
    if (node.oneOf || node.anyOf) throw new Error(`unexpected oneOf/anyOf in ${owner}.${prop}`);
    if (node.type === 'object' || node.properties) return convertObject(node, owner);
    const out: Json = {};
    for (const k of Object.keys(node)) if (KEEP.has(k)) out[k] = node[k];
    if (node.type === 'array') out.items = convert(node.items as Json, owner, prop);
    return out;
  }

  function mergeAllOf(node: Json): Json {
    const merged: Json = { type: 'object', properties: {}, required: [] as string[] };
    for (const part0 of node.allOf as Json[]) {
      const part = typeof part0.$ref === 'string' ? all[refName(part0.$ref)] : part0;
      const flat = Array.isArray(part.allOf) ? mergeAllOf(part) : part;
      if (flat.type && flat.type !== 'object') return flat; // e.g. cors: allOf [policy, {description}]
      const props = merged.properties as Record<string, Json>;
      for (const [k, v] of Object.entries((flat.properties as Record<string, Json>) ?? {})) {
        // app_autoscaling_spec_service adds metrics to app_autoscaling_spec's metrics: merge, not replace
        const prev = props[k] && deref(props[k]);
        props[k] =
          prev?.properties && v.properties ? { ...prev, ...v, properties: { ...(prev.properties as Json), ...(v.properties as Json) } } : v;
      }
      (merged.required as string[]).push(...((flat.required as string[]) ?? []));
    }
    return merged;
  }

  function deref(node: Json): Json {
    return typeof node.$ref === 'string' ? all[refName(node.$ref)] : node;
  }

  function convertObject(node: Json, owner: string): Json {
    const properties: Json = {};
    for (const [k, v] of Object.entries((node.properties as Record<string, Json>) ?? {})) properties[k] = convert(v, owner, k);
    for (const [k, v] of Object.entries(EXTRAS[owner] ?? {})) if (!(k in properties)) properties[k] = v;
    Object.assign(properties, OVERRIDES[owner] ?? {});
    const out: Json = { type: 'object', properties, additionalProperties: false };
    const required = [...new Set((node.required as string[]) ?? [])];
    if (required.length) out.required = required;
    return out;
  }

  function define(name: string): void {
    if (name in defs) return;
    defs[name] = {}; // placeholder against cycles
    const node = all[name];
    if (!node) throw new Error(`unknown model ${name}`);
    defs[name] = convertObject(Array.isArray(node.allOf) ? mergeAllOf(node) : node, name);
  }

  const root = convertObject(all.app_spec, 'app_spec');
  for (const extraOwner of [...Object.keys(EXTRAS), ...Object.keys(OVERRIDES)])
    if (extraOwner !== 'app_spec' && !(extraOwner in defs))
      throw new Error(`EXTRAS names ${extraOwner}, which app_spec does not reference`);
  const sortedDefs = Object.fromEntries(Object.keys(defs).sort().map((k) => [k, defs[k]]));
  const uniq = (a: string[]) => [...new Set(a)];
  return {
    source,
    schema: { ...root, definitions: sortedDefs },
    regions,
    instanceSizes: uniq(instanceSizes),
    deprecatedInstanceSizes: uniq(deprecatedInstanceSizes),
  };
}

export const GENERATED_FILE = path.join(__dirname, 'appSpec.schema.json');
/** The default input: the repository's vendored copy (vendor/do-openapi/README.md says where it comes from). */
export const OPENAPI_INPUT = path.resolve(__dirname, '../../../vendor/do-openapi/specification/apps-only.v2.bundled.json');

if (require.main === module) {
  const input = process.argv[2] ?? OPENAPI_INPUT;
  void (async () => {
    const openapi = JSON.parse(await fs.readFile(input, 'utf8'));
    const model = deriveAppSpecModel(openapi, 'digitalocean/openapi apps-only.v2.bundled.json (vendor/do-openapi)');
    await fs.writeFile(GENERATED_FILE, JSON.stringify(model, null, 1) + '\n');
    process.stdout.write(`wrote ${GENERATED_FILE}\n`);
  })();
}
