import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { z } from 'zod';
import { AppSpecSchema, KNOWN_INSTANCE_SIZE_SLUGS, KNOWN_REGIONS } from '../../../../src/core/do/schemas';
import { lintAppSpec } from '../../../../src/core/appspec';
import model from '../../../../src/core/appspec/appSpec.schema.json';
import { deriveAppSpecModel } from '../../../../src/core/appspec/openapi';
import { DEPRECATED_INSTANCE_SIZES, INSTANCE_SIZES, knownFieldsAt, REGIONS, schemaAt } from '../../../../src/core/appspec/schema';
import { REPO_DIR } from '../../../builders/paths';

const SHARED = path.join(REPO_DIR, 'vendor'); // third-party data vendored in the repository (vendor/do-openapi)
const OPENAPI = path.join(SHARED, 'do-openapi');
const readJson = async (p: string) => JSON.parse(await fs.readFile(p, 'utf8'));

describe('app-spec linter: the strict AppSpec model', () => {
  it('appSpec.schema.json is what openapi.ts derives from the OpenAPI description (regenerate: node --import tsx src/core/appspec/openapi.ts)', async () => {
    const openapi = await readJson(path.join(OPENAPI, 'specification', 'apps-only.v2.bundled.json'));
    const derived = deriveAppSpecModel(openapi, model.source);
    assert.deepEqual(JSON.parse(JSON.stringify(derived)), model);
  });

  it('knows every field the API client schemas know (the loose and the strict view agree)', () => {
    const missing: string[] = [];
    const walk = (s: z.ZodType, p: (string | number)[]): void => {
      const def = (s as unknown as { def: { type: string; innerType?: z.ZodType; element?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> } }).def;
      if (def.type === 'optional' || def.type === 'nullable' || def.type === 'default') return walk(def.innerType!, p);
      if (def.type === 'array') return walk(def.element!, [...p, 0]);
      if (def.type === 'union') return def.options!.forEach((o) => walk(o, p));
      if (def.type !== 'object') return;
      const known = knownFieldsAt(p);
      for (const [k, v] of Object.entries(def.shape!)) {
        if (!known.includes(k)) missing.push([...p, k].join('.'));
        else walk(v, [...p, k]);
      }
    };
    walk(AppSpecSchema, []);
    assert.deepEqual(missing, []);
  });

  it('closes every object, keeps app-level envs/alerts, and turns open enums into strings', () => {
    assert.ok(knownFieldsAt([]).includes('envs') && knownFieldsAt([]).includes('alerts') && knownFieldsAt([]).includes('features'));
    assert.deepEqual(knownFieldsAt(['services', 0, 'health_check']).sort(), ['failure_threshold', 'http_path', 'initial_delay_seconds', 'path', 'period_seconds', 'port', 'success_threshold', 'timeout_seconds']);
    assert.equal(schemaAt(['region'])?.enum, undefined);
    assert.equal(schemaAt(['services', 0, 'instance_size_slug'])?.enum, undefined);
    assert.deepEqual(schemaAt(['envs', 0, 'type'])?.enum, ['GENERAL', 'SECRET']);
    const unclosed: string[] = [];
    JSON.stringify(model.schema, (k, v) => {
      if (v && typeof v === 'object' && v.type === 'object' && v.additionalProperties !== false) unclosed.push(k);
      return v;
    });
    assert.deepEqual(unclosed, []);
  });

  it('knows the current instance sizes (GET_instance_sizes.json), the deprecated ones, and the regions', async () => {
    const sizes = (await readJson(path.join(OPENAPI, 'examples', 'responses', 'GET_instance_sizes.json'))).instance_sizes.map((s: { slug: string }) => s.slug);
    for (const s of sizes) assert.ok(INSTANCE_SIZES.includes(s), s);
    for (const s of KNOWN_INSTANCE_SIZE_SLUGS) assert.ok(INSTANCE_SIZES.includes(s) || DEPRECATED_INSTANCE_SIZES.includes(s), s);
    assert.ok(DEPRECATED_INSTANCE_SIZES.includes('basic-xxs'));
    assert.deepEqual([...REGIONS].sort(), [...KNOWN_REGIONS].sort());
  });

  it('finds no errors in the specs of the upstream request and response examples', async () => {
    const errors: string[] = [];
    for (const dir of ['requests', 'responses']) {
      for (const f of await fs.readdir(path.join(OPENAPI, 'examples', dir))) {
        if (!f.endsWith('.json')) continue;
        const specs: unknown[] = [];
        JSON.stringify(await readJson(path.join(OPENAPI, 'examples', dir, f)), (k, v) => {
          if (k === 'spec' && v && typeof v === 'object' && 'name' in v) specs.push(v);
          return v;
        });
        for (const s of specs) {
          const r = await lintAppSpec(stringify(s), { file: f });
          errors.push(...r.findings.filter((x) => x.severity === 'error').map((x) => `${f}: ${x.code} ${x.message}`));
        }
      }
    }
    assert.deepEqual(errors, []);
  });
});
