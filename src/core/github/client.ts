/**
 * A small GitHub REST client (https://docs.github.com/rest) over undici: issue comments (and the one odoobo keeps
 * up to date by a hidden marker), issues with labels, pull requests. The token comes from GITHUB_TOKEN and is sent
 * only to GITHUB_API_URL's origin; it never appears in a message. Rate limits are waited out as GitHub's docs say.
 */
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { type Clock, systemClock } from '../do/clock';
import { registerSecret } from '../do/redact';
import { codeForGitHubStatus, GitHubError } from './errors';
import {
  GitHubErrorBodySchema,
  type Issue,
  type IssueComment,
  IssueCommentSchema,
  IssueSchema,
  PullRequestSchema,
} from './schemas';

const DEFAULT_API_URL = 'https://api.github.com';
const API_VERSION = '2022-11-28';
/** GitHub's docs: without retry-after or a spent x-ratelimit-remaining, wait at least a minute. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;
const NAME = /^[A-Za-z0-9_.-]+$/;

export interface GitHubClientOptions {
  /** Default: env.GITHUB_TOKEN. */
  token?: string;
  /** Default: env.GITHUB_API_URL, else https://api.github.com (GitHub Enterprise: https://<host>/api/v3). */
  baseUrl?: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Attempts per request, counting rate-limit and server-error retries; default 3. */
  maxAttempts?: number;
  /** A rate limit asking for a longer wait fails at once with RATE_LIMITED and its retryAfterMs; default 60 s. */
  maxRateLimitWaitMs?: number;
  timeoutMs?: number;
}

export interface PullRequestInfo {
  number: number;
  state: string;
  title: string;
  htmlUrl: string;
  headRef: string;
  headSha: string;
  /** owner/name of the head branch's repository; null when that fork was deleted. */
  headRepo: string | null;
  baseRepo: string;
  /** The head branch lives in another repository: a workflow run for it gets no secrets. */
  fromFork: boolean;
}

export interface NewIssue {
  title: string;
  body?: string;
  labels?: string[];
}

type Method = 'GET' | 'POST' | 'PATCH';

