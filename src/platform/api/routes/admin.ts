import type { FastifyInstance } from 'fastify';
import { faultsSchema } from '../../faults';
import type { LocalAppPlatform } from '../../platform';
import { ApiError } from '../errors';

/** Local-only endpoints, outside /v2: fault injection and status. They need the bearer token. */
export function registerAdminRoutes(api: FastifyInstance, platform: LocalAppPlatform): void {
  const parse = (body: unknown) => {
    const r = faultsSchema.safeParse(body ?? {});
    if (!r.success) {
      const issues = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ApiError(422, 'unprocessable_entity', `request payload validation failed: ${issues}`);
    }
    return r.data;
  };
  api.get('/_local/faults', async () => ({ faults: platform.faults.current }));
  api.put('/_local/faults', async (req) => ({ faults: platform.faults.replace(parse(req.body)) }));
  api.post('/_local/faults', async (req) => ({ faults: platform.faults.merge(parse(req.body)) }));
  api.patch('/_local/faults', async (req) => ({ faults: platform.faults.merge(parse(req.body)) }));
  api.delete('/_local/faults', async () => ({ faults: platform.faults.clear() }));
  api.get('/_local/status', async () => ({
    status: 'ok',
    pid: process.pid,
    data_dir: platform.dir.root,
    python: platform.python,
    apps: platform.listApps().length,
  }));
}
