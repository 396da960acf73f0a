/**
 * A small local GitHub REST API (https://docs.github.com/en/rest) on 127.0.0.1 port 0, for testing the GitHub client:
 * repositories, issues (with labels), pull requests, issue comments. It behaves as GitHub's documentation says: a
 * token and a User-Agent are required, errors are `{message, documentation_url, status}` (401, 403, 404, 422), lists
 * are paginated with `per_page`/`page` and a `Link` header, and every answer carries the `x-ratelimit-*` headers.
 * `rateLimit()` makes the next answers 403/429 as GitHub's primary and secondary rate limits do.
 */
import type * as http from 'node:http';
import { type RecordedRequest, sendJson, startServer } from './doServer';

const DOCS = 'https://docs.github.com/rest';
const BOT = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

export interface FakeLabel {
  id: number;
  name: string;
  color: string;
  default: boolean;
  description: string | null;
}

export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  labels: FakeLabel[];
  state: 'open' | 'closed';
  created_at: string;
  updated_at: string;
  /** Set when the issue is a pull request (GitHub's pull requests are issues too). */
  pull?: FakePullRequest;
}

export interface FakeComment {
  id: number;
  body: string;
  issueNumber: number;
  created_at: string;
  updated_at: string;
}

export interface FakePullRequest {
  number: number;
  title: string;
  headRef: string;
  headSha: string;
  /** owner/name of the repository the head branch lives in; another one than the base repo for a fork. */
  headRepo: string;
  baseRef: string;
  state: 'open' | 'closed';
}

interface FakeRepo {
  fullName: string;
  issues: Map<number, FakeIssue>;
  comments: FakeComment[];
  labels: Map<string, FakeLabel>;
  hasIssues: boolean;
}

export interface RateLimitOptions {
  /** 403 (GitHub's usual answer) or 429. */
  status?: 403 | 429;
  /** Seconds, sent as `retry-after` (a secondary rate limit); without it, `x-ratelimit-remaining: 0` and a reset. */
  retryAfter?: number;
  /** How many answers are rate limited; default 1. */
  times?: number;
}

export interface FakeGitHub {
  /** Base URL, as GITHUB_API_URL would be. */
  readonly url: string;
  /** The token the fake accepts (send it as `Authorization: Bearer <token>` or `token <token>`). */
  readonly token: string;
  readonly requests: RecordedRequest[];
  addRepo(fullName: string, options?: { hasIssues?: boolean }): void;
  /** Adds an open pull request (an issue too); its number is the repository's next issue number unless given. */
  addPullRequest(
    repo: string,
    pr: Partial<Omit<FakePullRequest, 'state'>> & { headRef: string },
  ): FakePullRequest;
  issues(repo: string): FakeIssue[];
  comments(repo: string, issueNumber: number): FakeComment[];
  rateLimit(options?: RateLimitOptions): void;
  close(): Promise<void>;
}

