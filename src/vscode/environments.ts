/**
 * The environments the editor works with: the repository's (infra/environments.yaml, or the defaults), and the one the
 * editor deploys to and shows first — the `odoobo.environment` setting, else the repository's default.
 */
import * as vscode from 'vscode';
import { appNameFor, loadEnvironments, resolveEnvironment, type EnvironmentDef, type Environments } from '../core/environments';

export interface EditorEnvironments {
  readonly envs: Environments;
  /** The environment the editor deploys to (resolved: without the file, the one app named as the spec). */
  readonly current: EnvironmentDef;
  /** Every environment that has an app of its own here, resolved, in declared order. */
  readonly usable: readonly EnvironmentDef[];
}

/** The `odoobo.environment` setting ('' = the repository's default). */
export function environmentSetting(scope?: vscode.ConfigurationScope): string {
  return vscode.workspace.getConfiguration('odoobo', scope).get<string>('environment', '') ?? '';
}

/** Reads the repository's environments; an unknown `odoobo.environment` falls back to the default with a warning logged. */
export async function editorEnvironments(root: string, log?: vscode.LogOutputChannel): Promise<EditorEnvironments> {
  const envs = await loadEnvironments(root);
  const usable = envs.list.flatMap((e) => {
    try {
      return [resolveEnvironment(envs, e.name)];
    } catch {
      return [];
    }
  });
  const wanted = environmentSetting(vscode.Uri.file(root)) || envs.defaultName;
  const current = usable.find((e) => e.name === wanted) ?? resolveEnvironment(envs);
  if (current.name !== wanted) log?.warn(`odoobo.environment: "${wanted}" is not an environment of ${root}; using ${current.name}`);
  return { envs, current, usable };
}

/** The app name of a skill in an environment (the app spec is named as its skill, as the scaffold writes it). */
export function skillAppName(env: EnvironmentDef, skill: string): string {
  return appNameFor(env, skill, skill);
}
