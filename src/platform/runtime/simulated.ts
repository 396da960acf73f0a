import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * "No real processes" mode (fault `simulate`): a component is a tiny in-process HTTP server, so that benchmarks and
 * tests of orchestration run without Python. It answers every path with what served it.
 *
 * Plain `node:http`, not a Fastify instance: one answer for every path needs no router, and N deployments going live
 * at the same moment each start one of these (a Fastify instance costs milliseconds of CPU to build its routes,
 * which held the platform's event loop for over 100 ms when 50 went live at once).
 */
export interface SimulatedComponent {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startSimulatedComponent(opts: {
  component: string;
  deploymentId: string;
  commit?: string;
  healthPath?: string;
  unhealthy: () => boolean;
}): Promise<SimulatedComponent> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const pathOnly = url.split('?')[0];
    const unhealthy = !!opts.healthPath && pathOnly === opts.healthPath && opts.unhealthy();
    const body = JSON.stringify(
      unhealthy
        ? { status: 'unhealthy', component: opts.component }
        : {
          status: 'ok', component: opts.component, deployment_id: opts.deploymentId, commit: opts.commit ?? null,
          method: req.method, path: url, simulated: true,
        },
    );
    // The request body (if any) is not needed; reading it to the end keeps the connection reusable.
    req.resume();
    res.writeHead(unhealthy ? 500 : 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
