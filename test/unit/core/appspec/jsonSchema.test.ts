import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { appSpecJsonSchema, appSpecOverlayJsonSchema, OVERLAY_SCHEMA_FILE, SCHEMA_FILE } from '../../../../scripts/gen-app-spec-schema';
import { REPO_DIR } from '../../../builders/paths';

describe('the JSON Schema contributed for YAML completion', () => {
  it('is current: media/app-spec.schema.json equals zod’s export of the AppSpec schema (run scripts/gen-app-spec-schema.ts)', () => {
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), appSpecJsonSchema());
  });

  it('accepts the repository’s app specs and rejects an unknown top-level field', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    const spec = parse(readFileSync(path.join(REPO_DIR, 'infra', 'pr-review.yaml'), 'utf8'));
    assert.equal(validate(spec), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...spec, bugField: 1 }), false);
  });
});

describe('the JSON Schema contributed for overlays (infra/<skill>.<env>.yaml)', () => {
  it('is current: media/app-spec-overlay.schema.json equals zod’s export of the overlay schema', () => {
    assert.equal(readFileSync(OVERLAY_SCHEMA_FILE, 'utf8'), appSpecOverlayJsonSchema());
  });

  it('accepts the repository’s overlays, which the base schema refuses (no name), and rejects an unknown field', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const overlay = ajv.compile(JSON.parse(readFileSync(OVERLAY_SCHEMA_FILE, 'utf8')));
    const base = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    const files = readdirSync(path.join(REPO_DIR, 'infra')).filter((f) => /^[^.]+\.[^.]+\.yaml$/.test(f) && f !== 'environments.yaml');
    assert.ok(files.length >= 5, files.join(', '));
    for (const f of files) {
      const spec = parse(readFileSync(path.join(REPO_DIR, 'infra', f), 'utf8'));
      assert.equal(overlay(spec), true, `${f}: ${JSON.stringify(overlay.errors)}`);
      assert.equal(base(spec), false, `${f} is not a whole spec`);
      assert.equal(overlay({ ...spec, bugField: 1 }), false);
    }
    assert.equal(overlay({ services: [{ name: 'x', instance_count: 'two' }] }), false);
  });
});
