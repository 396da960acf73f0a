import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/**
 * `skills/<name>/requests/*.json`: an example request to a skill. Only `body` is needed; the path defaults to the
 * manifest's invokePath and the method to POST.
 */
export const SkillRequestSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).default('POST'),
    path: z.string().regex(/^\/[^\s]*$/, 'must be an absolute URL path such as "/invoke"').optional(),
    headers: z
      .record(z.string(), z.string())
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) continue;
          ctx.addIssue({ code: 'custom', path: [name], message: 'must be an HTTP header name' });
        }
      })
      .default({}),
    body: z.unknown().optional(),
  })
  .strict();
export type SkillRequest = z.infer<typeof SkillRequestSchema>;

/** A request file or typed JSON that is not a valid request: names the file and the field. */
export class RequestFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'RequestFileError';
  }
}

/** Parses a request's JSON text; `file` names it in errors ("--data" for typed JSON). */
export function parseSkillRequest(text: string, file: string): SkillRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RequestFileError(file, `invalid JSON (${(e as Error).message})`);
  }
  const parsed = SkillRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map((s) => (typeof s === 'number' ? `[${s}]` : String(s))).join('.').replace(/\.\[/g, '[');
    throw new RequestFileError(file, `${field || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}

export async function readSkillRequest(file: string): Promise<SkillRequest> {
  const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new RequestFileError(file, e.code === 'ENOENT' ? 'no such file' : `cannot read: ${e.message}`);
  });
  return parseSkillRequest(text, file);
}

/** The example requests of a skill: `<skillDir>/requests/*.json`, sorted by name. */
export async function listRequestFiles(skillDir: string): Promise<string[]> {
  const dir = path.join(skillDir, 'requests');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).sort().map((n) => path.join(dir, n));
}
