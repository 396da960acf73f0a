import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { OdooboApi } from '../../../src/extension';
import type { SkillsTreeNode } from '../../../src/vscode/tree/items';
import { NOT_SCRIPTED, type PromptScript } from '../../../src/vscode/commands/support/prompts';

export const EXTENSION_ID = 'odoobo.odoobo-skills';

export interface Fixture {
  root: string;
  skills: string[];
  invalid: string[];
  worktrees: Record<string, { path: string; dirty: boolean; ahead: number }>;
}

export async function fixture(): Promise<Fixture> {
  const file = process.env.ODOOBO_FIXTURE;
  assert.ok(file, 'ODOOBO_FIXTURE is not set: the runner must describe the fixture workspace');
  return JSON.parse(await fs.readFile(file, 'utf8')) as Fixture;
}

export async function api(): Promise<OdooboApi> {
  const ext = vscode.extensions.getExtension<OdooboApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  const exports = ext.isActive ? ext.exports : await ext.activate();
  await exports.ready;
  return exports;
}

export async function children(a: OdooboApi, parent?: SkillsTreeNode): Promise<SkillsTreeNode[]> {
  return (await a.tree.getChildren(parent)) ?? [];
}

export async function skillItem(a: OdooboApi, name: string): Promise<SkillsTreeNode | undefined> {
  return (await children(a)).find((i) => i.label === name);
}

/** Waits until `predicate` holds, re-checking after each tree change; fails with `what` after `ms`. */
export async function waitFor<T>(a: OdooboApi, what: string, predicate: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const sub = a.tree.onDidChangeTreeData(() => {
        sub.dispose();
        resolve();
      });
      setTimeout(() => {
        sub.dispose();
        resolve();
      }, 500);
    });
  }
}

/** Scripted prompt answers in order; a prompt beyond the script fails the test instead of hanging. */
export function script(...answers: (string | undefined)[]): PromptScript & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    next(kind, prompt) {
      asked.push(`${kind}: ${prompt}`);
      if (answers.length === 0) throw new Error(`unscripted ${kind} prompt: ${prompt}`);
      const a = answers.shift();
      return a === undefined ? undefined : a ?? NOT_SCRIPTED;
    },
  };
}
