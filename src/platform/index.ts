import { buildApiServer } from './api/server';
import type { LocalPlatformOptions } from './config';
import { LocalAppPlatform } from './platform';

export type { LocalPlatformOptions } from './config';
export type { Faults } from './faults';

/** Shortest bearer token the platform accepts at start. */
const MIN_TOKEN_LENGTH = 32;

/** A running local App Platform. */
export interface LocalPlatformHandle {
  /** Base URL of the API (`http://127.0.0.1:<port>`): use it where you would use https://api.digitalocean.com. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Resolves when the deployments that were ACTIVE before a restart serve again. */
  readonly restored: Promise<void>;
  /** Stops every process the platform started and closes its servers. State stays in the data folder. */
  stop(): Promise<void>;
}

/**
 * Starts the local App Platform: an HTTP server on 127.0.0.1 that speaks DigitalOcean's App Platform API, runs apps
 * as local processes and serves each app on its own stable local URL.
 */
export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatformHandle> {
  if (!options.token) throw new Error('a bearer token is required');
  // Any local process (and, through a browser, any web page) can try tokens: a short one can be guessed.
  if (options.token.length < MIN_TOKEN_LENGTH) {
    const length = options.token.length;
    const hint = 'e.g. `openssl rand -hex 24`';
    throw new Error(`the bearer token is ${length} characters long; the local App Platform needs at least ${MIN_TOKEN_LENGTH} (${hint})`);
  }
  if (!options.dataDir) throw new Error('a data folder is required');
  const platform = new LocalAppPlatform(options);
  try {
    await platform.init();
  } catch (err) {
    await platform.shutdown();
    throw err;
  }
  let api;
  try {
    api = await buildApiServer(platform);
    await api.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  } catch (err) {
    await platform.shutdown();
    throw err;
  }
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  platform.apiBase = `http://127.0.0.1:${port}`;
  platform.restoreActive();
  let stopping: Promise<void> | undefined;
  return {
    url: platform.apiBase,
    port,
    dataDir: platform.dir.root,
    restored: platform.restored,
    stop: () =>
      (stopping ??= (async () => {
        await api.close().catch(() => undefined);
        await platform.shutdown();
      })()),
  };
}
