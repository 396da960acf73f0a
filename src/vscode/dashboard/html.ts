/** The dashboard's HTML document: a strict CSP with a fresh nonce, and only the extension's own files. No `vscode`. */
import { randomBytes } from 'node:crypto';

export interface DashboardAssets {
  /** `webview.cspSource` */
  readonly cspSource: string;
  /** Webview URIs of dist/webview/dashboard.js, dashboard.css and codicon.css. */
  readonly script: string;
  readonly styles: string;
  readonly codicons: string;
}

/** 128 random bits; never Math.random. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function dashboardHtml(assets: DashboardAssets, nonce: string): string {
  const n = escapeAttr(nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(assets.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link id="vscode-codicon-stylesheet" rel="stylesheet" nonce="${n}" href="${escapeAttr(assets.codicons)}">
<link rel="stylesheet" nonce="${n}" href="${escapeAttr(assets.styles)}">
<title>Deployments</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading deployments…</p></main>
<script nonce="${n}" src="${escapeAttr(assets.script)}"></script>
</body>
</html>`;
}
