import { defineConfig } from 'vitest/config';

// End-to-end tests in a real VS Code (code-server + headless Chromium): `pnpm test:e2e`.
export default defineConfig({
  test: {
    include: ['src/**/*.e2e.test.ts'],
    testTimeout: 600_000,
    // The first run installs code-server and compiles its native modules (several minutes).
    hookTimeout: 900_000,
    // code-server's webview host, after the window reload one test makes, sometimes starts a new
    // panel's document 30 s or more after its tab appears (measured in the big-photo test), which
    // outlasts a test's waits: a test that fails is run once more before it counts as failed.
    retry: 1,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
