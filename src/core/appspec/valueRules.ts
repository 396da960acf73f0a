/** Rules on string values: placeholders, plaintext secrets and bindable references, unencrypted secrets. */
import { formatPath, subRange, type Range } from './positions';
import { type RuleContext, type Obj, isObj, code, COMPONENT_KINDS, componentsOf } from './ruleContext';
import { findSecret, isEncryptedValue, looksLikeSecretName } from './secrets';
import { didYouMean, suggest } from './suggest';
import type { SpecPath } from './types';

// ---------------------------------------------------------------------------------------------------------------
// PLACEHOLDER_VALUES and PLAINTEXT_SECRET: every string value.

const APP_BINDABLES = ['APP_URL', 'APP_DOMAIN', 'APP_ID'];
const COMPONENT_BINDABLES = ['PUBLIC_URL', 'PUBLIC_ROUTE_PATH', 'PRIVATE_URL', 'PRIVATE_DOMAIN', 'PRIVATE_PORT', 'COMMIT_HASH'];
const DATABASE_BINDABLES = [
  'HOSTNAME', 'PORT', 'USERNAME', 'PASSWORD', 'DATABASE', 'DATABASE_URL', 'DATABASE_PRIVATE_URL', 'CA_CERT',
  'JDBC_DATABASE_URL', 'REDIS_URL', 'PRIVATE_HOSTNAME',
];

const PLACEHOLDERS: readonly RegExp[] = [
  /\bYOUR[_-][A-Z0-9_-]*/,
  /\byour[_-][a-z0-9_-]+/,
  /\b(?:PLACEHOLDER|placeholder)\b/,
  /\b(?:TODO|FIXME|TBD)\b/,
  /\b(?:CHANGE[_-]?ME|REPLACE[_-]?ME)\b/i,
];
/** `<your-org>`, `<TOKEN>`; not checked in shell commands, where `<` and `>` redirect. */
const ANGLE_PLACEHOLDER = /<[A-Za-z][A-Za-z0-9 _.-]*>/;

const isEnvValue = (p: SpecPath) => p.length >= 3 && p[p.length - 1] === 'value' && p[p.length - 3] === 'envs';
const isCommand = (p: SpecPath) => p.length === 3 && (p[2] === 'run_command' || p[2] === 'build_command');

export function valuesAndSecrets(ctx: RuleContext): void {
  const components = componentsOf(ctx.spec, COMPONENT_KINDS);
  const componentNames = components.map((c) => c.value.name).filter((n): n is string => typeof n === 'string');
  const databaseNames = componentsOf(ctx.spec, ['databases'])
    .map((c) => c.value.name)
    .filter((n): n is string => typeof n === 'string');
  const appEnvKeys = (Array.isArray(ctx.spec.envs) ? ctx.spec.envs : [])
    .map((e) => (isObj(e) ? e.key : undefined))
    .filter((k): k is string => typeof k === 'string');

  for (const { node, path: p } of ctx.strings) {
    const value = node.value as string;
    const range: Range = node.range ? [node.range[0], node.range[1]] : ctx.valueRange(p);
    const secret = findSecret(value);
    if (secret) {
      ctx.report(
        'PLAINTEXT_SECRET',
        'error',
        subRange(ctx.text, range, secret.text.split('\n')[0]),
        `\`${formatPath(p)}\` holds a plaintext ${secret.kind} (${secret.masked}): remove it from the file, rotate it, and give it to ` +
        `App Platform as an encrypted \`type: SECRET\` env var`,
        p,
        isEnvValue(p) ? { kind: 'make-secret', envPath: p.slice(0, -1) } : undefined,
      );
      continue;
    }
    if (isEncryptedValue(value)) continue;
    const command = isCommand(p);
    for (const re of command ? PLACEHOLDERS : [...PLACEHOLDERS, ANGLE_PLACEHOLDER]) {
      const m = re.exec(value);
      if (!m) continue;
      ctx.report(
        'PLACEHOLDER_VALUES',
        'error',
        subRange(ctx.text, range, m[0]),
        `\`${formatPath(p)}\` still holds the placeholder ${code(m[0])}: replace it with the real value`,
        p,
        { kind: 'replace-placeholder' },
      );
      break;
    }
    // run_command/build_command run in a shell, which expands ${…} itself (e.g. ${PORT:-8080})
    if (command || !value.includes('${')) continue;
    const envValue = isEnvValue(p);
    const ownerIsApp = p[0] === 'envs';
    for (const m of value.matchAll(/\$\{([^}]*)\}/g)) {
      const ref = m[1].trim();
      const r = subRange(ctx.text, range, m[0]);
      if (!envValue) {
        ctx.report(
          'PLACEHOLDER_VALUES',
          'error',
          r,
          `\`${formatPath(p)}\`: ${code(m[0])} is not expanded here; ` +
            'App Platform expands `${…}` bindable variables only in env values',
          p,
          { kind: 'replace-placeholder' },
        );
        continue;
      }
      const problem = bindableProblem(ref, ownerIsApp, componentNames, databaseNames, appEnvKeys);
      if (problem)
        ctx.report('PLACEHOLDER_VALUES', 'warning', r, `\`${formatPath(p)}\`: ${code(m[0])} ${problem.message}`, p, {
          kind: 'replace-value',
          suggestions: problem.suggestions.map((s) => `\${${s}}`),
        });
    }
  }
}

