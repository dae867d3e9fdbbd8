import { createRequire } from 'node:module';

/**
 * `require` resolving from this package: for CommonJS dependencies loaded on first use. When a
 * bundler turns this module into CommonJS, import.meta.url may be empty: its own require then.
 */
export function packageRequire(): NodeJS.Require | undefined {
  if (import.meta.url) return createRequire(import.meta.url);
  return typeof require === 'function' ? require : undefined;
}
