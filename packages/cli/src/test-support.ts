import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { CliIO } from './cli-io.js';

/** An in-memory CliIO for calling commands from tests. */
export function captureIO(overrides: Partial<CliIO> = {}): CliIO & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdoutIsTTY: false,
    cwd: process.cwd(),
    env: process.env,
    signal: new AbortController().signal,
    ...overrides,
    out: () => out,
    err: () => err,
  };
}

/** A file of the repository's test data (test-data/ at the root; origins in its SOURCES.md). */
export function testData(relative: string): string {
  return fileURLToPath(new URL(`../../../test-data/${relative}`, import.meta.url));
}

/** A bundled sample (samples/ at the root), read by tests too. */
export function sample(name: string): string {
  return fileURLToPath(new URL(`../../../samples/${name}`, import.meta.url));
}

const madeTempDirs: string[] = [];
// Registered while the importing test file is collected, so it runs after that file's tests.
afterAll(() => {
  for (const dir of madeTempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder in the system temp folder, removed after the test file's last test. */
export function tempDir(prefix = 'lowrank-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeTempDirs.push(dir);
  return dir;
}

export const repoRootForTests = fileURLToPath(new URL('../../../', import.meta.url));
