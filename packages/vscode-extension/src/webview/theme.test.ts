import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const css = readFileSync(fileURLToPath(new URL('../../media/styles.css', import.meta.url)), 'utf8');

describe('webview styles', () => {
  it('take every colour from VS Code theme variables (so light, dark and high-contrast themes apply)', () => {
    const declarations = [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([a-z-]+)\s*:\s*([^;{}]+);/g)];
    const colourProperties = declarations.filter(([, property]) =>
      /^(color|background|background-color|border|border-color|outline|accent-color|fill|stroke)$/.test(
        property!,
      ),
    );
    expect(colourProperties.length).toBeGreaterThan(10);
    for (const [, property, value] of colourProperties) {
      const ok = /var\(--vscode-/.test(value!) || /^(none|transparent|inherit)$/.test(value!.trim());
      expect(ok, `${property}: ${value}`).toBe(true);
    }
  });
});
