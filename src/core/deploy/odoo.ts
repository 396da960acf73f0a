/**
 * Step 9's write-back: a note on the skill's Odoo task through Odoo's external JSON-RPC API (`POST <url>/jsonrpc`):
 * `common.authenticate` for the uid, then `object.execute_kw(db, uid, key, 'project.task', 'message_post', [[id]], {body})`.
 */
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { redact, registerSecret } from '../do/redact';
import type { OdooOptions } from './types';

export class OdooRpcError extends Error {
  override readonly name = 'OdooRpcError';
  constructor(message: string, readonly data?: unknown) {
    super(redact(message));
  }
}

let nextId = 1;

/** One JSON-RPC 2.0 `call`; Odoo's `{error: {message, data: {message}}}` becomes an OdooRpcError. */
export async function odooCall(
  url: string,
  service: string,
  method: string,
  args: unknown[],
  timeoutMs = 10_000,
  signal?: AbortSignal,
): Promise<unknown> {
  const endpoint = `${url.replace(/\/+$/, '')}/jsonrpc`;
  const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: nextId++ });
  let res;
  try {
    res = await request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal,
    });
  } catch (e) {
    throw new OdooRpcError(`${service}.${method}: ${endpoint} did not answer: ${(e as Error).message}`);
  }
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new OdooRpcError(`${service}.${method}: ${endpoint} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  let json: { result?: unknown; error?: { message?: string; data?: { message?: string; name?: string } } };
  try {
    json = JSON.parse(text);
  } catch {
    throw new OdooRpcError(`${service}.${method}: the answer is not JSON: ${text.slice(0, 200)}`);
  }
  if (json.error) {
    const e = json.error;
    const name = e.data?.name ? ` (${e.data.name})` : '';
    throw new OdooRpcError(`${service}.${method}: ${e.data?.message ?? e.message ?? 'error'}${name}`, e.data);
  }
  return json.result;
}

const uids = new Map<string, Promise<number>>();

/** The uid of `login` (cached per URL, database, login and key; a failed login is not cached). */
export function odooUid(o: OdooOptions, signal?: AbortSignal): Promise<number> {
  registerSecret(o.apiKey);
  const key = `${o.url}\n${o.database}\n${o.login}\n${createHash('sha256').update(o.apiKey).digest('hex')}`;
  let p = uids.get(key);
  if (!p) {
    p = odooCall(o.url, 'common', 'authenticate', [o.database, o.login, o.apiKey, {}], o.timeoutMs, signal).then((uid) => {
      if (typeof uid !== 'number' || uid <= 0) {
        const who = `the login ${JSON.stringify(o.login)} on database ${JSON.stringify(o.database)}`;
        throw new OdooRpcError(`common.authenticate: Odoo refused ${who} (wrong login or API key)`);
      }
      return uid;
    });
    uids.set(key, p);
    p.catch(() => uids.delete(key));
  }
  return p;
}

/** Posts `body` (HTML) on the task; answers the new message's id. */
export async function postOnTask(o: OdooOptions, taskId: number, body: string, signal?: AbortSignal): Promise<number | undefined> {
  const uid = await odooUid(o, signal);
  const result = await odooCall(
    o.url,
    'object',
    'execute_kw',
    [o.database, uid, o.apiKey, 'project.task', 'message_post', [[taskId]], { body, message_type: 'comment' }],
    o.timeoutMs,
    signal,
  );
  if (typeof result === 'number') return result;
  if (Array.isArray(result) && typeof result[0] === 'number') return result[0];
  return undefined;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** The note: outcome, live URL, deployment, commit, and the error with its mitigation. */
export function deployNote(r: {
  skill: string;
  status: string;
  target: string;
  liveUrl?: string;
  deploymentId?: string;
  commit?: string;
  error?: { code: string; step: string; message: string; mitigation: string };
  rollback?: { status: string; toDeploymentId?: string };
}): string {
  const rows: string[] = [];
  const row = (k: string, v: string | undefined) => {
    if (v) rows.push(`<li><b>${escapeHtml(k)}</b>: ${escapeHtml(v)}</li>`);
  };
  row('Target', r.target);
  row('Live URL', r.liveUrl);
  row('Deployment', r.deploymentId);
  row('Commit', r.commit);
  if (r.error) {
    row('Error', `${r.error.code} in ${r.error.step}: ${r.error.message}`);
    row('What to do', r.error.mitigation);
  }
  if (r.rollback) row('Rollback', `${r.rollback.status}${r.rollback.toDeploymentId ? ` to ${r.rollback.toDeploymentId}` : ''}`);
  return `<p>Deployment of <b>${escapeHtml(r.skill)}</b>: ${escapeHtml(r.status)}</p><ul>${rows.join('')}</ul>`;
}
