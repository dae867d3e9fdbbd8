import { defineConfig } from 'vitest/config';

// End-to-end tests in a real VS Code (code-server + headless Chromium): `pnpm test:e2e`.
export default defineConfig({
  test: {
    include: ['src/**/*.e2e.test.ts'],
    testTimeout: 600_000,
    // The first run installs code-server and compiles its native modules (several minutes).
    hookTimeout: 900_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
