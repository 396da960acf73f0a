import { randomUUID, timingSafeEqual } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import { DEFAULT_RATE_LIMIT } from '../config';
import type { LocalAppPlatform } from '../platform';
import { sleep } from '../util/abort';
import { ApiError, badRequest, forbidden, notFound, serverError, tooManyRequests, unauthorized } from './errors';
import { RateLimiter } from './rateLimit';
import { registerAdminRoutes } from './routes/admin';
import { registerAppRoutes } from './routes/apps';
import { registerDeploymentRoutes } from './routes/deployments';
import { registerLogRoutes } from './routes/logs';
import { EXEC_ROUTE, registerOperateRoutes } from './routes/operate';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Routes answered without the bearer token: the pre-signed log URLs (their signature is checked by the route). */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  '/_local/logs/archive/:deployment_id/:type',
  '/_local/logs/live/:deployment_id/:type',
]);

/** A console's one-time `?token=` opens its websocket (EXEC_ROUTE) instead of the bearer token. */
function execToken(req: FastifyRequest, platform: LocalAppPlatform): boolean {
  const { session_id: id } = req.params as { session_id?: string };
  const { token } = req.query as { token?: unknown };
  return typeof id === 'string' && platform.execAllowed(id, token);
}

/** Deeper JSON bodies are refused at parsing: an app spec nests about 8 levels, recursion further in would overflow. */
export const MAX_BODY_DEPTH = 64;

/** Whether `value` nests objects/arrays deeper than `max` levels (iterative, so a hostile body cannot overflow it). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function bearer(req: FastifyRequest, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
  return given !== '' && sameToken(given, token);
}

/**
 * What every request passes, whatever it routes to: its Host must name this server on loopback (a DNS-rebound name
 * would let a web page read the API), and a browser's Origin, when sent, must be this server's own.
 */
function checkOrigin(req: FastifyRequest): void {
  const port = req.socket.localPort;
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, ...(port === 80 ? ['127.0.0.1', 'localhost'] : [])];
  const host = (req.headers.host ?? '').toLowerCase();
  if (!hosts.includes(host)) throw forbidden(`Host "${host.slice(0, 100)}" is not this local App Platform (${hosts[0]})`);
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) {
    throw forbidden(`cross-origin requests are refused (Origin "${origin.slice(0, 100)}")`);
  }
}

/** The HTTP API: DigitalOcean's /v2/apps paths, status codes, error shape and rate-limit headers, plus /_local. */
export async function buildApiServer(
  platform: LocalAppPlatform,
  hooks: { onRoute?: (route: RouteOptions) => void } = {},
): Promise<FastifyInstance> {
  const opts = platform.options;
  const limits = opts.rateLimit === false ? DEFAULT_RATE_LIMIT : (opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  const limiter = new RateLimiter(limits, opts.rateLimit !== false);
  const send = (reply: FastifyReply, err: ApiError): FastifyReply => {
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    const requestId = reply.request.id;
    return reply.code(err.status).header('x-request-id', requestId).send({ id: err.id, message: err.message, request_id: requestId });
  };
  const api = Fastify({
    logger: false,
    genReqId: () => randomUUID(),
    bodyLimit: 10 * 1024 * 1024,
    // A request without Host is refused by checkOrigin in DigitalOcean's shape, not by node's bare 400.
    http: { requireHostHeader: false },
    // Errors of the router itself (a path segment over 100 characters, a malformed escape) skip the hooks: the same
    // checks run here, so they answer 401 without the token and DigitalOcean's shape with it.
    frameworkErrors: (err, req, reply) => {
      try {
        checkOrigin(req);
        if (!bearer(req, opts.token)) throw unauthorized();
        throw err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? notFound() : badRequest('the request path is not valid');
      } catch (e) {
        // fastify wants no return value here; the reply is sent either way.
        void send(reply, e as ApiError);
      }
    },
    // Malformed HTTP never reaches a route; it is still answered in DigitalOcean's shape.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed) return;
      const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
      const message = `malformed HTTP request: ${text.toLowerCase()}`;
      const body = JSON.stringify({ id: 'bad_request', message, request_id: randomUUID() });
      const head = `HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
        + 'Content-Type: application/json\r\nConnection: close';
      if (socket.writable) socket.write(`${head}\r\n\r\n${body}`);
      socket.destroy(err);
    },
  });
  await api.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  // Bodies are JSON only (a text/plain POST is what a web page may send cross-origin without a preflight: 415); an
  // empty body counts as `{}` (clients send none on POSTs without parameters); nesting is bounded.
  const json = api.getDefaultJsonParser('error', 'error');
  api.removeAllContentTypeParsers();
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    void json(req, text, (err, value) => {
      if (err) return done(err, undefined);
      if (nestsDeeperThan(value, MAX_BODY_DEPTH)) {
        return done(badRequest(`the request body nests deeper than ${MAX_BODY_DEPTH} levels`), undefined);
      }
      done(null, value);
    });
  });

  // Authentication is decided on the route the router matched (decoded, normalised), never on the raw URL: every
  // route needs the token but PUBLIC_ROUTES, unknown paths included, and the rate limit counts the same requests.
  api.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    opts.onRequest?.(req.headers);
    checkOrigin(req);
    const route = req.routeOptions.url;
    if (route !== undefined && PUBLIC_ROUTES.has(route)) return;
    const authorized = bearer(req, opts.token) || (route === EXEC_ROUTE && execToken(req, platform));
    const r = limiter.hit(authorized ? 'token' : `anonymous:${req.ip}`);
    for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
    if (!authorized) throw unauthorized();
    if (route?.startsWith('/v2/')) {
      // Injected faults play DigitalOcean's API, not the local admin routes.
      const latency = platform.faults.latencyMs;
      if (latency > 0) await sleep(latency);
      const retryAfter = platform.faults.takeTooManyRequests();
      if (retryAfter !== undefined) {
        reply.header('ratelimit-remaining', '0');
        throw tooManyRequests(retryAfter);
      }
      const status = platform.faults.takeServerError();
      if (status !== undefined) throw serverError(status);
    }
    if (r.retryAfter !== undefined) {
      reply.header('ratelimit-remaining', '0');
      throw tooManyRequests(r.retryAfter);
    }
  });

  api.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) return send(reply, err);
    const status = err.statusCode ?? 500;
    if (status === 413) return send(reply, new ApiError(413, 'bad_request', 'request body too large'));
    if (status === 415) {
      const given = req.headers['content-type'] ?? 'none';
      const message = `request bodies must be application/json (got ${given.slice(0, 100)})`;
      return send(reply, new ApiError(415, 'unsupported_media_type', message));
    }
    if (status >= 400 && status < 500) return send(reply, badRequest('error parsing request body'));
    // A console's URL carries its one-time token: the path is logged, the query string is not.
    platform.options.log?.(`internal error on ${req.method} ${req.url.split('?')[0]}: ${err.stack ?? err.message}`);
    return send(reply, serverError());
  });

  api.setNotFoundHandler((_req, reply) => {
    send(reply, notFound());
  });

  // Tests enumerate every registered route through this hook (not a hand-kept list).
  if (hooks.onRoute) api.addHook('onRoute', hooks.onRoute);
  registerAppRoutes(api, platform);
  registerDeploymentRoutes(api, platform);
  registerLogRoutes(api, platform);
  registerOperateRoutes(api, platform);
  registerAdminRoutes(api, platform);
  return api;
}
