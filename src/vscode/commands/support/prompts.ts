import * as vscode from 'vscode';

/** Answers for `input`, `pickOne`/`pickMany` and `confirm`, in order (azuretools `TestUserInput` style). */
export interface PromptScript {
  next(kind: 'input' | 'pick' | 'confirm', prompt: string): string | undefined | typeof NOT_SCRIPTED;
}
/** A script's answer meaning "show the real prompt". */
export const NOT_SCRIPTED = Symbol('not scripted');

/** Whatever carries the test's script; undefined in normal use. */
export interface PromptHost {
  readonly prompts?: PromptScript;
}

type Scripted = { readonly answer: string } | 'dismissed' | 'ask';

function scripted(host: PromptHost, kind: 'input' | 'pick' | 'confirm', prompt: string): Scripted {
  if (!host.prompts) return 'ask';
  const answer = host.prompts.next(kind, prompt);
  if (answer === NOT_SCRIPTED) return 'ask';
  return answer === undefined ? 'dismissed' : { answer };
}

/** An input box; a scripted answer still goes through `validateInput`, and a refused one throws its message. */
export async function input(host: PromptHost, options: vscode.InputBoxOptions): Promise<string | undefined> {
  const s = scripted(host, 'input', options.prompt ?? options.title ?? '');
  if (s === 'dismissed') return undefined;
  if (s === 'ask') return vscode.window.showInputBox(options);
  const problem = await options.validateInput?.(s.answer);
  if (problem) throw new Error(typeof problem === 'string' ? problem : problem.message);
  return s.answer;
}

type PickOptions = Omit<vscode.QuickPickOptions, 'canPickMany'>;

/** Items a scripted answer names: comma-separated labels or ids. */
function scriptedItems<T extends vscode.QuickPickItem>(items: readonly T[], answer: string): T[] {
  const wanted = answer.split(',');
  return items.filter((i) => wanted.includes(i.label) || wanted.includes((i as { id?: string }).id ?? ''));
}

/** A single-select quick pick; undefined when dismissed. */
export async function pickOne<T extends vscode.QuickPickItem>(
  host: PromptHost,
  items: T[],
  options: PickOptions,
): Promise<T | undefined> {
  const s = scripted(host, 'pick', options.title ?? options.placeHolder ?? '');
  if (s === 'dismissed') return undefined;
  if (s === 'ask') return vscode.window.showQuickPick(items, { ...options, canPickMany: false });
  return scriptedItems(items, s.answer)[0];
}

/** A multi-select quick pick; undefined when dismissed. */
export async function pickMany<T extends vscode.QuickPickItem>(
  host: PromptHost,
  items: T[],
  options: PickOptions,
): Promise<T[] | undefined> {
  const s = scripted(host, 'pick', options.title ?? options.placeHolder ?? '');
  if (s === 'dismissed') return undefined;
  if (s === 'ask') return vscode.window.showQuickPick(items, { ...options, canPickMany: true });
  return scriptedItems(items, s.answer);
}

/** A modal question with buttons; answers the chosen button's title, or undefined when dismissed. */
export async function confirm(host: PromptHost, message: string, ...buttons: string[]): Promise<string | undefined> {
  const s = scripted(host, 'confirm', message);
  if (s === 'dismissed') return undefined;
  if (s === 'ask') return vscode.window.showWarningMessage(message, { modal: true }, ...buttons);
  return buttons.includes(s.answer) ? s.answer : undefined;
}
