import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { buildSkillsModel, type SkillsModel } from '../core/skillsModel';
import { settings } from './config';

/** A folder's first model, started before `activate`: its first paint (if any) and the complete model. */
export interface EarlyModel {
  readonly firstPaint: Promise<SkillsModel | undefined>;
  readonly complete: Promise<SkillsModel>;
  /** `performance.now()` when the first paint's model was built (undefined until then, or without one). */
  readonly firstPaintAt: () => number | undefined;
}

const early = new Map<string, EarlyModel>();

/**
 * Starts every workspace folder's model as the extension's module is evaluated. The host loads the module and the
 * extension's context in parallel and calls `activate` only when both are there (~40 ms later on our machines, with
 * its event loop busy loading other extensions): git and the manifest reads run meanwhile instead of after it.
 * The same work `activate` would start, with the same settings; a folder's store takes it over (`takeEarlyModel`).
 */
export function startEarlyModels(): void {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    let paint: (m: SkillsModel | undefined) => void = () => undefined;
    let at: number | undefined;
    const firstPaint = new Promise<SkillsModel | undefined>((resolve) => (paint = resolve));
    const onFirstPaint = (m: SkillsModel) => {
      at = performance.now();
      paint(m);
    };
    const complete = buildSkillsModel(folder.uri.fsPath, { skillsLocation: settings(folder).skillsLocation, onFirstPaint });
    // Without a first paint (outside git, a git error) there is only the complete model; a failure is the store's.
    complete.then(() => paint(undefined), () => paint(undefined));
    early.set(folder.uri.toString(), { firstPaint, complete, firstPaintAt: () => at });
  }
}

/** The model started early for this folder, once (a later refresh builds its own); undefined if none was. */
export function takeEarlyModel(folder: vscode.WorkspaceFolder): EarlyModel | undefined {
  const key = folder.uri.toString();
  const model = early.get(key);
  early.delete(key);
  return model;
}
