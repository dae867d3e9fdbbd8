import { randomBytes } from 'node:crypto';
import type { PanelKind } from '../shared/protocol.js';

/** A fresh script nonce per page load, from the crypto RNG. */
export function createNonce(): string {
  return randomBytes(18).toString('base64url');
}

export interface WebviewPage {
  readonly panel: PanelKind;
  readonly title: string;
  /** webview.cspSource: the origin asWebviewUri resources are served from. */
  readonly cspSource: string;
  /** asWebviewUri of media/out/<panel>.js and media/styles.css. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page shell. CSP: nothing by default; scripts only with this load's nonce; styles and fonts
 * only from the extension's media folder, plus <style> elements carrying the nonce (the toolkit's
 * FAST foundation probes :focus-visible support with one, reading the nonce from the csp-nonce
 * meta tag; its components otherwise use constructable stylesheets, which CSP does not govern);
 * images and canvases from blob:/data: only; workers from blob: only.
 */
export function renderWebviewHtml(page: WebviewPage): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${page.nonce}'`,
    `style-src ${page.cspSource} 'nonce-${page.nonce}'`,
    `font-src ${page.cspSource}`,
    'img-src blob: data:',
    // The panel decodes and resizes big pictures in a worker of its own (media/decode-off-thread.ts).
    'worker-src blob:',
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${page.nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(page.styleUri)}">
<title>${escapeHtml(page.title)}</title>
</head>
<body data-panel="${page.panel}">
<main id="app" aria-live="polite"><p class="placeholder">Loading…</p></main>
<script nonce="${page.nonce}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>`;
}
