// package.json and the extension's command registry cannot drift: no extension host, only package.json and the
// vscode-free id list. A command is contributed, registered, trusted and found in its own file, or this fails.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_IDS, TRUST_REQUIRED } from '../../../src/vscode/commands/commandIds';

const ROOT = path.join(__dirname, '..', '..', '..');
const COMMANDS_DIR = path.join(ROOT, 'src', 'vscode', 'commands');

interface Contributes {
  commands: { command: string; enablement?: string }[];
  [key: string]: unknown;
}

function contributes(): Contributes {
  return (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: Contributes }).contributes;
}

/** Every command id package.json refers to outside its `commands` list: menus, `command:` links, `onCommand:` events. */
function referencedCommands(value: unknown, key = ''): string[] {
  if (typeof value === 'string') {
    const linked = [...value.matchAll(/\b(?:command|onCommand):(odoobo\.[A-Za-z]+)/g)].map((m) => m[1]);
    return key === 'command' && value.startsWith('odoobo.') ? [value, ...linked] : linked;
  }
  if (Array.isArray(value)) return value.flatMap((v) => referencedCommands(v));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => referencedCommands(v, k));
  return [];
}

/** What disagrees between package.json's contributions and the code's lists; empty when they agree. */
function drift(json: Contributes, ids: readonly string[], trusted: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const declared = json.commands.map((c) => c.command);
  const dup = (list: readonly string[]) => list.filter((c, i) => list.indexOf(c) !== i);
  for (const c of dup(declared)) problems.push(`package.json declares ${c} twice`);
  for (const c of dup(ids)) problems.push(`COMMAND_IDS lists ${c} twice`);
  for (const c of ids) if (!declared.includes(c)) problems.push(`${c} is registered but package.json does not declare it`);
  for (const c of declared) if (!ids.includes(c)) problems.push(`package.json declares ${c} but COMMAND_IDS does not list it`);
  for (const c of json.commands) {
    const gated = c.enablement === 'isWorkspaceTrusted';
    if (gated !== trusted.has(c.command)) {
      const [is, has] = gated ? ['set', 'omits'] : ['missing', 'has'];
      problems.push(`${c.command}: enablement isWorkspaceTrusted is ${is} but TRUST_REQUIRED ${has} it`);
    }
  }
  const { commands: _, ...rest } = json;
  for (const c of new Set(referencedCommands(rest))) if (!declared.includes(c)) problems.push(`package.json refers to undeclared ${c}`);
  return problems;
}

describe('extension commands: package.json and the registry', () => {
  it('package.json declares exactly COMMAND_IDS, gates exactly TRUST_REQUIRED, and refers to no other command', () => {
    assert.deepEqual(drift(contributes(), COMMAND_IDS, TRUST_REQUIRED), []);
  });

  it('finds each kind of drift (so the check above can fail)', () => {
    const json = contributes();
    const mutated: Contributes = {
      ...json,
      commands: [
        ...json.commands
          .filter((c) => c.command !== 'odoobo.refresh')
          .map((c) => (c.command === 'odoobo.deploy' ? { command: c.command } : c)),
        { command: 'odoobo.extra' },
      ],
      menus: { commandPalette: [{ command: 'odoobo.nowhere' }] },
    };
    assert.deepEqual(drift(mutated, COMMAND_IDS, TRUST_REQUIRED).sort(), [
      'odoobo.deploy: enablement isWorkspaceTrusted is missing but TRUST_REQUIRED has it',
      'odoobo.refresh is registered but package.json does not declare it',
      'package.json declares odoobo.extra but COMMAND_IDS does not list it',
      'package.json refers to undeclared odoobo.nowhere',
    ]);
  });

  it('each command lives in its own file, src/vscode/commands/<group>/<name>.ts, imported by the registry', () => {
    const groups = readdirSync(COMMANDS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'support')
      .map((d) => d.name);
    const registry = readFileSync(path.join(COMMANDS_DIR, 'handlers.ts'), 'utf8');
    for (const id of COMMAND_IDS) {
      const name = id.slice('odoobo.'.length);
      const homes = groups.filter((g) => existsSync(path.join(COMMANDS_DIR, g, `${name}.ts`)));
      assert.equal(homes.length, 1, `${id}: expected one file <group>/${name}.ts, found ${homes.length} (${homes.join(', ')})`);
      assert.match(registry, new RegExp(`from '\\./${homes[0]}/${name}';`), `handlers.ts does not import ${homes[0]}/${name}`);
    }
  });

  it('the id list needs no extension host (no vscode import), so this test and the CLI can read it', () => {
    const source = readFileSync(path.join(COMMANDS_DIR, 'commandIds.ts'), 'utf8');
    assert.doesNotMatch(source, /from 'vscode'/);
  });
});
