import { randomUUID, timingSafeEqual } from 'node:crypto';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { DEFAULT_RATE_LIMIT } from '../config';
import type { LocalAppPlatform } from '../platform';
import { sleep } from '../util/abort';
import { ApiError, serverError, tooManyRequests, unauthorized } from './errors';
import { RateLimiter } from './rateLimit';
import { registerAdminRoutes } from './routes/admin';
import { registerAppRoutes } from './routes/apps';
import { registerDeploymentRoutes } from './routes/deployments';
import { registerLogRoutes } from './routes/logs';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The HTTP API: DigitalOcean's /v2/apps paths, status codes, error shape and rate-limit headers, plus /_local. */
export async function buildApiServer(platform: LocalAppPlatform): Promise<FastifyInstance> {
  const opts = platform.options;
  const limits = opts.rateLimit === false ? DEFAULT_RATE_LIMIT : (opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  const limiter = new RateLimiter(limits, opts.rateLimit !== false);
  const api = Fastify({ logger: false, genReqId: () => randomUUID(), bodyLimit: 10 * 1024 * 1024 });
  await api.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  // JSON bodies; an empty body counts as `{}` (clients send none on POSTs without parameters). Bodies sent as
  // text/plain (fetch's default for strings) are read as JSON too.
  const json = api.getDefaultJsonParser('error', 'error');
  api.removeContentTypeParser(['application/json', 'text/plain']);
  api.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    json(req, text, done);
  });

  api.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    const url = req.url;
    const isApi = url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
    const isAdmin = url.startsWith('/_local/faults') || url.startsWith('/_local/status');
    if (!isApi && !isAdmin) return;
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    const authorized = token !== '' && sameToken(token, opts.token);
    if (isApi) {
      const r = limiter.hit(authorized ? 'token' : `anonymous:${req.ip}`);
      for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
      if (!authorized) throw unauthorized();
      const latency = platform.faults.latencyMs;
      if (latency > 0) await sleep(latency);
      const retryAfter = platform.faults.takeTooManyRequests();
      if (retryAfter !== undefined) {
        reply.header('ratelimit-remaining', '0');
        throw tooManyRequests(retryAfter);
      }
      const status = platform.faults.takeServerError();
      if (status !== undefined) throw serverError(status);
      if (r.retryAfter !== undefined) {
        reply.header('ratelimit-remaining', '0');
        throw tooManyRequests(r.retryAfter);
      }
    } else if (!authorized) {
      throw unauthorized();
    }
  });

  api.setErrorHandler((err: FastifyError | ApiError, req, reply) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(err.status).send({ id: err.id, message: err.message, request_id: req.id });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ id: 'bad_request', message: 'request body too large', request_id: req.id });
    if (status >= 400 && status < 500) {
      return reply.code(400).send({ id: 'bad_request', message: 'error parsing request body', request_id: req.id });
    }
    platform.options.log?.(`internal error on ${req.method} ${req.url}: ${err.stack ?? err.message}`);
    return reply.code(500).send({ id: 'server_error', message: 'Unexpected server-side error', request_id: req.id });
  });

  api.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ id: 'not_found', message: 'The resource you requested could not be found.', request_id: req.id });
  });

  registerAppRoutes(api, platform);
  registerDeploymentRoutes(api, platform);
  registerLogRoutes(api, platform);
  registerAdminRoutes(api, platform);
  return api;
}