export class GitHubClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly timeoutMs: number;
  private readonly agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });

  constructor(options: GitHubClientOptions = {}) {
    const env = options.env ?? process.env;
    const base = (options.baseUrl ?? env.GITHUB_API_URL)?.trim() || DEFAULT_API_URL;
    try {
      new URL(base);
    } catch {
      throw badInput('configure', `GITHUB_API_URL is not a URL: ${JSON.stringify(base)}`);
    }
    this.baseUrl = base.replace(/\/+$/, '');
    this.token = (options.token ?? env.GITHUB_TOKEN)?.trim() || undefined;
    registerSecret(this.token);
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Every comment of an issue or pull request, oldest first, following the `Link: rel="next"` pages. */
  async listIssueComments(owner: string, repo: string, issueNumber: number): Promise<IssueComment[]> {
    const operation = 'issues/list-comments';
    const first = `${this.repoUrl(operation, owner, repo)}/issues/${this.number(operation, issueNumber)}/comments?per_page=100`;
    let url: string | undefined = first;
    const out: IssueComment[] = [];
    while (url) {
      const res = await this.call(operation, 'GET', url);
      out.push(...this.parse(operation, res, IssueCommentSchema.array()));
      url = this.nextPage(operation, res.headers.link);
    }
    return out;
  }

  async createIssueComment(owner: string, repo: string, issueNumber: number, body: string): Promise<IssueComment> {
    const operation = 'issues/create-comment';
    const url = `${this.repoUrl(operation, owner, repo)}/issues/${this.number(operation, issueNumber)}/comments`;
    return this.parse(operation, await this.call(operation, 'POST', url, { body }), IssueCommentSchema);
  }

  async updateIssueComment(owner: string, repo: string, commentId: number, body: string): Promise<IssueComment> {
    const operation = 'issues/update-comment';
    const url = `${this.repoUrl(operation, owner, repo)}/issues/comments/${this.number(operation, commentId, 'comment id')}`;
    return this.parse(operation, await this.call(operation, 'PATCH', url, { body }), IssueCommentSchema);
  }

  /** Creates the comment carrying `marker` (a hidden HTML comment in `body`), or updates the one that already does. */
  async upsertMarkedComment(
    owner: string,
    repo: string,
    issueNumber: number,
    marker: string,
    body: string,
  ): Promise<{ comment: IssueComment; created: boolean }> {
    if (!body.includes(marker)) {
      throw badInput('upsert-comment', `upsert-comment: the comment body does not carry its marker ${marker}`);
    }
    const existing = (await this.listIssueComments(owner, repo, issueNumber)).find((c) => c.body?.includes(marker));
    if (existing) return { comment: await this.updateIssueComment(owner, repo, existing.id, body), created: false };
    return { comment: await this.createIssueComment(owner, repo, issueNumber, body), created: true };
  }

  /** Opens an issue; labels that do not exist yet are created by GitHub (the token needs push access for labels). */
  async createIssue(owner: string, repo: string, issue: NewIssue): Promise<Issue> {
    const operation = 'issues/create';
    if (!issue.title.trim()) throw badInput(operation, `${operation}: the issue title is empty`);
    const payload: Record<string, unknown> = { title: issue.title };
    if (issue.body !== undefined) payload.body = issue.body;
    if (issue.labels?.length) payload.labels = issue.labels;
    const url = `${this.repoUrl(operation, owner, repo)}/issues`;
    return this.parse(operation, await this.call(operation, 'POST', url, payload), IssueSchema);
  }

  async getPullRequest(owner: string, repo: string, pullNumber: number): Promise<PullRequestInfo> {
    const operation = 'pulls/get';
    const url = `${this.repoUrl(operation, owner, repo)}/pulls/${this.number(operation, pullNumber)}`;
    const pr = this.parse(operation, await this.call(operation, 'GET', url), PullRequestSchema);
    const baseRepo = pr.base.repo?.full_name ?? `${owner}/${repo}`;
    const headRepo = pr.head.repo?.full_name ?? null;
    return {
      number: pr.number,
      state: pr.state,
      title: pr.title,
      htmlUrl: pr.html_url,
      headRef: pr.head.ref,
      headSha: pr.head.sha,
      headRepo,
      baseRepo,
      fromFork: headRepo === null || headRepo.toLowerCase() !== baseRepo.toLowerCase(),
    };
  }

  private repoUrl(operation: string, owner: string, repo: string): string {
    for (const [field, value] of [['owner', owner], ['repo', repo]] as const) {
      if (!NAME.test(value)) {
        throw badInput(operation, `${operation}: ${field} ${JSON.stringify(value)} is not a GitHub name`);
      }
    }
    return `${this.baseUrl}/repos/${owner}/${repo}`;
  }

  private number(operation: string, n: number, what = 'number'): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw badInput(operation, `${operation}: the ${what} must be a positive integer, not ${n}`);
    }
    return n;
  }

  /** The next page's URL; only on GitHub's own origin, so the token is never sent elsewhere. */
  private nextPage(operation: string, link: string | undefined): string | undefined {
    const next = link ? /<([^>]+)>\s*;\s*rel="next"/.exec(link)?.[1] : undefined;
    if (!next) return undefined;
    if (new URL(next, this.baseUrl).origin !== new URL(this.baseUrl).origin) {
      throw new GitHubError({ code: 'INVALID_RESPONSE', operation, message: `${operation}: the next page is on another host` });
    }
    return new URL(next, this.baseUrl).toString();
  }

  private async call(operation: string, method: Method, url: string, body?: unknown): Promise<Answer> {
    if (!this.token) {
      throw new GitHubError({ code: 'NO_TOKEN', operation, message: `${operation}: no GitHub token (GITHUB_TOKEN is not set)` });
    }
    const where = `${method} ${new URL(url).pathname}`;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.maxAttempts;
      let res: Answer;
      try {
        res = await this.send(method, url, body);
      } catch (e) {
        const code = errorCode(e);
        // A refused connection never reached GitHub; other failures may have, so only reads are sent again.
        if (!last && (code === 'ECONNREFUSED' || method !== 'POST')) {
          await this.clock.sleep(backoff(attempt));
          continue;
        }
        const detail = e instanceof Error ? e.message : String(e);
        const message = `${operation}: ${where} failed (${code ?? 'error'}: ${detail})`;
        throw new GitHubError({ code: 'NETWORK_ERROR', operation, message, cause: e });
      }
      if (res.status >= 200 && res.status < 300) return res;

      const error = errorBody(res.text);
      const wait = rateLimitWait(res, error.message, this.clock.now());
      if (wait !== undefined) {
        if (last || wait > this.maxRateLimitWaitMs) {
          throw new GitHubError({
            code: 'RATE_LIMITED',
            operation,
            status: res.status,
            retryAfterMs: wait,
            documentationUrl: error.documentationUrl,
            message: `${operation}: ${where} -> ${res.status}: ${error.message} (retry in ${Math.ceil(wait / 1000)} s)`,
          });
        }
        await this.clock.sleep(wait);
        continue;
      }
      // A POST that failed on GitHub's side may still have been done: sending it again could duplicate a comment.
      if (res.status >= 500 && method !== 'POST' && !last) {
        await this.clock.sleep(backoff(attempt));
        continue;
      }
      throw new GitHubError({
        code: codeForGitHubStatus(res.status),
        operation,
        status: res.status,
        documentationUrl: error.documentationUrl,
        message: `${operation}: ${where} -> ${res.status}: ${error.message}${error.details}`,
      });
    }
  }

  private async send(method: Method, url: string, body: unknown): Promise<Answer> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': API_VERSION,
      'user-agent': 'odoobo-skills',
      authorization: `Bearer ${this.token}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(url, {
      dispatcher: this.agent,
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers: flat, text };
  }

  private parse<S extends z.ZodType>(operation: string, res: Answer, schema: S): z.output<S> {
    let data: unknown;
    try {
      data = JSON.parse(res.text);
    } catch {
      throw new GitHubError({ code: 'INVALID_RESPONSE', operation, status: res.status, message: `${operation}: the answer is not JSON` });
    }
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    const message = `${operation}: unexpected answer: ${issues.join('; ')}`;
    throw new GitHubError({ code: 'INVALID_RESPONSE', operation, status: res.status, message });
  }
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

function errorBody(text: string): { message: string; documentationUrl?: string; details: string } {
  try {
    const parsed = GitHubErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      const errors = (parsed.data.errors ?? []).map((e) => describeValidation(e)).filter(Boolean);
      return {
        message: parsed.data.message.replace(/\s+/g, ' ').trim(),
        documentationUrl: parsed.data.documentation_url,
        details: errors.length ? ` (${errors.join('; ')})` : '',
      };
    }
  } catch {
    // not JSON: described from the raw text below
  }
  return { message: text.trim().slice(0, 200) || 'no details', details: '' };
}

/** One entry of a 422's `errors`: `{resource, field, code}` or `{message}`, or a plain string. */
function describeValidation(e: unknown): string {
  if (typeof e === 'string') return e;
  if (!e || typeof e !== 'object') return '';
  const { resource, field, code, message } = e as Record<string, unknown>;
  if (typeof message === 'string') return message;
  return [resource, field, code].filter((x) => typeof x === 'string').join(' ');
}

/**
 * How long GitHub asks to wait, or undefined when the answer is not a rate limit: `retry-after` seconds, else the
 * `x-ratelimit-reset` epoch when `x-ratelimit-remaining` is 0, else a minute (429, or a 403 that says "rate limit").
 */
function rateLimitWait(res: Answer, message: string, now: number): number | undefined {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const retryAfter = res.headers['retry-after']?.trim();
  if (retryAfter && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (res.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(res.headers['x-ratelimit-reset']);
    return Number.isFinite(reset) ? Math.max(1000, reset * 1000 - now) : DEFAULT_RATE_LIMIT_WAIT_MS;
  }
  if (res.status === 429 || /rate limit/i.test(message)) return DEFAULT_RATE_LIMIT_WAIT_MS;
  return undefined;
}

function badInput(operation: string, message: string): GitHubError {
  return new GitHubError({ code: 'BAD_INPUT', operation, message });
}

function backoff(attempt: number): number {
  return Math.min(8_000, 500 * 2 ** (attempt - 1));
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
