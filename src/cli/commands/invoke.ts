import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { appNameFor, EnvironmentError, loadEnvironments, resolveEnvironment } from '../../core/environments';
import { formatInvokeResponse, invokeSkill, type InvokeResponse } from '../../core/localRun/invoke';
import { localRunsDir, readRunRecord } from '../../core/localRun/registry';
import { listRequestFiles, parseSkillRequest, readSkillRequest, type SkillRequest } from '../../core/localRun/requestFile';
import type { Skill } from '../../core/skills/loadSkills';
import { UsageError, type CliCommand, type CliIO } from '../command';
import {
  appNameOf, COMMON_OPTIONS, DIR_HELP, EXIT, exitCodesHelp, HELP_HELP, JSON_HELP, loadRepoSkills, openTarget, printJson,
  requireRepository, selectSkills, TARGET_HELP, TARGET_OPTIONS, withCancellation, workDir,
} from './common';
import { reportLocalFailure } from './run';

const HELP = `Usage: odoobo invoke <skill> [--env <name> | --local] [--file <request.json> | --data <json>] [options]

Sends a JSON request to a skill's invoke path and prints the response: status, time, headers and the body
pretty-printed; a validation error (4xx) is shown with the field it names. The request is a file (a path, or the
name of one of skills/<skill>/requests/*.json), or typed JSON with --data; without either, the skill's first example.
Format: {"method"?: "POST", "path"?: <manifest invokePath>, "headers"?: {…}, "body"?: <JSON>, "description"?: "…"}.

Options:
  --local                        the skill's local run (\`odoobo run <skill>\` or the editor's Run Locally)
  --env <name>                   the skill's app in this environment (default: the default environment)
  --file <request.json>          the request file
  --data <json>                  the request as JSON text
${TARGET_HELP}
${JSON_HELP}
${DIR_HELP}
${HELP_HELP}

JSON: {"command":"invoke","ok",exitCode,"skill","where","url","request":{"method","path","file"},
"response":{"status","timeMs","headers","body","problems":[{"field","message"}]}}

${exitCodesHelp('the skill answered with a status other than 2xx, or did not answer')}
`;

async function requestOf(skill: Skill, values: { file?: string; data?: string }, io: CliIO): Promise<{ req: SkillRequest; file?: string }> {
  if (values.file !== undefined && values.data !== undefined) throw new UsageError('give --file or --data, not both');
  if (values.data !== undefined) return { req: parseSkillRequest(values.data, '--data') };
  const examples = await listRequestFiles(skill.dir);
  let file = values.file;
  if (file === undefined) {
    file = examples[0];
    if (!file) {
      throw new UsageError(`${skill.name} has no example requests (${path.join(skill.dir, 'requests')}/*.json): give --file or --data`);
    }
    io.err(`request: ${file} (--file or --data to choose another)`);
  } else if (!(await fs.stat(file).then((s) => s.isFile(), () => false))) {
    // a bare name picks one of the skill's examples: `--file debug-output`
    file = examples.find((f) => path.basename(f, '.json') === path.basename(values.file!, '.json')) ?? file;
  }
  return { req: await readSkillRequest(file), file };
}

function bodyOf(r: InvokeResponse): unknown {
  return r.json !== undefined ? r.json : r.text;
}

export const invoke: CliCommand = {
  path: ['invoke'],
  summary: 'send a JSON request to a skill (local run or deployed) and print the answer',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS, ...TARGET_OPTIONS, local: { type: 'boolean' }, env: { type: 'string' }, file: { type: 'string' },
        data: { type: 'string' },
      },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.OK;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one skill, e.g. `odoobo invoke pr-review --local`');
    if (values.local && values.env !== undefined) throw new UsageError('give --local or --env, not both');
    if (values.local && (values.target !== undefined || values['api-url'] !== undefined)) {
      throw new UsageError('--local talks to the local run: --target and --api-url are for deployed skills');
    }
    const dir = await workDir(values.directory);
    const root = await requireRepository(dir);
    const [skill] = selectSkills(await loadRepoSkills(root, io), positionals, false);
    return withCancellation(io, async (signal) => {
      let target: Awaited<ReturnType<typeof openTarget>> | undefined;
      try {
        const { req, file } = await requestOf(skill, values, io);
        let baseUrl: string;
        let where: string;
        if (values.local) {
          const record = await readRunRecord((await localRunsDir(root))!, skill.name);
          if (!record) {
            throw new UsageError(`${skill.name} is not running locally: start it with \`odoobo run ${skill.name}\` (or Run Locally)`);
          }
          baseUrl = record.url;
          where = 'local';
        } else {
          let envName: string;
          let appName: string;
          try {
            const env = resolveEnvironment(await loadEnvironments(root), values.env);
            envName = env.name;
            appName = appNameFor(env, await appNameOf(skill), skill.name);
          } catch (e) {
            if (e instanceof EnvironmentError) throw new UsageError(e.message);
            throw e;
          }
          target = await openTarget(values, io, dir, { waitRestored: true });
          const app = (await target.client.listApps({ signal })).find((a) => a.spec.name === appName);
          if (!app?.live_url) {
            throw new UsageError(`${skill.name} has no live app "${appName}" on ${target.target} (${envName}): deploy it, or use --local`);
          }
          baseUrl = app.live_url;
          where = envName;
        }
        const res = await invokeSkill(baseUrl, req, { invokePath: skill.manifest.invokePath, signal });
        const ok = res.status >= 200 && res.status < 300;
        const exitCode = ok ? EXIT.OK : EXIT.FAILED;
        if (values.json) {
          printJson(io, {
            command: 'invoke', ok, exitCode, skill: skill.name, where, url: res.url,
            request: { method: req.method, path: req.path ?? skill.manifest.invokePath, file },
            response: { status: res.status, timeMs: res.timeMs, headers: res.headers, body: bodyOf(res), problems: res.problems },
          });
        } else {
          io.out(formatInvokeResponse(res).trimEnd());
        }
        return exitCode;
      } catch (e) {
        return reportLocalFailure(io, 'invoke', e, values.json);
      } finally {
        await target?.close();
      }
    });
  },
};
