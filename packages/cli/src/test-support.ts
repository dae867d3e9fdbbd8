import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** The shared data folder as tests find it (env LOWRANK_SHARED_DIR wins). */
export function sharedDataDir(): string {
  const fromEnv = process.env.LOWRANK_SHARED_DIR;
  return fromEnv
    ? join(fromEnv, 'data')
    : fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
}

export function tempDir(prefix = 'lowrank-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const repoRootForTests = fileURLToPath(new URL('../../../', import.meta.url));