function bindableProblem(
  ref: string,
  ownerIsApp: boolean,
  components: string[],
  databases: string[],
  appEnvKeys: string[],
): { message: string; suggestions: string[] } | undefined {
  const dotted = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)$/.exec(ref);
  if (dotted) {
    const [, prefix, attr] = dotted;
    const isSelf = prefix === '_self';
    if (isSelf && ownerIsApp) return { message: "uses `_self`, which only means something in a component's env vars", suggestions: [] };
    if (isSelf || components.includes(prefix)) {
      if (COMPONENT_BINDABLES.includes(attr)) return undefined;
      const s = suggest(attr, COMPONENT_BINDABLES).map((a) => `${prefix}.${a}`);
      return {
        message:
          `is not a bindable variable of ${isSelf ? 'a component' : `component ${code(prefix)}`} ` +
          `(${COMPONENT_BINDABLES.join(', ')})${didYouMean(s)}`,
        suggestions: s,
      };
    }
    if (databases.includes(prefix)) {
      if (DATABASE_BINDABLES.includes(attr)) return undefined;
      const s = suggest(attr, DATABASE_BINDABLES).map((a) => `${prefix}.${a}`);
      return { message: `is not a bindable variable of database ${code(prefix)}${didYouMean(s)}`, suggestions: s };
    }
    const owners =
      DATABASE_BINDABLES.includes(attr) && !COMPONENT_BINDABLES.includes(attr)
        ? databases
        : COMPONENT_BINDABLES.includes(attr)
          ? ['_self', ...components]
          : [...components, ...databases];
    const s = suggest(prefix, [...new Set(owners)]).map((c) => `${c}.${attr}`);
    return {
      message:
        `refers to ${code(prefix)}, which is no component or database of this app; ` +
        `App Platform leaves it unexpanded${didYouMean(s)}`,
      suggestions: s,
    };
  }
  if (APP_BINDABLES.includes(ref) || (!ownerIsApp && appEnvKeys.includes(ref))) return undefined;
  const s = suggest(ref, [...new Set([...APP_BINDABLES, ...(ownerIsApp ? [] : appEnvKeys)])]);
  return {
    message:
      `is not a bindable variable App Platform knows (${APP_BINDABLES.join(', ')}, \`<component>.<NAME>\`, app-level env keys); it stays ` +
      `unexpanded${didYouMean(s)}`,
    suggestions: s,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SECRET_NOT_ENCRYPTED: env vars named like secrets, with a plaintext GENERAL value.

export function unencryptedSecrets(ctx: RuleContext, alreadyReported: Set<string>): void {
  const lists: SpecPath[] = [['envs'], ...componentsOf(ctx.spec, COMPONENT_KINDS).map((c) => [...c.path, 'envs'])];
  for (const listPath of lists) {
    let list: unknown = ctx.spec;
    for (const seg of listPath) list = (list as Obj | unknown[] | undefined)?.[seg as never];
    if (!Array.isArray(list)) continue;
    list.forEach((env, i) => {
      if (!isObj(env) || typeof env.key !== 'string' || typeof env.value !== 'string') return;
      const envPath = [...listPath, i];
      const value = env.value.trim();
      if (!value || env.type === 'SECRET' || isEncryptedValue(value) || !looksLikeSecretName(env.key)) return;
      if (/^(?:\$\{[^}]*\}\s*)+$/.test(value)) return; // only bindable references (e.g. ${db.PASSWORD}): nothing stored
      if (alreadyReported.has(formatPath([...envPath, 'value']))) return;
      ctx.report(
        'SECRET_NOT_ENCRYPTED',
        'warning',
        ctx.valueRange([...envPath, 'key']),
        `env var ${code(env.key)} looks like a secret but its value is plaintext ` +
        `${env.type ? code(String(env.type)) : '(type GENERAL)'}: add \`type: SECRET\` (App Platform then stores it encrypted as ` +
        `\`EV[…]\`) and keep the value out of the repository`,
        envPath,
        { kind: 'make-secret', envPath },
      );
    });
  }
}
