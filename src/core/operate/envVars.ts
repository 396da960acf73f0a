/**
 * A skill's settings and secrets without hand-editing YAML: list, set and unset env vars of its app spec (app level or
 * a component's), with `yaml`'s document model so comments and layout stay. A secret's value never touches the
 * repository: the spec keeps the key as `type: SECRET` without a value, and the value goes to the live app (its spec
 * updated on App Platform, which encrypts it); every deploy then carries it over (deploy/carrySecrets.ts).
 */
import { isMap, isSeq, parseDocument, Scalar, type Document, type YAMLMap, type YAMLSeq } from 'yaml';
import { findSecret } from '../appspec/secrets';
import type { AppPlatformClient } from '../do/client';
import type { AppSpec, Deployment } from '../do/schemas';

/** What App Platform accepts as an env var name (as a shell does): a letter or `_`, then letters, digits, `_`. */
export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ENV_SCOPES = ['RUN_TIME', 'BUILD_TIME', 'RUN_AND_BUILD_TIME'] as const;
export type EnvScope = (typeof ENV_SCOPES)[number];
const COMPONENT_KINDS = ['services', 'workers', 'jobs', 'static_sites', 'functions'] as const;

export type EnvVarErrorCode = 'INVALID_KEY' | 'INVALID_SCOPE' | 'UNKNOWN_COMPONENT' | 'AMBIGUOUS_PLACE' | 'NOT_FOUND' | 'BAD_SPEC'
  | 'NO_APP' | 'LOOKS_SECRET';

export class EnvVarError extends Error {
  constructor(readonly code: EnvVarErrorCode, message: string) {
    super(message);
    this.name = 'EnvVarError';
  }
}

/** Where an env var lives: the app level, or one component. */
export interface EnvPlace {
  /** Undefined: the app level (every component sees it). */
  component?: string;
  kind?: (typeof COMPONENT_KINDS)[number];
}

/** One env var as the repository's spec has it, and whether the live app holds a value for it. Never a value. */
export interface EnvVarRow {
  key: string;
  /** Undefined: app level. */
  component?: string;
  scope: string;
  type: 'GENERAL' | 'SECRET';
  /** The repository's spec has a value for it (always false for a secret kept right). */
  valueInRepo: boolean;
  /** The live app: `set` (holds a value), `empty`, `absent` (the key is not there); undefined without a live app. */
  live?: 'set' | 'empty' | 'absent';
}

type Env = NonNullable<AppSpec['envs']>[number];

export function checkKey(key: string): void {
  if (!ENV_KEY.test(key)) {
    throw new EnvVarError(
      'INVALID_KEY',
      `"${key.length > 64 ? `${key.slice(0, 64)}…` : key}" is not an env var name: ` +
        'a letter or _ first, then letters, digits or _ (e.g. API_TOKEN)',
    );
  }
}

export function checkScope(scope: string | undefined): EnvScope | undefined {
  if (scope === undefined) return undefined;
  if (!(ENV_SCOPES as readonly string[]).includes(scope)) {
    throw new EnvVarError('INVALID_SCOPE', `scope "${scope}" is not one of ${ENV_SCOPES.join(', ')}`);
  }
  return scope as EnvScope;
}

function parse(text: string, file: string): Document.Parsed {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length) throw new EnvVarError('BAD_SPEC', `${file}: ${doc.errors[0].message} (fix the YAML first: odoobo validate)`);
  if (!isMap(doc.contents)) throw new EnvVarError('BAD_SPEC', `${file}: an app spec is a mapping`);
  return doc;
}

function componentsIn(spec: AppSpec): Array<{ kind: (typeof COMPONENT_KINDS)[number]; name: string; envs: Env[] }> {
  return COMPONENT_KINDS.flatMap((kind) =>
    ((spec[kind] ?? []) as Array<{ name?: string; envs?: Env[] }>).map((c) => ({ kind, name: String(c.name), envs: c.envs ?? [] })),
  );
}

function envsAt(spec: AppSpec, place: EnvPlace): Env[] | undefined {
  if (place.component === undefined) return spec.envs;
  return componentsIn(spec).find((c) => c.name === place.component && (!place.kind || c.kind === place.kind))?.envs;
}

