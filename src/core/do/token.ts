/** Where the CLI finds a DigitalOcean token: DIGITALOCEAN_ACCESS_TOKEN (doctl's name), then DO_ACCESS_TOKEN. */
import { registerSecret } from './redact';

export function tokenFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  for (const name of ['DIGITALOCEAN_ACCESS_TOKEN', 'DO_ACCESS_TOKEN']) {
    const value = env[name]?.trim();
    if (value) {
      registerSecret(value);
      return value;
    }
  }
  return undefined;
}

/** What verifying a token against the API found. */
export type TokenCheck =
  | { readonly ok: true }
  /** The API answered and refused it: 401 (unknown or revoked) or 403 (no App Platform scope). */
  | { readonly ok: false; readonly refused: true; readonly code: 'UNAUTHORIZED' | 'FORBIDDEN'; readonly message: string }
  /** The API could not be asked (offline, DNS, timeout): the token is neither good nor bad. */
  | { readonly ok: false; readonly refused: false; readonly code: string; readonly message: string };

/**
 * Asks App Platform for one page of one app with the token (apps_list needs the app:read scope, as everything the
 * extension does). The message never contains the token.
 */
export async function verifyToken(
  client: { listAppsPage(options: { per_page?: number; signal?: AbortSignal }): Promise<unknown> },
  signal?: AbortSignal,
): Promise<TokenCheck> {
  try {
    await client.listAppsPage({ per_page: 1, signal });
    return { ok: true };
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'UNKNOWN';
    const message = (e as Error).message;
    if (code === 'UNAUTHORIZED' || code === 'FORBIDDEN') return { ok: false, refused: true, code, message };
    return { ok: false, refused: false, code, message };
  }
}
