import { describe, expect, it } from 'vitest';
import { createNonce, renderWebviewHtml } from './webview-html.js';

describe('renderWebviewHtml', () => {
  const page = {
    panel: 'compression' as const,
    title: 'SVD: <cat>.png',
    cspSource: 'https://example.vscode-cdn.net',
    scriptUri: 'https://example.vscode-cdn.net/media/out/compression.js',
    styleUri: 'https://example.vscode-cdn.net/media/styles.css',
    nonce: 'abc123',
  };
  const html = renderWebviewHtml(page);
  const csp = /content="([^"]+)"/.exec(html)![1]!;

  it('denies everything by default and allows scripts only with the nonce', () => {
    const directives = csp.split(';').map((d) => d.trim());
    expect(directives[0]).toBe("default-src 'none'");
    expect(directives).toContain("script-src 'nonce-abc123'");
    expect(directives).toContain("style-src https://example.vscode-cdn.net 'nonce-abc123'");
    expect(html).toContain('<meta property="csp-nonce" content="abc123">');
    expect(directives).toContain('img-src blob: data:');
    expect(directives).toContain('worker-src blob:');
    expect(csp).not.toContain('unsafe');
    expect(html).toContain(
      '<script nonce="abc123" src="https://example.vscode-cdn.net/media/out/compression.js">',
    );
  });

  it('escapes the title', () => {
    expect(html).toContain('<title>SVD: &#60;cat&#62;.png</title>');
  });

  it('makes a different nonce every time', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => createNonce()));
    expect(nonces.size).toBe(50);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
