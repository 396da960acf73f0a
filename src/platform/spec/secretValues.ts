// SECRET env values as DigitalOcean keeps them: a spec sent with a plaintext value is stored and answered with an
// encrypted `EV[1:…]` in its place, so the value never shows in an API answer; only the runtime opens it. AES-256-GCM
// with a key derived from the platform's own secret (platform.json, mode 0600), so the state files (0600 too) hold
// ciphertext only.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { AppSpec, EnvVar } from './appSpec';

const keys = new Map<string, Buffer>();
function keyOf(platformSecret: string): Buffer {
  let k = keys.get(platformSecret);
  if (!k) {
    k = Buffer.from(hkdfSync('sha256', platformSecret, 'odoobo-local-platform', 'SECRET env values', 32));
    keys.set(platformSecret, k);
  }
  return k;
}

const EV = /^EV\[1:([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)\]$/;

function seal(value: string, platformSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(platformSecret), iv);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `EV[1:${iv.toString('base64')}:${body.toString('base64')}]`;
}

/** The plaintext of an `EV[1:…]` this platform sealed; undefined for anything else (e.g. DigitalOcean's own). */
export function openSecret(value: string, platformSecret: string): string | undefined {
  const m = EV.exec(value);
  if (!m) return undefined;
  try {
    const body = Buffer.from(m[2], 'base64');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(platformSecret), Buffer.from(m[1], 'base64'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The spec with every plaintext SECRET value (app-level and per component) replaced by its `EV[1:…]`; changed in place. */
export function sealSecrets<S extends AppSpec>(spec: S, platformSecret: string): S {
  const lists: Array<EnvVar[] | undefined> = [spec.envs];
  for (const kind of ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const) {
    for (const c of (spec as Record<string, unknown>)[kind] as Array<{ envs?: EnvVar[] }> | undefined ?? []) lists.push(c.envs);
  }
  for (const list of lists) {
    for (const e of list ?? []) {
      const plaintext = e.type === 'SECRET' && e.value !== undefined && e.value !== '' && !e.value.startsWith('EV[');
      if (plaintext) e.value = seal(e.value!, platformSecret);
    }
  }
  return spec;
}
