import Fastify, { type FastifyInstance } from 'fastify';

/**
 * "No real processes" mode (fault `simulate`): a component is a tiny in-process HTTP server, so that benchmarks and
 * tests of orchestration run without Python. It answers every path with what served it.
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
  const app: FastifyInstance = Fastify({ logger: false });
  app.all('/*', async (req, reply) => {
    const pathOnly = req.url.split('?')[0];
    if (opts.healthPath && pathOnly === opts.healthPath && opts.unhealthy()) {
      return reply.code(500).send({ status: 'unhealthy', component: opts.component });
    }
    return { status: 'ok', component: opts.component, deployment_id: opts.deploymentId, commit: opts.commit ?? null, method: req.method, path: req.url, simulated: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, stop: () => app.close() };
}