/** Every env var of the spec (app level first, then each component's), with what the live app holds. */
export function listEnvVars(text: string, file: string, live?: AppSpec): EnvVarRow[] {
  const spec = parse(text, file).toJS() as AppSpec;
  const places: Array<{ place: EnvPlace; envs: Env[] }> = [
    { place: {}, envs: spec.envs ?? [] },
    ...componentsIn(spec).map((c) => ({ place: { component: c.name, kind: c.kind }, envs: c.envs })),
  ];
  return places.flatMap(({ place, envs }) =>
    envs.map((e) => {
      const liveEnv = live ? envsAt(live, place)?.find((l) => l.key === e.key) : undefined;
      const row: EnvVarRow = {
        key: e.key,
        ...(place.component !== undefined ? { component: place.component } : {}),
        scope: e.scope ?? 'RUN_AND_BUILD_TIME',
        type: e.type === 'SECRET' ? 'SECRET' : 'GENERAL',
        valueInRepo: e.value !== undefined && e.value !== '' && !(e.type === 'SECRET' && e.value.startsWith('EV[')),
      };
      if (live) row.live = !liveEnv ? 'absent' : liveEnv.value ? 'set' : 'empty';
      return row;
    }),
  );
}

/**
 * Where a key goes: the app level when asked, the named component, else where the key already is, else the spec's
 * only component. Several candidates → AMBIGUOUS_PLACE naming them.
 */
export function resolvePlace(spec: AppSpec, key: string, want: { component?: string; appLevel?: boolean }, file: string): EnvPlace {
  const components = componentsIn(spec);
  if (want.appLevel) return {};
  if (want.component !== undefined) {
    const c = components.find((x) => x.name === want.component);
    if (!c) {
      const names = components.map((x) => x.name).join(', ');
      throw new EnvVarError('UNKNOWN_COMPONENT', `${file}: no component named \`${want.component}\` (components: ${names})`);
    }
    return { component: c.name, kind: c.kind };
  }
  const holding: EnvPlace[] = [
    ...((spec.envs ?? []).some((e) => e.key === key) ? [{}] : []),
    ...components.filter((c) => c.envs.some((e) => e.key === key)).map((c) => ({ component: c.name, kind: c.kind })),
  ];
  if (holding.length === 1) return holding[0];
  const where = (p: EnvPlace) => (p.component === undefined ? 'the app level' : `component ${p.component}`);
  if (holding.length > 1) {
    const places = holding.map(where).join(' and ');
    throw new EnvVarError('AMBIGUOUS_PLACE', `${key} is set at ${places}: choose with --component <name> or --app`);
  }
  if (components.length === 1) return { component: components[0].name, kind: components[0].kind };
  const names = components.map((c) => c.name).join(', ');
  throw new EnvVarError('AMBIGUOUS_PLACE', `${file}: several components (${names}): choose with --component <name> or --app`);
}

/** The `envs` sequence at a place in the document, made when `create`. */
function envsNode(doc: Document, place: EnvPlace, create: boolean): YAMLSeq | undefined {
  let holder: YAMLMap | undefined = doc.contents as YAMLMap;
  if (place.component !== undefined) {
    const list = doc.get(place.kind!);
    holder = isSeq(list) ? (list.items.find((i) => isMap(i) && i.get('name') === place.component) as YAMLMap | undefined) : undefined;
    if (!holder) throw new EnvVarError('UNKNOWN_COMPONENT', `no component named \`${place.component}\``);
  }
  let envs = holder.get('envs');
  if (!isSeq(envs)) {
    if (!create) return undefined;
    envs = doc.createNode([]);
    holder.set('envs', envs);
  }
  return envs as YAMLSeq;
}

export interface SetEnvVarInput {
  key: string;
  secret: boolean;
  /** A GENERAL var's value (written into the spec); never given for a secret. */
  value?: string;
  scope?: EnvScope;
  component?: string;
  appLevel?: boolean;
}

export interface SpecEdit {
  text: string;
  changed: boolean;
  place: EnvPlace;
  /** The scope the key has after the edit. */
  scope: EnvScope;
}

/**
 * Sets a key in the spec's text. A GENERAL var gets its value (double-quoted, so YAML 1.1 never reads `yes` as true);
 * a secret gets `type: SECRET` and loses any value it had in the repository. A GENERAL value that looks like a
 * credential is refused (LOOKS_SECRET): it would end up in git.
 */
