// Test-only (excluded from the build): where the repository's test inputs live.
import { fileURLToPath } from 'node:url';

/** A file of the repository's test data (test-data/ at the root; origins in its SOURCES.md). */
export const testData = (relative: string) =>
  fileURLToPath(new URL(`../../../test-data/${relative}`, import.meta.url));

/** A bundled sample (samples/ at the root), read by tests too. */
export const sample = (name: string) => fileURLToPath(new URL(`../../../samples/${name}`, import.meta.url));
