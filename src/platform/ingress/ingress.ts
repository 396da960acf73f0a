import replyFrom from '@fastify/reply-from';
import Fastify, { type FastifyInstance } from 'fastify';
import { routeFor, upstreamPath, type Route } from '../spec/routes';
import { settleWithin, sleep } from '../util/abort';

/** Where an app's traffic goes: one deployment's components, and how many requests are still with them. */
export interface IngressTarget {
  readonly deploymentId: string;
  readonly routes: readonly Route[];
  /** Component name → its replicas' ports on 127.0.0.1 (requests take turns). */
  readonly ports: Map<string, readonly number[]>;
  inflight: number;
}

/**
 * An app's stable local URL. Requests go to the current target; `switchTo` swaps targets atomically (blue-green), and
 * the old target keeps serving the requests it already has until `drain` sees them finish.
 */
export class Ingress {
  private target: IngressTarget | undefined;
  private restoring: { promise: Promise<void>; release: () => void } | undefined;
  private readonly server: FastifyInstance;
  private boundPort = 0;
  /** Round robin over a component's replicas. */
  private turn = 0;
  private closed = false;

  constructor(readonly appName: string) {
    this.server = Fastify({ logger: false, bodyLimit: 100 * 1024 * 1024, requestTimeout: 0, return503OnClosing: true });
    // Bodies stream through untouched.
    this.server.removeAllContentTypeParsers();
    this.server.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    void this.server.register(replyFrom, { undici: { connections: 128, pipelining: 1, keepAliveTimeout: 4000 } });
    this.server.all('/*', async (req, reply) => {
      let t = this.target;
      if (!t && this.restoring) {
        await settleWithin(this.restoring.promise, 30_000);
        t = this.target;
      }
      if (!t) return reply.code(503).type('text/plain').send(`${this.appName}: no active deployment\n`);
      const route = routeFor(t.routes, req.url);
      if (!route) return reply.code(404).type('text/plain').send('Not Found\n');
      const ports = t.ports.get(route.component) ?? [];
      const port = ports.length ? ports[this.turn++ % ports.length] : undefined;
      if (!port) return reply.code(503).type('text/plain').send(`${this.appName}: component ${route.component} is not running\n`);
      const held = t;
      held.inflight++;
      let released = false;
      reply.raw.once('close', () => {
        if (!released) {
          released = true;
          held.inflight--;
        }
      });
      return reply.from(`http://127.0.0.1:${port}${upstreamPath(req.url, route)}`, {
        // No x-forwarded-for: behind a loopback proxy uvicorn would log the client as "None:0".
        rewriteRequestHeaders: (original, headers) => ({
          ...headers,
          'x-forwarded-proto': 'http',
          'x-forwarded-host': original.headers.host ?? '',
          'do-connecting-ip': original.ip,
        }),
        // One retry, only for idempotent requests whose connection broke before any answer (a keep-alive race);
        // never for answers, so an upstream 503 reaches the client as it is.
        retryDelay: ({ err, req: upstreamReq, attempt }) => {
          const idempotent = ['GET', 'HEAD', 'OPTIONS'].includes(upstreamReq.method) && !upstreamReq.headers?.['content-length'];
          return err && attempt < 1 && idempotent ? 1 : null;
        },
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get current(): IngressTarget | undefined {
    return this.target;
  }

  /** Listens on `port`, or on a free port when it is 0 or taken. */
  async listen(port: number): Promise<number> {
    try {
      await this.server.listen({ port, host: '127.0.0.1' });
    } catch (err) {
      if (port === 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      await this.server.listen({ port: 0, host: '127.0.0.1' });
    }
    const address = this.server.server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : 0;
    return this.boundPort;
  }

  /** Requests wait (up to 30 s) instead of failing until `switchTo` or `release`: used while restarting after a restart. */
  hold(): void {
    if (this.restoring) return;
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.restoring = { promise, release };
  }

  release(): void {
    this.restoring?.release();
    this.restoring = undefined;
  }

  /** Sends new requests to `next`; answers the previous target, which still finishes its in-flight requests. */
  switchTo(next: IngressTarget | undefined): IngressTarget | undefined {
    const previous = this.target;
    this.target = next;
    this.release();
    return previous;
  }

  /** Waits until `t` has no request in flight (true) or `timeoutMs` passed (false). */
  async drain(t: IngressTarget, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (t.inflight > 0) {
      if (Date.now() >= deadline || this.closed) return false;
      await sleep(10);
    }
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.release();
    await this.server.close();
  }
}