export async function startFakeGitHub(options: { token?: string } = {}): Promise<FakeGitHub> {
  const token = options.token ?? 'ghs_fakeGitHubToken0123456789';
  const repos = new Map<string, FakeRepo>();
  let nextId = 1000;
  let limited: Required<Omit<RateLimitOptions, 'retryAfter'>> & { retryAfter?: number } = { status: 403, times: 0 };
  let used = 0;
  const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const repoOf = (fullName: string): FakeRepo => {
    const r = repos.get(fullName.toLowerCase());
    if (!r) throw new Error(`fakeGitHub: no repository ${fullName} (addRepo first)`);
    return r;
  };

  let baseUrl = '';
  const server = await startServer((req, res) => handle(req, res));
  baseUrl = server.url;

  function handle(req: RecordedRequest, res: http.ServerResponse): void {
    used++;
    const reset = Math.floor(Date.now() / 1000) + 3600;
    const rateHeaders = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - used)),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core',
      'x-github-request-id': `FAKE:${used}`,
    };
    const send = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void => {
      if (status !== 204) return sendJson(res, status, body, { ...rateHeaders, ...headers });
      res.writeHead(204, { ...rateHeaders, ...headers });
      res.end();
    };
    const error = (status: number, message: string, extra: Record<string, unknown> = {}) =>
      send(status, { message, documentation_url: DOCS, status: String(status), ...extra });

    // GitHub refuses requests without a User-Agent before anything else.
    if (!req.headers['user-agent']) {
      return error(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.');
    }
    const auth = req.headers.authorization;
    if (!auth) return error(401, 'Requires authentication');
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(auth);
    if (!m || m[1] !== token) return error(401, 'Bad credentials');
    if (limited.times > 0) {
      limited.times--;
      if (limited.retryAfter !== undefined) {
        const message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
        return send(
          limited.status,
          { message, documentation_url: `${DOCS}#secondary-rate-limits`, status: String(limited.status) },
          { 'retry-after': String(limited.retryAfter) },
        );
      }
      return send(
        limited.status,
        {
          message: 'API rate limit exceeded for installation.',
          documentation_url: `${DOCS}#rate-limiting`,
          status: String(limited.status),
        },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1) },
      );
    }
    route(req, send, error);
  }

  type Send = (status: number, body: unknown, headers?: http.OutgoingHttpHeaders) => void;
  type Fail = (status: number, message: string, extra?: Record<string, unknown>) => void;

  function route(req: RecordedRequest, send: Send, error: Fail): void {
    const parts = req.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'repos' || parts.length < 4) return error(404, 'Not Found');
    const repo = repos.get(`${parts[1]}/${parts[2]}`.toLowerCase());
    if (!repo) return error(404, 'Not Found');
    const rest = parts.slice(3);
    const body = (req.json ?? {}) as Record<string, unknown>;
    const isObject = req.json !== undefined && typeof req.json === 'object' && req.json !== null && !Array.isArray(req.json);
    const needsBody = req.method === 'POST' || req.method === 'PATCH';
    if (needsBody && req.body && !isObject) return error(400, 'Problems parsing JSON');

    // POST /repos/{owner}/{repo}/issues
    if (rest.length === 1 && rest[0] === 'issues' && req.method === 'POST') {
      if (!repo.hasIssues) return error(410, 'Issues are disabled for this repo');
      if (typeof body.title !== 'string' && typeof body.title !== 'number') {
        return error(422, 'Invalid request.\n\n"title" wasn\'t supplied.');
      }
      if (body.labels !== undefined && (!Array.isArray(body.labels) || body.labels.some((l) => typeof l !== 'string'))) {
        return error(422, 'Invalid request.\n\nFor \'properties/labels\', the value is not an array of strings.');
      }
      const issue = newIssue(repo, String(body.title), typeof body.body === 'string' ? body.body : null);
      issue.labels = ((body.labels as string[] | undefined) ?? []).map((name) => labelFor(repo, name));
      return send(201, issueView(repo, issue), { location: `${baseUrl}/repos/${repo.fullName}/issues/${issue.number}` });
    }
    // GET /repos/{owner}/{repo}/issues/{n}
    if (rest.length === 2 && rest[0] === 'issues' && /^\d+$/.test(rest[1]) && req.method === 'GET') {
      const issue = repo.issues.get(Number(rest[1]));
      return issue ? send(200, issueView(repo, issue)) : error(404, 'Not Found');
    }
    // GET|POST /repos/{owner}/{repo}/issues/{n}/comments
    if (rest.length === 3 && rest[0] === 'issues' && /^\d+$/.test(rest[1]) && rest[2] === 'comments') {
      const issue = repo.issues.get(Number(rest[1]));
      if (!issue) return error(404, 'Not Found');
      if (req.method === 'GET') {
        const all = repo.comments.filter((c) => c.issueNumber === issue.number);
        return paginate(req, all.map((c) => commentView(repo, c)), send, error);
      }
      if (req.method === 'POST') {
        if (typeof body.body !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
        if (body.body.length > 65536) {
          const message = 'body is too long (maximum is 65536 characters)';
          return error(422, 'Validation Failed', { errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message }] });
        }
        const at = now();
        const c: FakeComment = { id: nextId++, body: body.body, issueNumber: issue.number, created_at: at, updated_at: at };
        repo.comments.push(c);
        return send(201, commentView(repo, c), { location: `${baseUrl}/repos/${repo.fullName}/issues/comments/${c.id}` });
      }
      return error(404, 'Not Found');
    }
    // GET|PATCH|DELETE /repos/{owner}/{repo}/issues/comments/{id}
    if (rest.length === 3 && rest[0] === 'issues' && rest[1] === 'comments' && /^\d+$/.test(rest[2])) {
      const c = repo.comments.find((x) => x.id === Number(rest[2]));
      if (!c) return error(404, 'Not Found');
      if (req.method === 'GET') return send(200, commentView(repo, c));
      if (req.method === 'PATCH') {
        if (typeof body.body !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
        c.body = body.body;
        c.updated_at = now();
        return send(200, commentView(repo, c));
      }
      if (req.method === 'DELETE') {
        repo.comments.splice(repo.comments.indexOf(c), 1);
        return send(204, undefined);
      }
      return error(404, 'Not Found');
    }
    // GET /repos/{owner}/{repo}/pulls/{n}
    if (rest.length === 2 && rest[0] === 'pulls' && /^\d+$/.test(rest[1]) && req.method === 'GET') {
      const pr = repo.issues.get(Number(rest[1]))?.pull;
      return pr ? send(200, pullView(repo, pr)) : error(404, 'Not Found');
    }
    return error(404, 'Not Found');
  }

  function paginate(req: RecordedRequest, items: unknown[], send: Send, error: Fail): void {
    const perPage = req.query.has('per_page') ? Number(req.query.get('per_page')) : 30;
    const page = req.query.has('page') ? Number(req.query.get('page')) : 1;
    if (!Number.isInteger(perPage) || !Number.isInteger(page) || page < 1 || perPage < 1) {
      return error(422, 'Invalid request.\n\n"per_page" and "page" must be positive integers.');
    }
    const size = Math.min(perPage, 100);
    const last = Math.max(1, Math.ceil(items.length / size));
    const link = (p: number, rel: string) => {
      const u = new URL(req.url, baseUrl);
      u.searchParams.set('per_page', String(size));
      u.searchParams.set('page', String(p));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    send(200, items.slice((page - 1) * size, page * size), links.length ? { link: links.join(', ') } : {});
  }

  function newIssue(repo: FakeRepo, title: string, body: string | null): FakeIssue {
    const number = Math.max(0, ...repo.issues.keys()) + 1;
    const at = now();
    const issue: FakeIssue = { id: nextId++, number, title, body, labels: [], state: 'open', created_at: at, updated_at: at };
    repo.issues.set(number, issue);
    return issue;
  }

  // Like GitHub for a token with push access: a label that does not exist yet is created.
  function labelFor(repo: FakeRepo, name: string): FakeLabel {
    const known = repo.labels.get(name.toLowerCase());
    if (known) return known;
    const label: FakeLabel = { id: nextId++, name, color: 'ededed', default: false, description: null };
    repo.labels.set(name.toLowerCase(), label);
    return label;
  }

  const apiUrl = (repo: FakeRepo, tail: string) => `${baseUrl}/repos/${repo.fullName}/${tail}`;
  const htmlUrl = (repo: FakeRepo, tail: string) => `https://github.com/${repo.fullName}/${tail}`;

  function issueView(repo: FakeRepo, i: FakeIssue): Record<string, unknown> {
    return {
      id: i.id,
      node_id: `I_${i.id}`,
      url: apiUrl(repo, `issues/${i.number}`),
      repository_url: `${baseUrl}/repos/${repo.fullName}`,
      html_url: htmlUrl(repo, `${i.pull ? 'pull' : 'issues'}/${i.number}`),
      number: i.number,
      state: i.state,
      title: i.title,
      body: i.body,
      user: BOT,
      labels: i.labels.map((l) => ({ ...l, node_id: `LA_${l.id}`, url: apiUrl(repo, `labels/${encodeURIComponent(l.name)}`) })),
      assignees: [],
      comments: repo.comments.filter((c) => c.issueNumber === i.number).length,
      created_at: i.created_at,
      updated_at: i.updated_at,
      closed_at: null,
      author_association: 'NONE',
      ...(i.pull ? { pull_request: { url: apiUrl(repo, `pulls/${i.number}`), html_url: htmlUrl(repo, `pull/${i.number}`) } } : {}),
    };
  }

  function commentView(repo: FakeRepo, c: FakeComment): Record<string, unknown> {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: apiUrl(repo, `issues/comments/${c.id}`),
      html_url: htmlUrl(repo, `issues/${c.issueNumber}#issuecomment-${c.id}`),
      body: c.body,
      user: BOT,
      created_at: c.created_at,
      updated_at: c.updated_at,
      issue_url: apiUrl(repo, `issues/${c.issueNumber}`),
      author_association: 'NONE',
    };
  }

  function pullView(repo: FakeRepo, pr: FakePullRequest): Record<string, unknown> {
    const [headOwner] = pr.headRepo.split('/');
    const [baseOwner] = repo.fullName.split('/');
    const repoView = (fullName: string) => ({
      id: fullName.length,
      full_name: fullName,
      name: fullName.split('/')[1],
      owner: { login: fullName.split('/')[0] },
      fork: fullName.toLowerCase() !== repo.fullName.toLowerCase(),
      html_url: `https://github.com/${fullName}`,
    });
    return {
      id: 9_000_000 + pr.number,
      number: pr.number,
      state: pr.state,
      title: pr.title,
      html_url: htmlUrl(repo, `pull/${pr.number}`),
      url: apiUrl(repo, `pulls/${pr.number}`),
      draft: false,
      merged: false,
      user: { login: headOwner },
      head: {
        label: `${headOwner}:${pr.headRef}`, ref: pr.headRef, sha: pr.headSha, user: { login: headOwner }, repo: repoView(pr.headRepo),
      },
      base: {
        label: `${baseOwner}:${pr.baseRef}`, ref: pr.baseRef, sha: '0'.repeat(40), user: { login: baseOwner },
        repo: repoView(repo.fullName),
      },
    };
  }

  return {
    url: baseUrl,
    token,
    requests: server.requests,
    addRepo(fullName, opts = {}) {
      if (!/^[\w.-]+\/[\w.-]+$/.test(fullName)) throw new Error(`fakeGitHub: "${fullName}" is not owner/name`);
      repos.set(fullName.toLowerCase(), {
        fullName, issues: new Map(), comments: [], labels: new Map(), hasIssues: opts.hasIssues ?? true,
      });
    },
    addPullRequest(fullName, pr) {
      const repo = repoOf(fullName);
      const issue = newIssue(repo, pr.title ?? `Change ${pr.headRef}`, null);
      if (pr.number !== undefined) {
        repo.issues.delete(issue.number);
        if (repo.issues.has(pr.number)) throw new Error(`fakeGitHub: #${pr.number} exists in ${fullName}`);
        issue.number = pr.number;
        repo.issues.set(pr.number, issue);
      }
      issue.pull = {
        number: issue.number,
        title: issue.title,
        headRef: pr.headRef,
        headSha: pr.headSha ?? 'a'.repeat(40),
        headRepo: pr.headRepo ?? repo.fullName,
        baseRef: pr.baseRef ?? 'main',
        state: 'open',
      };
      return issue.pull;
    },
    issues: (fullName) => [...repoOf(fullName).issues.values()],
    comments: (fullName, n) => repoOf(fullName).comments.filter((c) => c.issueNumber === n),
    rateLimit(opts = {}) {
      limited = { status: opts.status ?? 403, times: opts.times ?? 1, retryAfter: opts.retryAfter };
    },
    close: () => server.close(),
  };
}
