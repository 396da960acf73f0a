/** Typed failures of the GitHub REST client: what GitHub answered, where, and what to do. The token never appears. */

export const GITHUB_MITIGATIONS = {
  NO_TOKEN: 'Set GITHUB_TOKEN (in a workflow: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}).',
  UNAUTHORIZED: 'GITHUB_TOKEN was refused: check it is current and meant for this GitHub (GITHUB_API_URL).',
  FORBIDDEN: 'The token lacks a permission: a workflow needs "permissions: pull-requests: write" (issues: write to file issues).',
  NOT_FOUND: 'Check GITHUB_REPOSITORY (owner/name) and the number; a private repository answers 404 to a token without access.',
  GONE: 'Issues are disabled for this repository: enable them in its settings.',
  VALIDATION_FAILED: 'GitHub refused the values sent (see the message).',
  RATE_LIMITED: 'GitHub\'s rate limit was reached: wait until it resets and retry.',
  SERVER_ERROR: 'GitHub had an internal error: retry in a minute; if it persists, check githubstatus.com.',
  NETWORK_ERROR: 'Check the network connection and GITHUB_API_URL, then retry.',
  INVALID_RESPONSE: 'GitHub answered with an unexpected body: check GITHUB_API_URL points at a GitHub REST API.',
  BAD_INPUT: 'Fix the value named in the message.',
} as const;

export type GitHubErrorCode = keyof typeof GITHUB_MITIGATIONS;

export class GitHubError extends Error {
  override readonly name = 'GitHubError';
  readonly code: GitHubErrorCode;
  readonly status?: number;
  readonly operation: string;
  readonly documentationUrl?: string;
  /** For RATE_LIMITED: how long GitHub asked to wait, in ms. */
  readonly retryAfterMs?: number;
  readonly mitigation: string;

  constructor(init: {
    code: GitHubErrorCode;
    message: string;
    operation: string;
    status?: number;
    documentationUrl?: string;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.operation = init.operation;
    this.documentationUrl = init.documentationUrl;
    this.retryAfterMs = init.retryAfterMs;
    this.mitigation = GITHUB_MITIGATIONS[init.code];
  }
}

export function codeForGitHubStatus(status: number): GitHubErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 410) return 'GONE';
  if (status === 400 || status === 422) return 'VALIDATION_FAILED';
  if (status === 429) return 'RATE_LIMITED';
  return 'SERVER_ERROR';
}
