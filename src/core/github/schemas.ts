/** The parts of GitHub's REST answers (https://docs.github.com/rest) the client reads; other fields pass through. */
import { z } from 'zod';

const UserSchema = z.looseObject({ login: z.string() });

/** An issue comment (GET/POST /repos/{owner}/{repo}/issues/{n}/comments, PATCH …/issues/comments/{id}). */
export const IssueCommentSchema = z.looseObject({
  id: z.number().int(),
  body: z.string().optional(),
  html_url: z.string(),
  user: UserSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type IssueComment = z.output<typeof IssueCommentSchema>;

/** An issue (POST /repos/{owner}/{repo}/issues); labels are objects, or names in older answers. */
export const IssueSchema = z.looseObject({
  id: z.number().int(),
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string(),
  state: z.string(),
  labels: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])),
});
export type Issue = z.output<typeof IssueSchema>;

const RepoRefSchema = z.looseObject({ full_name: z.string(), fork: z.boolean().optional() });
const BranchRefSchema = z.looseObject({
  ref: z.string(),
  sha: z.string(),
  // null when the head repository (a fork) has been deleted
  repo: RepoRefSchema.nullable(),
});

/** A pull request (GET /repos/{owner}/{repo}/pulls/{n}). */
export const PullRequestSchema = z.looseObject({
  number: z.number().int(),
  state: z.string(),
  title: z.string(),
  html_url: z.string(),
  head: BranchRefSchema,
  base: BranchRefSchema,
});

/** GitHub's error body: `{message, documentation_url}`, with `errors` on 422 Validation Failed. */
export const GitHubErrorBodySchema = z.looseObject({
  message: z.string(),
  documentation_url: z.string().optional(),
  errors: z.array(z.unknown()).optional(),
});
