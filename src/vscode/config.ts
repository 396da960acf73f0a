import * as vscode from 'vscode';
import { DEFAULT_CONCURRENCY } from '../core/deploy/run';
import type { TargetName } from '../core/target';

/** The extension's name for the core's target (one definition: core/target.ts). */
export type Target = TargetName;

/** The extension's settings, read fresh each time (they can change at any moment). */
export function settings(scope?: vscode.ConfigurationScope) {
  const c = vscode.workspace.getConfiguration('odoobo', scope);
  return {
    target: c.get<Target>('target', 'local'),
    apiUrl: c.get<string>('apiUrl', ''),
    concurrency: c.get<number>('concurrency', DEFAULT_CONCURRENCY),
    skillsLocation: c.get<string>('skillsLocation', 'skills') || 'skills',
    worktreeRoot: c.get<string>('worktreeRoot', ''),
    pollIntervalSeconds: c.get<number>('pollInterval', 5),
    deployTimeoutSeconds: c.get<number>('deployTimeout', 600),
  };
}
