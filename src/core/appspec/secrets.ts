/** Plaintext credentials in a spec value, and env names that usually hold one. */

interface SecretKind {
  name: string;
  re: RegExp;
  /** How many leading characters identify the kind without revealing the secret. */
  keep: number;
}

// Order matters: the Anthropic key is also an `sk-…` key.
const KINDS: readonly SecretKind[] = [
  { name: 'DigitalOcean token', re: /\bdo[opr]_v1_[a-f0-9]{64}\b/, keep: 7 },
  { name: 'Anthropic API key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/, keep: 7 },
  { name: 'OpenAI API key', re: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{32,}/, keep: 3 },
  { name: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, keep: 4 },
  { name: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{22,}/, keep: 11 },
  { name: 'AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, keep: 4 },
  { name: 'JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, keep: 3 },
  { name: 'private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/, keep: 0 },
];

export interface SecretMatch {
  kind: string;
  /** The matched text (never put it in a message: use `masked`). */
  text: string;
  index: number;
  /** Kind prefix plus a length, e.g. `dop_v1_… (71 characters)`. */
  masked: string;
}

/** DigitalOcean stores encrypted SECRET values as `EV[1:…]`; those are safe to commit. */
export function isEncryptedValue(value: string): boolean {
  return /^EV\[\d+:[^\]]*\]$/.test(value.trim());
}

export function findSecret(value: string): SecretMatch | undefined {
  if (value.length < 16 || isEncryptedValue(value)) return undefined;
  for (const k of KINDS) {
    const m = k.re.exec(value);
    if (m) return { kind: k.name, text: m[0], index: m.index, masked: mask(m[0], k.keep) };
  }
  return undefined;
}

/** Keeps only the identifying prefix; a private key block shows its header only. */
export function mask(secret: string, keep: number): string {
  if (secret.startsWith('-----BEGIN')) return secret;
  return `${secret.slice(0, Math.min(keep, secret.length - 8))}… (${secret.length} characters)`;
}

const SECRET_NAME = new RegExp(
  '(?:^|_)(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|CREDENTIALS?|PRIVATE_KEY|API_KEY|AUTH_TOKEN)$' +
    '|^(?:SECRET|PASSWORD|PRIVATE_KEY)(?:_|$)',
  'i',
);
const NOT_SECRET_NAME = /(?:PUBLIC|PUBLISHABLE|SORT|PARTITION|CACHE|IDEMPOTENCY)_KEY$/i;

/** `ANTHROPIC_API_KEY`, `GITHUB_TOKEN`, `JWT_SECRET`, `DB_PASSWORD`, … but not `PUBLIC_KEY` or `TOKEN_URL`. */
export function looksLikeSecretName(key: string): boolean {
  return SECRET_NAME.test(key) && !NOT_SECRET_NAME.test(key);
}
