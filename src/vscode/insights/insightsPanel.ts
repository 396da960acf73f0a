/**
 * The Insights view: a webview panel with charts of the deployment history (drawn in the webview by Chart.js from
 * the extension's own files, under the dashboard's CSP) and a table alternative for each chart.
 */
import * as vscode from 'vscode';
import { contentSecurityPolicy, newNonce } from '../dashboard/html';
import { Disposable } from '../util/disposable';
import { insightsFor } from './data';
import { INSIGHTS_VIEW_TYPE, parseInsightsMessage, type InsightsHostMessage, type InsightsWebviewMessage } from './protocol';

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class InsightsPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** For tests: what the webview last reported drawing, and any CSP violation it saw. */
  rendered: { charts: number; tables: number } | undefined;
  readonly cspViolations: string[] = [];
  private renderedWaiters: Array<() => void> = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly repoRoot: () => string | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({ dispose: () => this.panel?.dispose() });
  }

  get currentPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  show(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(INSIGHTS_VIEW_TYPE, 'Deployment Insights', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [dist],
    });
    this.panel = panel;
    const asset = (f: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, f)).toString();
    panel.webview.html = this.html(panel.webview.cspSource, asset('insights.js'), asset('insights.css'));
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.received(parseInsightsMessage(m))),
      panel.onDidDispose(() => {
        this.panel = undefined;
        for (const s of subs) s.dispose();
      }),
    ];
    return panel;
  }

  /** Resolves once the webview reports a drawing (tests). */
  whenRendered(): Promise<void> {
    return new Promise((resolve) => this.renderedWaiters.push(resolve));
  }

  private html(cspSource: string, script: string, styles: string): string {
    const nonce = newNonce();
    const n = escapeAttr(nonce);
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${n}" href="${escapeAttr(styles)}">
<title>Deployment Insights</title>
</head>
<body>
<main id="app" aria-busy="true"><p>Reading the deployment history…</p></main>
<script nonce="${n}" src="${escapeAttr(script)}"></script>
</body>
</html>`;
  }

  private received(m: InsightsWebviewMessage | undefined): void {
    if (!m) return;
    if (m.type === 'ready' || m.type === 'refresh') void this.send();
    else if (m.type === 'rendered') {
      this.rendered = { charts: m.charts, tables: m.tables };
      for (const w of this.renderedWaiters.splice(0)) w();
    } else {
      this.cspViolations.push(`${m.directive}: ${m.blocked}`);
      this.log.warn(`Insights view: the CSP blocked ${m.blocked} (${m.directive})`);
    }
  }

  private async send(): Promise<void> {
    const root = this.repoRoot();
    let message: InsightsHostMessage;
    try {
      if (!root) throw new Error('Open a folder of a skills repository to see its deployment insights.');
      message = { type: 'insights', data: await insightsFor(root) };
    } catch (e) {
      message = { type: 'error', message: (e as Error).message };
    }
    await this.panel?.webview.postMessage(message);
  }
}
