import { z } from 'zod';
import { skillNameProblem } from './names';

const urlPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be an absolute URL path such as "/health"');

const relativePosixPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), {
    message: 'must be a relative path inside the repository (no leading "/" and no "..")',
  });

export const SkillEnvSchema = z
  .object({
    key: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as "API_KEY"'),
    description: z.string().optional(),
    secret: z.boolean().default(false),
    required: z.boolean().default(false),
  })
  .strict();

/** `skills/<name>/manifest.json`: what a skill is, how it runs, and how it is deployed and tested. */
export const SkillManifestSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().superRefine((name, ctx) => {
      const problem = skillNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: `invalid skill name: ${problem}` });
    }),
    description: z.string().min(1, 'must not be empty'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be a semantic version such as "1.2.3"'),
    runtime: z.enum(['python', 'node', 'other']).default('python'),
    /** Shell command that starts the service; it must listen on `$PORT`. */
    run: z.string().min(1, 'must not be empty'),
    /** Command run before `run` in a fresh checkout (App Platform's build_command). */
    build: z.string().optional(),
    /** Command that runs the skill's own tests, from the skill's folder. */
    test: z.string().optional(),
    port: z.number().int().min(1).max(65535).default(8080),
    healthPath: urlPath.default('/health'),
    invokePath: urlPath.default('/invoke'),
    metadataPath: urlPath.default('/metadata'),
    docsPath: urlPath.default('/docs'),
    /** App spec of this skill, relative to the repository root, under `infra/`. */
    appSpec: relativePosixPath.refine((p) => /^infra\/.+\.ya?ml$/.test(p), {
      message: 'must be a YAML file under "infra/", such as "infra/my-skill.yaml"',
    }),
    env: z.array(SkillEnvSchema).default([]),
    tags: z.array(z.string()).default([]),
  })
  .strict();

export type SkillManifest = z.infer<typeof SkillManifestSchema>;
