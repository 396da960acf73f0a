/** Keeps DigitalOcean tokens out of every message, log line and error field the client produces. */

const known = new Set<string>();
const REPLACEMENT = '[REDACTED]';
/** Shorter strings are not real tokens (e.g. a placeholder for the local platform) and would mangle messages. */
const MIN_SECRET_LENGTH = 8;

// DigitalOcean token shapes (dop_v1_, doo_v1_, dor_v1_ prefixes) and any bearer credential.
const PATTERNS: RegExp[] = [/\bdo[opr]_v1_[A-Za-z0-9]+/g, /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi];

/** Remembers a secret so that redact() removes it wherever it appears. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= MIN_SECRET_LENGTH) known.add(secret);
}

export function redact(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join(REPLACEMENT);
  for (const p of PATTERNS)
    out = out.replace(p, (_m, bearer?: string) => (typeof bearer === 'string' ? `${bearer} ${REPLACEMENT}` : REPLACEMENT));
  return out;
}

/** `scheme://host/path` of a URL: query strings of pre-signed log URLs carry credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return redact(`${u.protocol}//${u.host}${u.pathname}`);
  } catch {
    return '(invalid URL)';
  }
}
