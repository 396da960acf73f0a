import * as vscode from 'vscode';

export type Target = 'local' | 'digitalocean';

/** The extension's settings, read fresh each time (they can change at any moment). */
export function settings(scope?: vscode.ConfigurationScope) {
  const c = vscode.workspace.getConfiguration('odoobo', scope);
  return {
    target: c.get<Target>('target', 'local'),
    apiUrl: c.get<string>('apiUrl', ''),
    concurrency: c.get<number>('concurrency', 5),
    skillsLocation: c.get<string>('skillsLocation', 'skills') || 'skills',
    worktreeRoot: c.get<string>('worktreeRoot', ''),
    pollIntervalSeconds: c.get<number>('pollInterval', 5),
    deployTimeoutSeconds: c.get<number>('deployTimeout', 600),
  };
}
