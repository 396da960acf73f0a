import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  checkKey, checkScope, ENV_SCOPES, EnvVarError, listEnvVars, setEnvVar, setLiveSecret, unsetEnvVar, type EnvPlace, type SpecEdit,
} from '../../core/operate/envVars';
import type { Skill } from '../../core/skills/loadSkills';
import { writeFileAtomic } from '../../core/status/atomicFile';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { formatTable } from '../ui/table';
import {
  COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills, openTarget, printJson, reportFailure,
  requireRepository, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { deploy } from './deploy';
import { appNameInEnv, ENV_HELP, ENV_OPTION, resolveEnvOption, type CliEnvironment } from './environmentOption';
import { confirmProtected } from './operateCommon';

const PLACE_HELP = `  --component <name>             the component whose env it is (default: where the key is, else the only component)
  --app                          the app-level envs (every component sees them)
${ENV_HELP}
                                 (a setting is the base spec's, for every environment: with --env only the default one)`;

const LIST_HELP = `Usage: odoobo env list <skill> [options]

Lists a skill's env vars from its app spec (infra/<skill>.yaml): key, where (app level or component), scope and type,
and whether the live app holds a value. Never prints a value.

Options:
${ENV_HELP}
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"env list","ok","exitCode","skill","file","vars":[{"key","component","scope","type","valueInRepo","live"}]}

${exitCodesHelp('the app spec could not be read')}
`;

const SET_HELP = `Usage: odoobo env set <skill> KEY [--secret] [options]

Sets an env var of a skill. The value is read from stdin when it is not a terminal (one trailing newline dropped),
else from a prompt (hidden for --secret); never from the command line.
  A setting (GENERAL) is written into the app spec (infra/<skill>.yaml, comments kept) and deployed.
  A secret (--secret) never touches the repository: the spec keeps the key as \`type: SECRET\` without a value, and the
  value goes to the live app (App Platform encrypts it and deploys). Every later deploy carries it over.

Options:
  --secret                       a secret (a token, a password, a key)
  --scope <scope>                ${ENV_SCOPES.join(', ')} (default: the key's, else RUN_TIME for a secret and
                                 RUN_AND_BUILD_TIME for a setting)
${PLACE_HELP}
  --no-deploy                    a setting: only edit the spec (deploy later with odoobo deploy)
  -y, --yes                      do not ask on a protected environment (needed without a terminal)
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"env set","ok","exitCode","skill","key","type","scope","component","file","specChanged","deploymentId"}

${exitCodesHelp('the live app could not take the value, or the deploy failed')}
`;

const UNSET_HELP = `Usage: odoobo env unset <skill> KEY [options]

Removes an env var from the skill's app spec (comments kept) and deploys, so the live app loses it too.

Options:
${PLACE_HELP}
  --no-deploy                    only edit the spec (deploy later with odoobo deploy)
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

${exitCodesHelp('the deploy failed')}
`;

const PLACE_OPTIONS = { component: { type: 'string' }, app: { type: 'boolean' }, ...ENV_OPTION } as const;

/** The environment: its app gets the secrets; settings are the base spec's, so only the default one takes --env. */
async function environmentOf(o: Opened, name: string | undefined, editsSettings: boolean): Promise<CliEnvironment> {
  const env = await resolveEnvOption(o.root, name);
  if (editsSettings && name !== undefined && !env.scope.isDefault) {
    throw new UsageError(
      `a setting is written into ${o.file}, the spec of every environment; for ${env.env.name} alone, put it in its overlay ` +
      `infra/${o.skill.name}.${env.env.name}.yaml (or set it as a secret with --secret --env ${env.env.name})`,
    );
  }
  return env;
}

interface Opened {
  skill: Skill;
  root: string;
  dir: string;
  file: string;
  text: string;
}

async function openSkill(io: CliIO, directory: string | undefined, names: string[]): Promise<Opened> {
  const dir = await workDir(directory);
  const root = await requireRepository(dir);
  const [skill] = selectSkills(await loadRepoSkills(root, io), names, false);
  const file = path.relative(root, skill.appSpecPath).split(path.sep).join('/');
  const text = await fs.readFile(skill.appSpecPath, 'utf8').catch((e: Error) => {
    throw new UsageError(`${skill.name}: cannot read its app spec ${file}: ${e.message}`);
  });
  return { skill, root, dir, file, text };
}

function placeText(p: EnvPlace): string {
  return p.component === undefined ? 'app level' : p.component;
}

/** An EnvVarError is the user's to fix (exit 2); anything else as every command reports it. */
function failure(io: CliIO, command: string, e: unknown, json: boolean | undefined, extra: Record<string, unknown>): number {
  if (!(e instanceof EnvVarError)) return reportFailure(io, command, e, json, extra);
  const code = e.code === 'NO_APP' ? EXIT.FAILED : EXIT.USAGE;
  if (json) printJson(io, { command, ok: false, exitCode: code, ...extra, error: { code: e.code, message: e.message } });
  else io.err(`odoobo ${command}: ${e.code}: ${e.message}`);
  return code;
}

/** The value: all of stdin when it is not a terminal, else a prompt on the terminal (echo off for a secret). */
async function readValue(key: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  // Echo off: readline writes what is typed to `output`, so a secret's keystrokes go nowhere.
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = readline.createInterface({ input: process.stdin, output: hidden ? muted : process.stderr, terminal: true });
  try {
    process.stderr.write(`${key}${hidden ? ' (hidden)' : ''}: `);
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

async function writeSpec(skill: Skill, original: string, edit: SpecEdit): Promise<void> {
  // Never overwrite an edit made meanwhile (the user's editor, another command).
  if ((await fs.readFile(skill.appSpecPath, 'utf8')) !== original) {
    throw new UsageError(`${skill.appSpecPath} changed meanwhile; nothing written: run the command again`);
  }
  const mode = (await fs.stat(skill.appSpecPath)).mode & 0o777;
  await writeFileAtomic(skill.appSpecPath, edit.text, { mode });
}

/** Runs `odoobo deploy` for the skill; with --json its document is answered instead of printed. */
async function deploySkill(
  io: CliIO, o: Opened, values: { target?: string; 'api-url'?: string; env?: string }, json: boolean,
): Promise<{ code: number; doc?: unknown }> {
  const args = [
    o.skill.name, '-C', o.root, ...(values.target ? ['--target', values.target] : []),
    ...(values['api-url'] ? ['--api-url', values['api-url']] : []), ...(values.env !== undefined ? ['--env', values.env] : []),
  ];
  if (!json) return { code: await deploy.run(args, io) };
  const lines: string[] = [];
  const code = await deploy.run([...args, '--json'], { ...io, out: (l) => lines.push(l) });
  try {
    return { code, doc: JSON.parse(lines.join('\n')) };
  } catch {
    return { code, doc: lines.join('\n') };
  }
}

const TERMINAL = new Set(['ACTIVE', 'SUPERSEDED', 'ERROR', 'CANCELED']);

export const envList: CliCommand = {
  path: ['env', 'list'],
  summary: "list a skill's env vars: keys, scopes, types (never values)",
  help: LIST_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args, strict: true, allowPositionals: true, options: { ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...ENV_OPTION },
    });
    if (values.help) {
      io.out(LIST_HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo env list pr-review`');
    const o = await openSkill(io, values.directory, positionals);
    const environment = await environmentOf(o, values.env, false);
    const extra = { skill: o.skill.name, environment: environment.env.name, file: o.file };
    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      try {
        target = await openTarget(values, io, o.dir);
        const live = await target.client.findAppByName(await appNameInEnv(o.skill, environment), { signal });
        const vars = listEnvVars(o.text, o.file, live?.spec);
        if (values.json) {
          printJson(io, { command: 'env list', ok: true, exitCode: EXIT.OK, ...extra, vars });
          return EXIT.OK;
        }
        const liveText = (v: (typeof vars)[number]) => (v.live === undefined ? 'no app' : v.live === 'set' ? 'value set' : v.live);
        const rows = vars.map((v) => [v.key, v.component ?? '(app)', v.scope, v.type, liveText(v)]);
        const columns = [{ header: 'KEY' }, { header: 'WHERE' }, { header: 'SCOPE' }, { header: 'TYPE' }, { header: 'LIVE' }];
        for (const l of formatTable(columns, rows)) io.out(l);
        if (!vars.length) io.out(`${o.file} sets no env vars`);
        return EXIT.OK;
      } catch (e) {
        return failure(io, 'env list', e, values.json, extra);
      } finally {
        await target?.close();
      }
    });
  },
};

export const envSet: CliCommand = {
  path: ['env', 'set'],
  summary: 'set an env var of a skill (a setting in the spec, or --secret: the value to the live app only)',
  help: SET_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...PLACE_OPTIONS,
        secret: { type: 'boolean' }, scope: { type: 'string' }, 'no-deploy': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' },
      },
    });
    if (values.help) {
      io.out(SET_HELP);
      return EXIT.OK;
    }
    // `KEY=value` would put the value in argv (and /proc/<pid>/cmdline): refused without echoing it.
    if (positionals.length === 2 && positionals[1].includes('=')) {
      throw new UsageError('the value is never given on the command line: pipe it on stdin or type it at the prompt');
    }
    if (positionals.length !== 2) throw new UsageError('name a skill and a key, e.g. `odoobo env set pr-review GITHUB_TOKEN --secret`');
    if (values.app && values.component) throw new UsageError('--app and --component do not go together');
    const [, key] = positionals;
    const o = await openSkill(io, values.directory, positionals.slice(0, 1));
    const json = values.json === true;
    const say = json ? io.err : io.out;
    const extra: Record<string, unknown> = { skill: o.skill.name, key, type: values.secret ? 'SECRET' : 'GENERAL', file: o.file };
    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      try {
        checkKey(key);
        const scope = checkScope(values.scope);
        const secret = values.secret === true;
        const environment = await environmentOf(o, values.env, !secret);
        extra.environment = environment.env.name;
        const action = `set ${key} on ${await appNameInEnv(o.skill, environment)}`;
        if (secret && !(await confirmProtected(io, environment.env, action, values.yes))) {
          io.err('odoobo env set: not confirmed; nothing changed');
          return EXIT.FAILED;
        }
        const value = await readValue(key, secret);
        if (secret && value === '') throw new EnvVarError('INVALID_KEY', `no value for ${key}: nothing set`);
        const place = { component: values.component, appLevel: values.app };
        const edit = setEnvVar(o.text, o.file, { key, secret, value: secret ? undefined : value, scope, ...place });
        Object.assign(extra, { scope: edit.scope, component: edit.place.component ?? null, specChanged: edit.changed });
        if (edit.changed) await writeSpec(o.skill, o.text, edit);
        const what = `${key} (${secret ? 'SECRET' : 'GENERAL'}, ${edit.scope}, ${placeText(edit.place)})`;
        say(`${what}: ${edit.changed ? `${o.file} edited` : `${o.file} already says so`}`);
        if (!secret) {
          if (values['no-deploy']) {
            if (json) printJson(io, { command: 'env set', ok: true, exitCode: EXIT.OK, ...extra });
            return EXIT.OK;
          }
          const d = await deploySkill(io, o, values, json);
          if (json) printJson(io, { command: 'env set', ok: d.code === EXIT.OK, exitCode: d.code, ...extra, deploy: d.doc });
          return d.code;
        }
        target = await openTarget(values, io, o.dir);
        const appName = await appNameInEnv(o.skill, environment);
        const r = await setLiveSecret(target.client, appName, { key, place: edit.place, scope: edit.scope, value }, { signal });
        let phase = r.deployment?.phase;
        if (r.deployment) {
          say(`the live app took the value; deployment ${r.deployment.id} carries it…`);
          for (let d = r.deployment; !TERMINAL.has(d.phase ?? ''); ) {
            await new Promise((res) => setTimeout(res, 500));
            if (signal.aborted) break;
            d = await target.client.getDeployment(r.appId, r.deployment.id, { signal });
            phase = d.phase;
          }
        }
        const ok = !r.deployment || phase === 'ACTIVE';
        say(ok
          ? `${key} is set on the live app (encrypted there; not in the repository)`
          : `the deployment ended ${phase}: see odoobo logs ${o.skill.name}`);
        const code = ok ? EXIT.OK : EXIT.FAILED;
        if (json) printJson(io, { command: 'env set', ok, exitCode: code, ...extra, deploymentId: r.deployment?.id, phase });
        return code;
      } catch (e) {
        return failure(io, 'env set', e, json, extra);
      } finally {
        await target?.close();
      }
    });
  },
};

export const envUnset: CliCommand = {
  path: ['env', 'unset'],
  summary: "remove an env var from a skill's spec and deploy",
  help: UNSET_HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...TARGET_OPTIONS, ...PLACE_OPTIONS, 'no-deploy': { type: 'boolean' } },
    });
    if (values.help) {
      io.out(UNSET_HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 2) throw new UsageError('name a skill and a key, e.g. `odoobo env unset pr-review MODEL`');
    const [, key] = positionals;
    const o = await openSkill(io, values.directory, positionals.slice(0, 1));
    const json = values.json === true;
    const extra: Record<string, unknown> = { skill: o.skill.name, key, file: o.file };
    return withCancellation(io, async () => {
      try {
        await environmentOf(o, values.env, true);
        const edit = unsetEnvVar(o.text, o.file, { key, component: values.component, appLevel: values.app });
        await writeSpec(o.skill, o.text, edit);
        (json ? io.err : io.out)(`${key} removed from ${o.file} (${placeText(edit.place)})`);
        if (values['no-deploy']) {
          if (json) printJson(io, { command: 'env unset', ok: true, exitCode: EXIT.OK, ...extra });
          return EXIT.OK;
        }
        const d = await deploySkill(io, o, values, json);
        if (json) printJson(io, { command: 'env unset', ok: d.code === EXIT.OK, exitCode: d.code, ...extra, deploy: d.doc });
        return d.code;
      } catch (e) {
        return failure(io, 'env unset', e, json, extra);
      }
    });
  },
};
