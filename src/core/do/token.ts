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
