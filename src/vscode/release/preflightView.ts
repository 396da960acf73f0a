/**
 * Shows a pre-flight diff in a diff editor: the live app's spec (left) against the one that would be applied (right),
 * both as masked YAML (secrets never reach the editor), served by a read-only content provider.
 */
import * as vscode from 'vscode';
import type { Preflight } from '../../core/release/diff';

const SCHEME = 'odoobo-preflight';
const contents = new Map<string, string>();
let registered: vscode.Disposable | undefined;
let serial = 0;

function provider(): void {
  registered ??= vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
    provideTextDocumentContent: (uri) => contents.get(uri.path) ?? '',
  });
}

/** Opens the diff editor for a pre-flight; answers the two URIs (tests read them back). */
export async function showPreflightDiff(p: Preflight, environment: string): Promise<{ left: vscode.Uri; right: vscode.Uri }> {
  provider();
  const n = ++serial;
  // A new path each time: a content provider's document would otherwise keep its first text.
  const left = vscode.Uri.from({ scheme: SCHEME, path: `/${n}/live/${p.appName}.yaml` });
  const right = vscode.Uri.from({ scheme: SCHEME, path: `/${n}/new/${p.appName}.yaml` });
  contents.set(left.path, p.liveYaml || '# no app yet: the deploy creates it\n');
  contents.set(right.path, p.nextYaml);
  const title = `${p.appName} (${environment}): live ↔ to apply`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  return { left, right };
}

/** The lines a summary shows: commits going live and the monthly cost before → after. */
export function preflightSummary(p: Preflight): string[] {
  const short = (sha?: string) => (sha ? sha.slice(0, 7) : 'nothing');
  const lines = [`${p.appName}: ${short(p.liveCommit)} → ${short(p.nextCommit)}`];
  lines.push(`${p.commits.going.length} commit(s) go live${p.commits.going.length ? `: ${p.commits.going.slice(0, 5).map((c) => c.subject).join('; ')}` : ''}`);
  if (p.commits.leaving.length) lines.push(`${p.commits.leaving.length} commit(s) stop serving`);
  const usd = (n?: number) => (n === undefined ? 'nothing' : `$${n.toFixed(2)}/mo`);
  const before = p.cost.before ? (p.cost.before.appCost ?? p.cost.before.instancesTotal) : undefined;
  const after = p.cost.after.appCost ?? p.cost.after.instancesTotal;
  lines.push(`monthly cost ${usd(before)} → ${usd(after)}`);
  lines.push(p.specChanged ? 'the spec changes (see the diff editor)' : 'the spec does not change');
  return lines;
}
