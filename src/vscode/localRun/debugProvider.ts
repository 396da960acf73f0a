import * as vscode from 'vscode';

/** The launch type of a skill's debug configuration: `{"type": "odoobo", "request": "launch", "skill": "<name>"}`. */
export const SKILL_DEBUG_TYPE = 'odoobo';

/**
 * Resolves an `odoobo` launch configuration into the Python debugger's attach to the skill started under debugpy.
 * Registered at activation; the work is the `odoobo.debugLocally` command's (loaded with the other handlers on use).
 */
export function skillDebugProvider(): vscode.DebugConfigurationProvider {
  return {
    async resolveDebugConfiguration(folder, config) {
      // F5 without a launch.json: an empty configuration, the skill is asked for
      const given = config.type ? config : { type: SKILL_DEBUG_TYPE, request: 'launch', name: 'Debug skill (local run)' };
      const resolved = await vscode.commands.executeCommand<unknown>('odoobo.debugLocally', { debugConfiguration: given, folder });
      const ok = !!resolved && typeof resolved === 'object' && (resolved as { type?: unknown }).type === 'python';
      return ok ? (resolved as vscode.DebugConfiguration) : undefined;
    },
  };
}
