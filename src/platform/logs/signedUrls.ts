import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LogType } from './logStore';

/** What a signed log URL grants: one log of one deployment, optionally one component's lines. */
export interface LogGrant {
  readonly deploymentId: string;
  readonly type: LogType;
  readonly component?: string;
  readonly follow: boolean;
}

export const LOG_URL_TTL_SECONDS = 3600;

function payload(kind: 'archive' | 'live', g: LogGrant, expires: number): string {
  return [kind, g.deploymentId, g.type, g.component ?? '', g.follow ? '1' : '0', String(expires)].join('|');
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * A pre-signed URL, like DigitalOcean's log URLs: no bearer token needed, the signature and expiry make it
 * unguessable and short-lived.
 */
export function signedLogUrl(secret: string, base: string, kind: 'archive' | 'live', g: LogGrant, nowMs = Date.now()): string {
  const expires = Math.floor(nowMs / 1000) + LOG_URL_TTL_SECONDS;
  const q = new URLSearchParams();
  if (g.component) q.set('component', g.component);
  if (g.follow) q.set('follow', 'true');
  q.set('expires', String(expires));
  q.set('signature', sign(secret, payload(kind, g, expires)));
  const scheme = kind === 'live' ? base.replace(/^http/, 'ws') : base;
  return `${scheme}/_local/logs/${kind}/${encodeURIComponent(g.deploymentId)}/${g.type}?${q.toString()}`;
}

/** The grant of a signed URL, or undefined when the signature is wrong or expired. */
export function verifyLogUrl(
  secret: string,
  kind: 'archive' | 'live',
  deploymentId: string,
  type: LogType,
  query: { component?: string; follow?: string; expires?: string; signature?: string },
  nowMs = Date.now(),
): LogGrant | undefined {
  const expires = Number(query.expires);
  if (!Number.isInteger(expires) || expires * 1000 < nowMs || typeof query.signature !== 'string') return undefined;
  const grant: LogGrant = { deploymentId, type, component: query.component || undefined, follow: query.follow === 'true' };
  const expected = Buffer.from(sign(secret, payload(kind, grant, expires)), 'hex');
  const given = Buffer.from(query.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return grant;
}
