import { z } from 'zod';
import { ApiError } from './errors';

/** Parses a request body with a zod schema; a mismatch answers 422 unprocessable_entity as DigitalOcean does. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const detail = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  throw new ApiError(422, 'unprocessable_entity', `request payload validation failed: ${detail}`);
}

export const createAppBody = z.looseObject({ spec: z.unknown(), project_id: z.string().optional() });
export const updateAppBody = z.looseObject({ spec: z.unknown(), update_all_source_versions: z.boolean().optional() });
export const proposeBody = z.looseObject({ spec: z.unknown(), app_id: z.string().optional() });
export const createDeploymentBody = z.looseObject({ force_build: z.boolean().optional() });
export const rollbackBody = z.looseObject({ deployment_id: z.string().optional(), skip_pin: z.boolean().optional() });
export const alertDestinationsBody = z.looseObject({
  emails: z.array(z.string()).optional(),
  slack_webhooks: z.array(z.looseObject({ url: z.string().optional(), channel: z.string().optional() })).optional(),
});
export const restartBody = z.looseObject({ components: z.array(z.string()).optional() });
