/** What the operate commands (restart, console, alerts) share: the skill's app in an environment, confirmation, errors. */
import * as readline from 'node:readline';
import { EnvironmentError, type EnvironmentDef } from '../../core/environments';
import { findSkillApp, OperateError, type OperatedApp } from '../../core/operate/app';
import type { ResolvedTarget } from '../../core/target';
import { UsageError, type CliIO } from '../command';
import { isInteractive } from '../ui/style';
import { appNameOf, EXIT, loadRepoSkills, printJson, reportFailure, selectSkills } from './common';

export const ENV_HELP = '  --env <name>                   the environment whose app it is (default: infra/environments.yaml\'s default)';
export const ENV_OPTION = { env: { type: 'string' } } as const;

/** Operate errors a user fixes by naming something else: usage (2); the others fail the command (1). */
const USAGE_CODES: ReadonlySet<OperateError['code']> = new Set(['UNKNOWN_COMPONENT', 'UNKNOWN_INSTANCE', 'INVALID_DESTINATION']);

/** The one skill named on the command line and its app on the target, in the chosen environment. */
export async function skillApp(
  io: CliIO,
  root: string,
  target: ResolvedTarget,
  names: readonly string[],
  envName: string | undefined,
  signal?: AbortSignal,
): Promise<OperatedApp & { skill: string }> {
  const [skill] = selectSkills(await loadRepoSkills(root, io), names, false);
  try {
    return { skill: skill.name, ...(await findSkillApp(target.client, root, skill.name, await appNameOf(skill), envName, { signal })) };
  } catch (e) {
    if (e instanceof EnvironmentError) throw new UsageError(e.message);
    throw e;
  }
}

/** Whether a terminal can answer a question (stdin and stdout both are one). */
export function canAsk(io: CliIO): boolean {
  return isInteractive(io) && process.stdin.isTTY === true;
}

/** A protected environment's action asks first; without a terminal it needs --yes. Resolves false when declined. */
export async function confirmProtected(io: CliIO, env: EnvironmentDef, action: string, yes: boolean | undefined): Promise<boolean> {
  if (!env.protected || yes) return true;
  if (!canAsk(io)) throw new UsageError(`${env.name} is a protected environment: add --yes to ${action} without a terminal to confirm on`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${env.name} is protected. ${action}? [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Prints a failure like reportFailure does, with OperateError's code and mitigation; answers the exit code. */
export function operateFailure(
  io: CliIO,
  command: string,
  e: unknown,
  json: boolean | undefined,
  extra: Record<string, unknown> = {},
): number {
  if (!(e instanceof OperateError)) return reportFailure(io, command, e, json, extra);
  const exitCode = USAGE_CODES.has(e.code) ? EXIT.USAGE : EXIT.FAILED;
  const error = { code: e.code, message: e.message, mitigation: e.mitigation };
  if (json) printJson(io, { command, ok: false, exitCode, ...extra, error });
  else {
    io.err(`odoobo ${command}: ${e.code}: ${e.message}`);
    if (e.mitigation) io.err(`  → ${e.mitigation}`);
  }
  return exitCode;
}