export function setEnvVar(text: string, file: string, input: SetEnvVarInput): SpecEdit {
  checkKey(input.key);
  if (!input.secret && input.value !== undefined) {
    const s = findSecret(input.value);
    const why = `the value of ${input.key} looks like a ${s?.kind ?? ''}: set it with --secret so it stays out of the repository`;
    if (s) throw new EnvVarError('LOOKS_SECRET', why);
  }
  const doc = parse(text, file);
  const place = resolvePlace(doc.toJS() as AppSpec, input.key, input, file);
  const envs = envsNode(doc, place, true)!;
  let entry = envs.items.find((i) => isMap(i) && i.get('key') === input.key) as YAMLMap | undefined;
  if (!entry) {
    entry = doc.createNode({ key: input.key });
    envs.items.push(entry);
  }
  const scope = input.scope ?? (entry.get('scope') as EnvScope | undefined) ?? (input.secret ? 'RUN_TIME' : 'RUN_AND_BUILD_TIME');
  if (entry.get('scope') !== scope) entry.set('scope', scope);
  const type = input.secret ? 'SECRET' : 'GENERAL';
  if (entry.get('type') !== type) entry.set('type', type);
  if (input.secret) {
    entry.delete('value');
  } else if (entry.get('value') !== (input.value ?? '')) {
    const v = new Scalar(input.value ?? '');
    v.type = Scalar.QUOTE_DOUBLE;
    entry.set('value', v);
  }
  const edited = doc.toString();
  return { text: edited, changed: edited !== text, place, scope };
}

/** Removes a key from the spec's text; NOT_FOUND when it is not there. */
export function unsetEnvVar(text: string, file: string, input: { key: string; component?: string; appLevel?: boolean }): SpecEdit {
  checkKey(input.key);
  const doc = parse(text, file);
  const place = resolvePlace(doc.toJS() as AppSpec, input.key, input, file);
  const envs = envsNode(doc, place, false);
  const i = envs ? envs.items.findIndex((x) => isMap(x) && x.get('key') === input.key) : -1;
  if (!envs || i < 0) {
    const where = place.component === undefined ? 'at the app level' : `in component ${place.component}`;
    throw new EnvVarError('NOT_FOUND', `${file}: ${input.key} is not set ${where}`);
  }
  const scope = ((envs.items[i] as YAMLMap).get('scope') as EnvScope | undefined) ?? 'RUN_AND_BUILD_TIME';
  envs.items.splice(i, 1);
  const edited = doc.toString();
  return { text: edited, changed: true, place, scope };
}

/**
 * Gives the live app a secret's value: its spec on App Platform gets the key (type SECRET) with the value at the
 * place, and App Platform encrypts it and deploys. Answers the deployment that carries it, if one started.
 */
export async function setLiveSecret(
  client: Pick<AppPlatformClient, 'findAppByName' | 'updateApp'>,
  appName: string,
  input: { key: string; place: EnvPlace; scope: EnvScope; value: string },
  options: { signal?: AbortSignal } = {},
): Promise<{ appId: string; deployment?: Deployment }> {
  checkKey(input.key);
  const app = await client.findAppByName(appName, options);
  if (!app) throw new EnvVarError('NO_APP', `there is no app ${appName} yet: deploy the skill first, then set the secret`);
  const spec = structuredClone(app.spec);
  let envs: Env[];
  if (input.place.component === undefined) {
    envs = spec.envs ??= [];
  } else {
    const list = (spec[input.place.kind ?? 'services'] ?? []) as Array<{ name?: string; envs?: Env[] }>;
    const c = list.find((x) => x.name === input.place.component);
    if (!c) {
      throw new EnvVarError('NO_APP', `the live app ${appName} has no component ${input.place.component} yet: deploy the skill first`);
    }
    envs = c.envs ??= [];
  }
  const at = envs.find((e) => e.key === input.key);
  if (at) Object.assign(at, { type: 'SECRET', scope: input.scope, value: input.value });
  else envs.push({ key: input.key, scope: input.scope, type: 'SECRET', value: input.value });
  const updated = await client.updateApp(app.id, spec, options);
  const deployment = updated.pending_deployment ?? updated.in_progress_deployment;
  return { appId: app.id, ...(deployment?.id ? { deployment: deployment as Deployment } : {}) };
}
