/** PORT_MISMATCH: a service's http_port against the port its run_command listens on. */
import { subRange } from './positions';
import { type RuleContext, type Obj, isObj, componentsOf } from './ruleContext';
import type { FixHint, SpecPath } from './types';

// ---------------------------------------------------------------------------------------------------------------
// PORT_MISMATCH: http_port against the port the run_command listens on.

const DEFAULT_HTTP_PORT = 8080;
const PORT_FLAG = /(?:^|[\s;&|(])(?:--port|-p|--http-port|--listen-port)(?:=|\s+)(["']?)(\S+?)\1(?=$|[\s;&|)])/g;
const BIND_FLAG = /(?:^|[\s;&|(])(?:--bind|-b|--listen|--address)(?:=|\s+)(["']?)(\S+?)\1(?=$|[\s;&|)])/g;
const PORT_ASSIGNMENT = /(?:^|[\s;&|(])(?:export\s+)?PORT=(["']?)(\S+?)\1(?=$|[\s;&|)])/g;

type PortSpec = { kind: 'literal'; port: number } | { kind: 'env'; fallback?: number };

function parsePortToken(token: string): PortSpec | undefined {
  if (/^\d{1,5}$/.test(token)) return { kind: 'literal', port: Number(token) };
  if (/^\$PORT$|^\$\{PORT\}$/.test(token)) return { kind: 'env' };
  const m = /^\$\{PORT:?-(\d{1,5})\}$/.exec(token);
  return m ? { kind: 'env', fallback: Number(m[1]) } : undefined;
}

/** The port part of `--bind 0.0.0.0:8080`, `[::]:$PORT`, `:${PORT:-8080}`. */
function bindPort(value: string): string | undefined {
  const env = value.indexOf('$');
  if (env > 0 && value[env - 1] === ':') return value.slice(env);
  const colon = value.lastIndexOf(':');
  return colon >= 0 && env < 0 ? value.slice(colon + 1) : undefined;
}

export function portMismatch(ctx: RuleContext): void {
  const appPortEnv = envValue(ctx.spec.envs, 'PORT');
  for (const c of componentsOf(ctx.spec, ['services'])) {
    const cmd = c.value.run_command;
    if (typeof cmd !== 'string') continue;
    if (c.value.http_port !== undefined && typeof c.value.http_port !== 'number') continue; // a SCHEMA_ERROR already
    const httpPort = c.value.http_port;
    const expected = httpPort ?? DEFAULT_HTTP_PORT;
    const expectedText =
      httpPort === undefined ? `App Platform's default http_port ${DEFAULT_HTTP_PORT} (http_port is not set)` : `http_port ${httpPort}`;
    const cmdPath = [...c.path, 'run_command'];
    const cmdRange = ctx.valueRange(cmdPath);
    const mentions: { token: string; spec: PortSpec; assignment: boolean }[] = [];
    for (const m of cmd.matchAll(PORT_FLAG)) {
      const spec = parsePortToken(m[2]);
      if (spec) mentions.push({ token: m[2], spec, assignment: false });
    }
    for (const m of cmd.matchAll(BIND_FLAG)) {
      const port = bindPort(m[2]);
      const spec = port === undefined ? undefined : parsePortToken(port);
      if (spec && port) mentions.push({ token: port, spec, assignment: false });
    }
    for (const m of cmd.matchAll(PORT_ASSIGNMENT)) {
      const spec = parsePortToken(m[2]);
      if (spec) mentions.push({ token: m[2], spec, assignment: true });
    }
    for (const { token, spec, assignment } of mentions) {
      const r = subRange(ctx.text, cmdRange, token);
      if (spec.kind === 'literal' && spec.port !== expected) {
        const what = assignment ? `sets PORT=${spec.port}` : `listens on port ${spec.port}`;
        const msg =
          `run_command ${what} but App Platform routes traffic and health checks to ${expectedText}; ` +
          'use `$PORT` or make them equal';
        ctx.report('PORT_MISMATCH', 'error', r, msg, cmdPath, [
          { kind: 'replace-value', suggestions: ['${PORT}', String(expected)] },
          setHttpPort(c.path, spec.port),
        ]);
      } else if (spec.kind === 'env') {
        const portEnv = envValue(c.value.envs, 'PORT') ?? appPortEnv;
        if (portEnv !== undefined && /^\d+$/.test(portEnv) && Number(portEnv) !== expected) {
          const msg =
            `run_command listens on $PORT, which an env var sets to ${portEnv}, ` + `but App Platform routes traffic to ${expectedText}`;
          ctx.report('PORT_MISMATCH', 'error', r, msg, cmdPath, setHttpPort(c.path, Number(portEnv), true));
        } else if (spec.fallback !== undefined && spec.fallback !== expected) {
          ctx.report(
            'PORT_MISMATCH',
            'warning',
            r,
            `run_command falls back to port ${spec.fallback} when PORT is unset, but ${expectedText}: on App Platform PORT is set so it ` +
            `works, elsewhere (local runs) it listens on the wrong port`,
            cmdPath,
            { kind: 'replace-value', suggestions: [`\${PORT:-${expected}}`] },
          );
        }
      }
    }
  }
}

const setHttpPort = (servicePath: SpecPath, port: number, preferred = false): FixHint => ({
  kind: 'set-field', path: [...servicePath, 'http_port'], value: port, title: `Set http_port to ${port}`, preferred,
});

function envValue(envs: unknown, key: string): string | undefined {
  if (!Array.isArray(envs)) return undefined;
  const e = envs.find((x) => isObj(x) && x.key === key) as Obj | undefined;
  return typeof e?.value === 'string' ? e.value.trim() : undefined;
}
