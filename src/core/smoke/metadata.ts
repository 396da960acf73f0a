import { z } from 'zod';

/** What GET <metadataPath> answers under the skill contract (skills/<name>/main.py). Extra fields are allowed. */
export const SkillMetadataSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().min(1),
  version: z.string().min(1),
  invoke_path: z.string().startsWith('/'),
  health_path: z.string().startsWith('/'),
  docs_path: z.string().startsWith('/'),
  /** JSON schema of the invoke request body. */
  inputs: z.record(z.string(), z.unknown()),
});
