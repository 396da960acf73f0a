import type { CliCommand } from '../command';
import { alerts } from './alerts';
import { consoleCommand } from './console';
import { deploy } from './deploy';
import { diff } from './diff';
import { envList, envSet, envUnset } from './env';
import { invoke } from './invoke';
import { logs } from './logs';
import { merge } from './merge';
import { platformStart } from './platformStart';
import { promote } from './promote';
import { previewDownCommand, previewListCommand, previewUpCommand } from './preview';
import { platformStatus } from './platformStatus';
import { platformStop } from './platformStop';
import { restart } from './restart';
import { report } from './report';
import { rollback } from './rollback';
import { run } from './run';
import { scale } from './scale';
import { status } from './status';
import { test } from './test';
import { validate } from './validate';
import { worktreesList, worktreesRemove, worktreesSetup } from './worktrees';

/** Every CLI command, in the order `odoobo --help` lists them; a new command is a file here and an entry below. */
export const COMMANDS: readonly CliCommand[] = [
  platformStart,
  platformStatus,
  platformStop,
  validate,
  deploy,
  diff,
  promote,
  test,
  run,
  invoke,
  rollback,
  restart,
  scale,
  consoleCommand,
  alerts,
  envList,
  envSet,
  envUnset,
  merge,
  status,
  report,
  logs,
  worktreesSetup,
  worktreesList,
  worktreesRemove,
  previewUpCommand,
  previewDownCommand,
  previewListCommand,
];
