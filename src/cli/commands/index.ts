import type { CliCommand } from '../command';
import { platformStart } from './platformStart';
import { validate } from './validate';

/** Every CLI command. Add new ones here (`deploy`, `test`, …). */
export const COMMANDS: readonly CliCommand[] = [platformStart, validate];
