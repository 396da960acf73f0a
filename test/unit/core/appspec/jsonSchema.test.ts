import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { appSpecJsonSchema, SCHEMA_FILE } from '../../../../scripts/gen-app-spec-schema';
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
